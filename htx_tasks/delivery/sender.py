"""The one wrapper around Apprise: send a message to each URL of a recipient, report per URL."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import apprise

from htx_tasks.delivery.messages import Message
from htx_tasks.delivery.ports import UrlResult, scrub

log = logging.getLogger(__name__)
TIMEOUT = 15.0  # seconds Apprise waits for one URL (``notify(timeout=...)``); see ``send``


def url_id(server) -> str:
    """A stable id for a URL, from its masked form: no hash of a secret is ever stored."""
    return hashlib.sha256(server.url(privacy=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Target:
    """One URL of a recipient, prepared once per pass and reused for each of its digests."""

    url_id: str
    masked: str  # secrets masked by Apprise, template values scrubbed
    markdown: bool = False  # the format this URL renders natively
    apprise: apprise.Apprise | None = None  # holding this URL only; None when it cannot be built
    error: str | None = None  # why it cannot be built (a ``${NAME}`` has no value)

    @property
    def server(self) -> object | None:
        """The configured URL (one URL tagged with two roles is one server); masked URLs are no key:
        two inboxes' look alike."""
        servers = list(self.apprise) if self.apprise is not None else []
        return servers[0] if servers else None


def targets(obj: apprise.Apprise, recipients: Iterable[str], template: dict[str, str]) -> dict[str, list[Target]]:
    """Each recipient's URLs in ``obj``, each in a one-URL Apprise object of its own.

    One look through the configuration serves every recipient (not one per recipient: a
    province has as many URLs as recipients). A URL whose ``${NAME}`` template value is missing
    becomes a target that always fails (Apprise itself would skip it silently).
    """
    wanted = sorted(set(recipients))
    prepared: dict[str, list[Target]] = {r: [] for r in wanted}
    waiting: list = []  # entries Apprise cannot build: a ${NAME} has no value
    servers = list(obj.find(tag=wanted, template=template or None, report=waiting))
    for entry in waiting:
        names = ", ".join(f"${{{n.upper()}}}" for n in entry.template_required) or "mẫu"
        target = Target(url_id(entry), scrub(entry.url(privacy=True), template),
                        error=f"thiếu giá trị biến {names} (APPRISE_TEMPLATE_<TÊN> hoặc Prefect Secret) cho URL này")
        for recipient in _owners(entry, wanted):
            prepared[recipient].append(target)
    for server in servers:
        uid, masked = url_id(server), scrub(server.url(privacy=True), template)
        # the format this URL renders (honours ``?format=``; else the plug-in's first format)
        markdown = server.resolve_format(None) == apprise.NotifyFormat.MARKDOWN
        for recipient in _owners(server, wanted):
            single = apprise.Apprise()  # one per recipient: two recipients' digests may go at once
            single.add(server)
            prepared[recipient].append(Target(uid, masked, markdown=markdown, apprise=single))
    return prepared


def _owners(entry, wanted: list[str]) -> list[str]:
    tags = set(entry.tags)
    return wanted if apprise.common.MATCH_ALWAYS_TAG in tags else [r for r in wanted if r in tags]


def send(obj: apprise.Apprise | list[Target], recipient: str, message: Message, *, skip: set[str],
         template: dict[str, str], timeout: float | None = None) -> list[UrlResult]:
    """Send ``message`` to every URL tagged ``recipient`` except those in ``skip``.

    ``obj`` is an Apprise object holding the recipient's URLs, or its ``targets`` prepared
    once for several messages.

    Each URL gets the body in the format it handles natively (Markdown for chat services,
    plain text for e-mail and the inbox), always with ``body_format`` set explicitly.

    ``timeout`` (default ``TIMEOUT``) is Apprise's call deadline: past it Apprise stops waiting
    and reports TIMEOUT, but the request may still complete in the background, so a TIMEOUT is
    "unknown", not "not delivered" (a retry may then deliver a second copy).
    """
    results = []
    timeout = TIMEOUT if timeout is None else timeout
    prepared = targets(obj, [recipient], template)[recipient] if isinstance(obj, apprise.Apprise) else obj
    for target in prepared:
        if target.url_id in skip:
            continue
        if target.apprise is None:
            log.warning("delivery to %s via %s: %s", recipient, target.masked, target.error)
            results.append(UrlResult(target.url_id, target.masked, "failure", target.error))
            continue
        outcome = target.apprise.notify(
            body=message.markdown if target.markdown else message.text,
            title=message.title,
            body_format=apprise.NotifyFormat.MARKDOWN if target.markdown else apprise.NotifyFormat.TEXT,
            template=template or None,
            timeout=timeout,
        )
        status = {apprise.AppriseResultStatus.SUCCESS: "success",
                  apprise.AppriseResultStatus.TIMEOUT: "timeout"}.get(outcome.status, "failure")
        error = None
        if status != "success":
            lines = [entry.message for entry in outcome.logs() if getattr(entry, "message", None)]
            error = scrub(("; ".join(lines[-3:]) or status)[:500], template)
            log.warning("delivery to %s via %s: %s", recipient, target.masked, error)
        results.append(UrlResult(target.url_id, target.masked, status, error))
    return results
