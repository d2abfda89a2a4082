"""The one wrapper around Apprise: send a message to each URL of a recipient, report per URL."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import apprise

from htx_tasks.delivery.messages import Message

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A message could not be delivered; ``transient`` when a retry may succeed."""

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


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
    return hashlib.sha256(server.url(privacy=False).encode()).hexdigest()[:32]


def _scrub(text: str, secrets: dict[str, str]) -> str:
    for value in secrets.values():
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text


def send(obj: apprise.Apprise, recipient: str, message: Message, *, skip: set[str],
         template: dict[str, str], timeout: float = 15) -> list[UrlResult]:
    """Send ``message`` to every URL tagged ``recipient`` except those in ``skip``.

    Each URL gets the body in the format it handles natively (Markdown for chat services,
    plain text for e-mail and the inbox), always with ``body_format`` set explicitly.
    """
    results = []
    for server in obj.find(tag=recipient):
        uid = url_id(server)
        if uid in skip:
            continue
        native = server.notify_format
        native = native[0] if isinstance(native, tuple | list) else native
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
        masked = _scrub(server.url(privacy=True), template)
        status = {apprise.AppriseResultStatus.SUCCESS: "success",
                  apprise.AppriseResultStatus.TIMEOUT: "timeout"}.get(outcome.status, "failure")
        error = None
        if status != "success":
            lines = [entry.message for entry in outcome.logs() if getattr(entry, "message", None)]
            error = _scrub(("; ".join(lines[-3:]) or status)[:500], template)
            log.warning("delivery to %s via %s: %s", recipient, masked, error)
        results.append(UrlResult(uid, masked, status, error))
    return results
