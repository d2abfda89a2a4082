"""What the dispatcher sends through (its port), without Apprise: a ``Senders`` is handed in by whoever builds it.

The dispatcher (and the service entry ``services.delivery.dispatch``) only claims rows, renders
digests and records results; it reaches the outside world through a ``Senders`` given by the front
door. The one implementation is Apprise's (``delivery.channels.Channels``, made by the bootstrap
from ``channels.yaml``), so importing the services or the dispatcher loads no Apprise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from htx_tasks.core.policy import COORDINATOR, FALLBACK, LEADERSHIP
from htx_tasks.delivery.messages import Message
from htx_tasks.plan.loader import Plan


def recipients_of(plan: Plan) -> list[str]:
    """Every tag the engine can notify: each unit that owns obligations, and the three roles."""
    leaves = [u.code for u in plan.source.units if not u.members]
    return [*leaves, COORDINATOR, LEADERSHIP, FALLBACK]


@dataclass(frozen=True)
class UrlResult:
    url_id: str  # stable hash of the full URL: never stored in clear
    url: str  # masked for logs and the database
    status: str  # success, failure, timeout
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "success"


def scrub(text: str, secrets: Mapping[str, str]) -> str:
    """``text`` with every secret value (a ``${NAME}`` template value) replaced by ``***``."""
    for value in secrets.values():
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text


class Route(Protocol):
    """One address of a recipient, prepared once per pass."""

    @property
    def url_id(self) -> str: ...

    @property
    def server(self) -> object | None:
        """The configured address behind it (one address tagged with two roles is one server,
        sent to once); None when it cannot be built."""


class Senders(Protocol):
    """The channels a dispatch pass sends through. Safe to share between threads and passes."""

    def template_values(self) -> dict[str, str]:
        """The secret values the addresses are filled with (read once per pass, scrubbed from errors)."""

    def prepare(self, recipients: Iterable[str], template: Mapping[str, str]) -> None:
        """Build the routes of those ``recipients`` that have none yet, in one look at the configuration."""

    def routes(self, recipient: str, template: Mapping[str, str]) -> Sequence[Route]:
        """The recipient's routes (prepared when they were not)."""

    def send(self, routes: Sequence[Route], recipient: str, message: Message, *, skip: set[str],
             template: Mapping[str, str]) -> list[UrlResult]:
        """Send ``message`` to each route whose ``url_id`` is not in ``skip``; one result per route tried."""
