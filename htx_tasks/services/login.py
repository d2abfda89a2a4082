"""The coordinator's login: the password checked against its hash, then a fresh signed link issued.

``HTX_COORDINATOR_PASSWORD_HASH`` holds ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>``
(``htx-tasks links hash-password`` makes one with ``hash_password``). The web app's login page
calls ``check`` (slow on purpose: in a worker thread, outside any transaction), then ``issue``
in the transaction that also writes its audit line; how many wrong tries slow a client down is
the web page's concern (``web.guard.Backoff``), not a rule of the login.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlmodel import Session

from htx_tasks.core.refusals import Refused
from htx_tasks.links import COORDINATOR_SUBJECT, Link, Role, Signer

ITERATIONS = 240_000
WRONG = "Mật khẩu không đúng."


class WrongPassword(Refused):
    """No password configured, none given, or not the coordinator's: nothing is issued."""


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, expected = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    except ValueError:  # a stored hash that is no hash of ours: no password matches it
        return False
    return hmac.compare_digest(digest.hex(), expected)


def check(password: object, stored: str | None) -> None:
    """``WrongPassword`` unless ``password`` is the one ``stored`` (the settings' hash) was made from."""
    if not stored or not isinstance(password, str) or not check_password(password, stored):
        raise WrongPassword(WRONG)


@dataclass(frozen=True)
class Issued:
    token: str  # what goes in the address: ``/c/<token>``
    link: Link  # the link it names, for the audit line


def issue(session: Session, signer: Signer, *, hours: int, now: dt.datetime) -> Issued:
    """A coordinator link that works for ``hours`` (or until its holder logs out); the caller's
    transaction records it with the login's audit line."""
    token = signer.issue(session, Role.COORDINATOR, COORDINATOR_SUBJECT, hours=hours)
    return Issued(token, signer.verify(session, token, now))
