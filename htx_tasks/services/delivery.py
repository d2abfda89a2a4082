"""Delivery, as the system's work: one dispatch pass, and a test message to one recipient.

The channels come in as a dependency (``senders``): the front door takes them from its context
(``Context.channels``, Apprise's, built by the bootstrap from ``channels.yaml``) and hands them
over, so the services load no Apprise. ``htx-tasks tick``, ``htx-tasks dispatch``, ``channels
test`` and the flows' delivery task call these, never the dispatcher.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Engine

from htx_tasks.delivery.dispatcher import DispatchResult
from htx_tasks.delivery.dispatcher import dispatch as run_dispatch
from htx_tasks.delivery.messages import Message, recipient_name
from htx_tasks.delivery.ports import Senders, UrlResult, recipients_of
from htx_tasks.links import LinkMaker
from htx_tasks.plan.loader import Plan
from htx_tasks.services.errors import UnknownCode

__all__ = ["DispatchResult", "dispatch", "try_channels"]


def dispatch(engine: Engine, plans: Plan | Mapping[str, Plan], now: dt.datetime, *, senders: Senders,
             links: LinkMaker | None = None, recipients: set[str] | None = None,
             retries_only: bool = False) -> DispatchResult:
    """Deliver what is due at ``now`` through ``senders``: one digest per recipient, each item read
    under its own plan (``plans``: every plan of the configuration by code, or one plan); the
    recipients' web pages from ``links``. ``recipients`` limits the pass to those tags;
    ``retries_only`` sends only rows whose earlier attempt failed."""
    return run_dispatch(engine, plans, now, channels=senders, links=links, recipients=recipients,
                        retries_only=retries_only)


def try_channels(plan: Plan, recipient: str, *, senders: Senders) -> list[UrlResult]:
    """A test message to every channel of ``recipient`` (``htx-tasks channels test``); ``UnknownCode``
    for a tag the plan does not know."""
    if recipient not in recipients_of(plan):
        raise UnknownCode(f"'{recipient}' không phải người nhận trong kế hoạch")
    body = f"Thông báo thử từ hệ thống theo dõi {plan.meta.short_title} gửi {recipient_name(plan, recipient)}."
    message = Message(title=f"[{plan.meta.label}] Thông báo thử", text=body, markdown=body)
    template = senders.template_values()
    return senders.send(senders.routes(recipient, template), recipient, message, skip=set(), template=template)
