"""The one wrapper around Apprise: send a message to each URL of a recipient, report per URL."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import apprise

from htx_tasks.delivery.messages import Message

log = logging.getLogger(__name__)
TIMEOUT = 15.0  # seconds Apprise waits for one URL (``notify(timeout=...)``); see ``send``


@dataclass(frozen=True)
class UrlResult:
    url_id: str  # stable hash of the full URL: never stored in clear
    url: str  # masked for logs and the database
    status: str  # success, failure, timeout
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "success"


def url_id(server) -> str:
    """A stable id for a URL, from its masked form: no hash of a secret is ever stored."""
    return hashlib.sha256(server.url(privacy=True).encode()).hexdigest()[:32]


def scrub(text: str, secrets: dict[str, str]) -> str:
    for value in secrets.values():
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text


def send(obj: apprise.Apprise, recipient: str, message: Message, *, skip: set[str],
         template: dict[str, str], timeout: float | None = None) -> list[UrlResult]:
    """Send ``message`` to every URL tagged ``recipient`` except those in ``skip``.

    Each URL gets the body in the format it handles natively (Markdown for chat services,
    plain text for e-mail and the inbox), always with ``body_format`` set explicitly.

    ``timeout`` (default ``TIMEOUT``) is Apprise's call deadline: past it Apprise stops waiting
    and reports TIMEOUT, but the request may still complete in the background, so a TIMEOUT is
    "unknown", not "not delivered" (a retry may then deliver a second copy).

    A URL whose ``${NAME}`` template value is missing is reported as a failure (Apprise itself
    would skip it silently).
    """
    results = []
    timeout = TIMEOUT if timeout is None else timeout
    waiting: list = []  # entries Apprise cannot build: a ${NAME} has no value
    servers = list(obj.find(tag=recipient, template=template or None, report=waiting))
    for entry in waiting:
        uid = url_id(entry)
        if uid in skip:
            continue
        masked = scrub(entry.url(privacy=True), template)
        names = ", ".join(f"${{{n.upper()}}}" for n in entry.template_required) or "mẫu"
        error = f"thiếu giá trị biến {names} (APPRISE_TEMPLATE_<TÊN> hoặc Prefect Secret) cho URL này"
        log.warning("delivery to %s via %s: %s", recipient, masked, error)
        results.append(UrlResult(uid, masked, "failure", error))
    for server in servers:
        uid = url_id(server)
        if uid in skip:
            continue
        # the format this URL renders (honours ``?format=``; else the plug-in's first format)
        native = server.resolve_format(None)
        markdown = native == apprise.NotifyFormat.MARKDOWN
        single = apprise.Apprise()
        single.add(server)
        outcome = single.notify(
            body=message.markdown if markdown else message.text,
            title=message.title,
            body_format=apprise.NotifyFormat.MARKDOWN if markdown else apprise.NotifyFormat.TEXT,
            template=template or None,
            timeout=timeout,
        )
        masked = scrub(server.url(privacy=True), template)
        status = {apprise.AppriseResultStatus.SUCCESS: "success",
                  apprise.AppriseResultStatus.TIMEOUT: "timeout"}.get(outcome.status, "failure")
        error = None
        if status != "success":
            lines = [entry.message for entry in outcome.logs() if getattr(entry, "message", None)]
            error = scrub(("; ".join(lines[-3:]) or status)[:500], template)
            log.warning("delivery to %s via %s: %s", recipient, masked, error)
        results.append(UrlResult(uid, masked, status, error))
    return results
