"""Signed, scoped, expiring and revocable links (itsdangerous): made by delivery, checked by the web app.

A link names one subject (a unit's code, or the coordinator), the subject's token version, a
random link id (what the audit records, never the token) and the time it was signed. It holds no
secret and no personal data. It stops working when it is older than the configured lifetime, when
the key is rotated, or when the subject's version in the database is bumped (``revoke``).

The key comes from ``HTX_LINK_KEY``, a file named by ``HTX_LINK_KEY_FILE``, or a Prefect Secret
block named by ``HTX_LINK_SECRET_BLOCK`` (all three parsed into ``Settings``); never from the
repository, and it is never logged.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from sqlmodel import Session, select

from htx_tasks import clock
from htx_tasks.core import zones
from htx_tasks.settings import DEFAULT_LINK_DAYS, Settings
from htx_tasks.store.answers import LinkVersion, WebAudit

COORDINATOR_SUBJECT = "coordinator"
SALT = "htx-link-v1"
LOGOUT = "logout"  # the web audit action that ends a coordinator's session


class LinkError(Exception):
    """Why a link is refused; ``message`` is what the visitor reads (Vietnamese), ``kind`` what the
    audit records; ``subject`` and ``link_id`` only when the signature was right (never guessed)."""

    def __init__(self, message: str, kind: str, subject: str | None = None, link_id: str | None = None) -> None:
        super().__init__(message)
        self.message, self.kind, self.subject, self.link_id = message, kind, subject, link_id


class Role(StrEnum):
    UNIT = "u"
    COORDINATOR = "c"


@dataclass(frozen=True)
class Link:
    """A verified link: who it speaks for and its id."""

    role: Role
    subject: str
    link_id: str
    issued_at: dt.datetime


def load_key(settings: Settings) -> str | None:
    """The signing key from the settings, a key file or a Prefect Secret block; None if none."""
    if settings.link_key:
        return settings.link_key
    if settings.link_key_file:
        file = settings.link_key_file
        return file.read_text().strip() if file.is_file() else None
    if settings.link_secret_block:
        from prefect.blocks.system import Secret

        block = Secret.load(settings.link_secret_block)
        assert isinstance(block, Secret)  # loaded outside an event loop: Prefect ran its synchronous half
        return str(block.get())
    made = default_key_file(settings)  # the one ``make run`` made, so the CLI signs as its web app checks
    return made.read_text().strip() if made.is_file() else None


def default_key_file(settings: Settings) -> Path:
    """Where ``make run`` keeps the key it makes when none is configured."""
    return settings.var_dir.resolve() / "link.key"


def ensure_key_file(path: Path) -> Path:
    """Create a random key file (mode 600) unless it exists; used by ``make run``."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
    return path


def logged_out(session: Session, link_id: str) -> bool:
    """Whether the link's session was ended: its logout is the audit line that says so (one place)."""
    return session.exec(select(WebAudit.id).where(WebAudit.link_id == link_id, WebAudit.action == LOGOUT,
                                                  WebAudit.outcome == "done")).first() is not None


def subject_version(session: Session, subject: str) -> int:
    row = session.get(LinkVersion, subject)
    return row.version if row else 1


def revoke(session: Session, subject: str, now: dt.datetime) -> int:
    """Bump the subject's version: every link issued to it before stops working."""
    row = session.get(LinkVersion, subject) or LinkVersion(subject=subject, version=1)
    row.version, row.changed_at = row.version + 1, now
    session.add(row)
    session.flush()
    return row.version


def signer_of(settings: Settings, key: str, now: Callable[[], dt.datetime] = clock.utcnow) -> Signer:
    """A signer whose links live ``HTX_LINK_DAYS``."""
    return Signer(key, max_age=dt.timedelta(days=settings.link_days), now=now)


