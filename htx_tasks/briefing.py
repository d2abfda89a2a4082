"""The office's rhythm: leadership hears once a week, the coordinator when something is new.

Leadership's escalations wait for the weekly briefing (the policy's weekday and hour, default
Monday at ``work_start``) unless the duty's policy marks it ``urgent``: the pass at or after the
briefing's time records leadership's rows for the items whose leadership step fell since the
previous briefing (and still open), and one row per role with no item (``Notification.subject``
names the week) that the dispatcher renders as the still-overdue count by unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from htx_tasks.core.lifecycle import ACTIVE, Kind, State, last_briefing, step_at
from htx_tasks.core.policy import COORDINATOR, LEADERSHIP, Assignment, Target
from htx_tasks.core.statuses import NotificationStatus
from htx_tasks.core.zones import local_date
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import Notification, Occurrence

OPEN = [s.value for s in ACTIVE]
BRIEFED = (LEADERSHIP, COORDINATOR)


def held_for_briefing(plan: Plan, recipient: str, duty_code: str, unit_code: str) -> bool:
    """Leadership hears of an escalation at the weekly briefing, unless its duty is urgent."""
    return recipient == LEADERSHIP and not plan.policy_for(duty_code, unit_code).urgent


def briefing_subject(plan: Plan, slot: dt.datetime) -> str:
    return f"briefing/{plan.meta.code}/{local_date(slot).isoformat()}"


@dataclass(frozen=True)
class Standing:
    """One unit's work still past its term (assignments only: a request is never overdue)."""

    unit: str
    unit_name: str
    overdue: int
    escalated: int  # of which already reported upwards (as the last pass left them)


def overdue_by_unit(session: Session, plan: Plan, now: dt.datetime) -> list[Standing]:
    """Per unit, the open assignments whose term has ended by ``now``, most first."""
    rows = session.execute(
        select(col(Occurrence.unit_code), col(Occurrence.state), func.count())
        .where(col(Occurrence.plan_code) == plan.meta.code, col(Occurrence.state).in_(OPEN),
               col(Occurrence.deadline) < local_date(now))
        .group_by(col(Occurrence.unit_code), col(Occurrence.state))
    ).all()
    counts: dict[str, list[int]] = {}
    for unit, state, n in rows:
        if unit not in plan.units or plan.assignment_of(unit) is Assignment.REQUEST:
            continue
        pair = counts.setdefault(unit, [0, 0])
        pair[0] += n
        pair[1] += n if state == State.ESCALATED.value else 0
    out = [Standing(u, plan.unit_name(u), o, e) for u, (o, e) in counts.items()]
    return sorted(out, key=lambda s: (-s.overdue, s.unit_name))


def newly_escalated(session: Session, plan: Plan, since: dt.datetime, until: dt.datetime) -> list[tuple[int, int]]:
    """(occurrence, level) of the open assignments whose leadership step fell in (since, until] and
    is held for the briefing (not urgent)."""
    # computed from each open item's deadline, not from its stored state: a pass limited to some
    # units (a unit's run) records the briefing for every unit, advanced yet or not
    rows = session.execute(
        select(col(Occurrence.id), col(Occurrence.duty_code), col(Occurrence.unit_code), col(Occurrence.deadline))
        .where(col(Occurrence.plan_code) == plan.meta.code, col(Occurrence.state).in_(OPEN),
               col(Occurrence.deadline) < local_date(until))
    ).all()
    out = []
    for occurrence, duty, unit, deadline in rows:
        if duty not in plan.duties or unit not in plan.units or not held_for_briefing(plan, LEADERSHIP, duty, unit):
            continue
        found = step_at(deadline, plan.policy_for(duty, unit), plan.calendar, Target.LEADERSHIP)
        if found is not None and since < found[1] <= until:
            out.append((occurrence, found[0]))
    return out


def record_briefing(session: Session, plan: Plan, now: dt.datetime) -> int:
    """The briefing of the week, recorded once when its time has come: leadership's rows for the
    items escalated to it since the previous briefing, and, when some assignment is past its
    term, the count by unit for leadership and the coordinator. Returns how many rows were new.

    "Since the previous briefing" is since the last one recorded: after weeks without a pass, or at
    the first briefing, leadership hears in full of everything that reached it meanwhile."""
    policy = plan.source.policy
    slot = last_briefing(now, policy, plan.calendar)
    if local_date(slot) < plan.meta.tracking_from or now - slot > dt.timedelta(days=7):
        return 0
    subject = briefing_subject(plan, slot)
    if session.execute(select(col(Notification.id)).where(col(Notification.subject) == subject).limit(1)).first():
        return 0
    # since the last briefing recorded (weeks without a pass, or the first briefing, reach further back)
    previous = session.execute(select(func.max(col(Notification.due_at))).where(
        col(Notification.kind) == Kind.BRIEFING.value, col(Notification.due_at) < slot,
        col(Notification.subject).startswith(f"briefing/{plan.meta.code}/"))).scalar()
    previous = previous or dt.datetime.min.replace(tzinfo=dt.UTC)
    rows = [Notification(occurrence_id=occurrence, kind=Kind.ESCALATION.value, level=level, detail=0, due_at=slot,
                         recipient=LEADERSHIP, created_at=now, status=NotificationStatus.PENDING, next_attempt_at=slot)
            for occurrence, level in newly_escalated(session, plan, previous, slot)]
    if overdue_by_unit(session, plan, slot):
        rows += [Notification(occurrence_id=None, kind=Kind.BRIEFING.value, level=0, detail=0, due_at=slot,
                              recipient=recipient, created_at=now, status=NotificationStatus.PENDING,
                              next_attempt_at=slot, subject=subject) for recipient in BRIEFED]
    if not rows:
        return 0
    try:
        with session.begin_nested():  # an overlapping pass recorded it first: nothing to do
            session.add_all(rows)
            session.flush()
    except IntegrityError:
        return 0
    return len(rows)


def briefings_due(session: Session, plans: Iterable[Plan], now: dt.datetime) -> list[Plan]:
    """The plans whose briefing of the week (the latest slot at or before ``now``) is not recorded
    yet, in one read for all of them: the office's pass calls ``record_briefing`` only for these,
    so a pass between two briefings costs one query however many plans there are."""
    subjects = {briefing_subject(plan, last_briefing(now, plan.source.policy, plan.calendar)): plan for plan in plans}
    found = session.execute(select(col(Notification.subject)).where(col(Notification.subject).in_(sorted(subjects))))
    recorded = set(found.scalars())
    return [plan for subject, plan in subjects.items() if subject not in recorded]
