"""Signed links handed out by hand: a unit's or the coordinator's page address, and revoking them.

``htx-tasks links show|revoke`` and ``make run`` (the coordinator's link it prints) call these;
the login page's link is ``services.login``. Links in messages are made by delivery, each time.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from htx_tasks.core.refusals import Refused
from htx_tasks.links import COORDINATOR_SUBJECT, LinkMaker, revoke
from htx_tasks.plan.loader import Plan


def page_link(session: Session, plan: Plan, maker: LinkMaker, subject: str) -> str:
    """The signed address of ``subject``'s page: a unit's, or the coordinator's (``coordinator``).
    A group has no page of its own (``Refused``, naming its members); a code the plan does not hold
    is ``UnknownCode``."""
    if subject == COORDINATOR_SUBJECT:
        return maker.coordinator_page(session)
    members = plan.members(subject)
    if members != [subject]:
        raise Refused(f"'{subject}' là một nhóm: mỗi thành viên có liên kết riêng ({', '.join(members)})")
    return maker.unit_page(session, subject)


def revoke_links(session: Session, plan: Plan, subject: str, *, now: dt.datetime) -> dict[str, int]:
    """End every link issued so far to ``subject`` (a group: to each member), all or none in the
    caller's transaction; the new link version of each, by subject."""
    subjects = [subject] if subject == COORDINATOR_SUBJECT else plan.members(subject)
    return {s: revoke(session, s, now) for s in subjects}