class Signer:
    """Issues and checks links; ``now`` gives the signing time (the clock module's by default)."""

    def __init__(self, key: str, max_age: dt.timedelta | None = None,
                 now: Callable[[], dt.datetime] = clock.utcnow) -> None:
        if len(key) < 16:
            raise ValueError("khoá ký liên kết quá ngắn (cần ít nhất 16 ký tự)")

        class _ClockSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(now().timestamp())

        self._serializer = URLSafeTimedSerializer(key, salt=SALT, signer=_ClockSigner)
        self.max_age = max_age or dt.timedelta(days=DEFAULT_LINK_DAYS)

    def issue(self, session: Session, role: Role, subject: str, *, hours: int | None = None) -> str:
        """A link for ``subject``; ``hours`` shortens its life (a login's session) below the default."""
        payload = {"r": role.value, "s": subject, "v": subject_version(session, subject),
                   "i": secrets.token_hex(6), **({"h": hours} if hours else {})}
        return self._serializer.dumps(payload)

    def verify(self, session: Session, token: str, now: dt.datetime) -> Link:
        try:
            payload, signed = self._serializer.loads(token, return_timestamp=True)
        except BadSignature:
            raise LinkError("Liên kết không hợp lệ: chữ ký không đúng hoặc liên kết đã bị sửa.", "signature") from None
        try:
            role, subject, version, link_id = Role(payload["r"]), payload["s"], payload["v"], payload["i"]
            hours = payload.get("h")
            max_age = min(self.max_age, dt.timedelta(hours=hours)) if hours else self.max_age
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError):
            raise LinkError("Liên kết không hợp lệ.", "invalid") from None
        if now - signed > max_age:
            life = f"{hours} giờ" if hours else f"{max_age.days} ngày"
            raise LinkError(f"Liên kết đã hết hạn (cấp ngày {zones.local(signed):%d/%m/%Y}, hiệu lực {life}). "
                            "Vui lòng dùng liên kết trong thông báo mới nhất.", "expired", subject, link_id)
        if version != subject_version(session, subject):
            raise LinkError("Liên kết đã bị thu hồi. Vui lòng dùng liên kết trong thông báo mới nhất.", "revoked",
                            subject, link_id)
        if role is Role.COORDINATOR and logged_out(session, link_id):
            raise LinkError("Phiên làm việc này đã kết thúc (đã đăng xuất). Vui lòng đăng nhập lại.", "ended",
                            subject, link_id)
        return Link(role=role, subject=subject, link_id=link_id, issued_at=signed)

    def csrf_token(self, link_id: str, cookie: str) -> str:
        """The form token: bound to the link and to the browser's CSRF cookie."""
        return self._serializer.dumps({"csrf": link_id, "c": cookie}, salt="htx-csrf-v1")

    def check_csrf(self, token: str, link_id: str, cookie: str) -> bool:
        try:
            payload = self._serializer.loads(token, salt="htx-csrf-v1")
        except BadSignature:
            return False
        return isinstance(payload, dict) and payload.get("csrf") == link_id and bool(cookie) \
            and secrets.compare_digest(str(payload.get("c", "")), cookie)


@dataclass(frozen=True)
class LinkMaker:
    """Builds the URLs put in messages and on the board; None from ``of`` when unconfigured."""

    base_url: str
    signer: Signer

    @classmethod
    def of(cls, settings: Settings, key: str | None) -> LinkMaker | None:
        """The maker for ``HTX_WEB_URL`` and the signing key; None unless both are set."""
        if not settings.web_url or not key:
            return None
        return cls(settings.web_url.rstrip("/"), signer_of(settings, key))

    def unit_page(self, session: Session, unit: str) -> str:
        return f"{self.base_url}/u/{self.signer.issue(session, Role.UNIT, unit)}"

    def coordinator_page(self, session: Session) -> str:
        return f"{self.base_url}/c/{self.signer.issue(session, Role.COORDINATOR, COORDINATOR_SUBJECT)}"
