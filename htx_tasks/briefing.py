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
from typing import Any

from sqlalchemy import and_, case, func, or_, select
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
        .where(
            col(Occurrence.plan_code) == plan.meta.code,
            col(Occurrence.state).in_(OPEN),
            col(Occurrence.deadline) < local_date(now),
        )
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


def _newly_escalated(
    plan: Plan, rows: Iterable[tuple[int, str, str, dt.date]], since: dt.datetime, until: dt.datetime
) -> list[tuple[int, int]]:
    """(occurrence, level) of the open assignments (``rows``: id, duty, unit, deadline) whose
    leadership step fell in (since, until] and is held for the briefing (not urgent)."""
    # computed from each open item's deadline, not from its stored state: a pass limited to some
    # units (a unit's run) records the briefing for every unit, advanced yet or not
    out = []
    for occurrence, duty, unit, deadline in rows:
        if duty not in plan.duties or unit not in plan.units or not held_for_briefing(plan, LEADERSHIP, duty, unit):
            continue
        found = step_at(deadline, plan.policy_for(duty, unit), plan.calendar, Target.LEADERSHIP)
        if found is not None and since < found[1] <= until:
            out.append((occurrence, found[0]))
    return out


def _any_overdue(plan: Plan, rows: Iterable[tuple[int, str, str, dt.date]]) -> bool:
    """Whether some open row is an assignment past its term (what ``overdue_by_unit`` counts)."""
    return any(unit in plan.units and plan.assignment_of(unit) is not Assignment.REQUEST for _, _, unit, _ in rows)


def _previous_briefings(session: Session, slots: dict[str, dt.datetime]) -> dict[str, dt.datetime]:
    """Per plan code, the latest briefing recorded before that plan's slot, in one read."""
    starts = {code: col(Notification.subject).startswith(f"briefing/{code}/", autoescape=True) for code in slots}
    briefed = (
        select(case(*[(starts[code], code) for code in slots]).label("plan"), col(Notification.due_at).label("due_at"))
        .where(
            col(Notification.kind) == Kind.BRIEFING.value,
            or_(*[and_(starts[code], col(Notification.due_at) < slot) for code, slot in slots.items()]),
        )
        .subquery()
    )
    found = session.execute(select(briefed.c.plan, func.max(briefed.c.due_at)).group_by(briefed.c.plan)).all()
    return {code: latest for code, latest in found if code is not None and latest is not None}


def record_briefings(session: Session, plans: Iterable[Plan], now: dt.datetime) -> int:
    """Each plan's briefing of the week, recorded once when its time has come: leadership's rows
    for the items escalated to it since that plan's previous briefing, and, when some assignment is
    past its term, the count by unit for leadership and the coordinator. Returns how many rows were
    new.

    "Since the previous briefing" is since the last one recorded: after weeks without a pass, or at
    the first briefing, leadership hears in full of everything that reached it meanwhile.

    The check costs the same few reads however many plans there are: which briefings are recorded
    already (one read), the open items past their term of the plans still to brief (one read), and,
    only when one of them has something to tell, when each was last briefed (one read). A quiet plan
    (nothing past its term) records nothing and is checked again at the next pass of the week,
    within those same reads."""
    plans = list(plans)  # read twice below
    slots = {plan.meta.code: last_briefing(now, plan.source.policy, plan.calendar) for plan in plans}
    waiting = {
        plan.meta.code: plan
        for plan in plans
        if local_date(slots[plan.meta.code]) >= plan.meta.tracking_from and now - slots[plan.meta.code] <= dt.timedelta(days=7)
    }
    if not waiting:
        return 0
    subjects = {briefing_subject(plan, slots[code]): code for code, plan in waiting.items()}
    recorded = set(
        session.execute(select(col(Notification.subject)).where(col(Notification.subject).in_(sorted(subjects)))).scalars()
    )
    for subject in recorded:
        waiting.pop(subjects[subject])
    if not waiting:
        return 0
    past: dict[str, list[tuple[int, str, str, dt.date]]] = {code: [] for code in waiting}
    latest_day = max(local_date(slots[code]) for code in waiting)
    found = session.execute(
        select(
            col(Occurrence.plan_code),
            col(Occurrence.id),
            col(Occurrence.duty_code),
            col(Occurrence.unit_code),
            col(Occurrence.deadline),
        ).where(
            col(Occurrence.plan_code).in_(sorted(waiting)), col(Occurrence.state).in_(OPEN), col(Occurrence.deadline) < latest_day
        )
    ).all()
    for code, occurrence, duty, unit, deadline in found:
        if deadline < local_date(slots[code]):
            past[code].append((occurrence, duty, unit, deadline))
    telling = {code: rows for code, rows in past.items() if rows}
    if not telling:
        return 0
    previous = _previous_briefings(session, {code: slots[code] for code in telling})
    written = 0
    for code, rows in telling.items():
        plan, slot = waiting[code], slots[code]
        since = previous.get(code, dt.datetime.min.replace(tzinfo=dt.UTC))
        new = [
            _pending(slot, now, occurrence_id=occurrence, kind=Kind.ESCALATION.value, level=level, recipient=LEADERSHIP)
            for occurrence, level in _newly_escalated(plan, rows, since, slot)
        ]
        if _any_overdue(plan, rows):
            new += [
                _pending(
                    slot,
                    now,
                    occurrence_id=None,
                    kind=Kind.BRIEFING.value,
                    level=0,
                    recipient=recipient,
                    subject=briefing_subject(plan, slot),
                )
                for recipient in BRIEFED
            ]
        written += _write(session, new)
    return written


def _pending(slot: dt.datetime, now: dt.datetime, **fields: Any) -> Notification:
    """An outbox row of the briefing due at ``slot``, pending from then."""
    return Notification(detail=0, due_at=slot, created_at=now, status=NotificationStatus.PENDING, next_attempt_at=slot, **fields)


def record_briefing(session: Session, plan: Plan, now: dt.datetime) -> int:
    """One plan's briefing of the week (``record_briefings`` for that plan alone)."""
    return record_briefings(session, [plan], now)


def _write(session: Session, rows: list[Notification]) -> int:
    if not rows:
        return 0
    try:
        with session.begin_nested():  # an overlapping pass recorded it first: nothing to do
            session.add_all(rows)
            session.flush()
    except IntegrityError:
        return 0
    return len(rows)
