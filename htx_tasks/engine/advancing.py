"""Advancing what is due: the lifecycle applied to the due rows, each under its own plan, written column-wise."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Row, select, update
from sqlmodel import Session, col

from htx_tasks.core.lifecycle import Snapshot, State, advance, closes_at
from htx_tasks.core.policy import Policy
from htx_tasks.engine import base
from htx_tasks.engine.base import PassResult, Plans, append, by_code
from htx_tasks.engine.notices import Notices
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import Occurrence
from htx_tasks.store.writes import (
    AUDIT_COLUMNS,
    ENGINE_ACTOR,
    NOTIFICATION_COLUMNS,
    OCCURRENCE,
    UPDATE_COLUMNS,
    Columns,
    columns,
    insert_audits,
    insert_notifications,
    update_occurrences,
)

log = logging.getLogger(__name__)


def snapshot_of(row: Occurrence | Row, plan: Plan | None = None, policy: Policy | None = None) -> Snapshot:
    """What the lifecycle needs of a row; with ``plan``, also when it closes as missed (under
    ``policy``, the row's own policy in that plan, looked up when not given)."""
    closing = None
    if plan is not None:
        policy = plan.policy_for(row.duty_code, row.unit_code) if policy is None else policy
        closing = closes_at(row.deadline, plan.next_due(row.duty_code, row.period_key), policy)
    return Snapshot(
        opened_at=row.opened_at,
        deadline=row.deadline,
        state=State(row.state),
        escalation_level=row.escalation_level,
        last_action_at=row.last_action_at,
        submitted_at=row.submitted_at,
        closes_at=closing,
    )


DUE_COLUMNS = tuple(
    OCCURRENCE.c[name]
    for name in (  # what advancing needs of a due row
        "id",
        "plan_code",
        "duty_code",
        "unit_code",
        "opened_at",
        "deadline",
        "state",
        "escalation_level",
        "last_action_at",
        "submitted_at",
        "version",
        "period_key",
    )
)


def advance_due(
    session: Session, plan: Plan | Plans, now: dt.datetime, result: PassResult, *, units: set[str] | None = None
) -> int:
    """Advance up to BATCH occurrences of the given plans whose next action time has come; returns
    how many. Each row is advanced under its own plan's policy; other plans' rows are not read.

    The due rows are read as plain rows (no ORM objects) and written back column-wise in three
    statements: audit lines, outbox rows, occurrence updates (``htx_tasks.store.writes``).
    """
    c = OCCURRENCE.c
    query = (
        select(*DUE_COLUMNS)
        .where(c.next_action_at.is_not(None), c.next_action_at <= now)
        .where(c.plan_code.in_(sorted(by_code(plan))))
        .order_by(c.next_action_at, c.id)
        .limit(base.BATCH)
    )
    if units is not None:
        query = query.where(c.unit_code.in_(sorted(units)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.execute(query).all()
    advances = plan_advances(plan, rows, now, result)
    result.advanced += len(rows)
    result.notifications += write_advances(session, advances, now)
    return len(rows)


@dataclass
class Advances:
    """What advancing a batch of due occurrences writes, one list per column."""

    updates: Columns = field(default_factory=lambda: columns(UPDATE_COLUMNS))
    audits: Columns = field(default_factory=lambda: columns(AUDIT_COLUMNS))
    outbox: Columns = field(default_factory=lambda: columns(NOTIFICATION_COLUMNS))
    closed: list[int] = field(default_factory=list)  # closed by the clock (missed): their closing time is set


def plan_advances(plan: Plan | Plans, rows: Sequence[Row], now: dt.datetime, result: PassResult) -> Advances:
    """The lifecycle applied to due rows at ``now``, each under its own plan: new states and times,
    clock audit lines for the state changes, outbox rows. Pure: nothing is read or written here."""
    out = Advances()
    plans = by_code(plan)
    notices = Notices(plans, now, out.outbox, result)
    policies = _Policies(plans)
    for row in rows:
        try:
            own, policy = plans[row.plan_code], policies.of(row)
            step = advance(snapshot_of(row, own, policy), policy, own.calendar, now)
        except Exception as exc:  # one bad item never stops a pass
            log.exception("occurrence %s could not be advanced", row.id)
            result.failed.append((row.id, str(exc)))
            append(out.updates, row.id, row.version, row.state, row.escalation_level, row.last_action_at, None)
            continue
        if step.due:
            notices.add(row, step.due)
        if step.state.value != row.state:
            append(out.audits, row.id, row.state, step.state.value, state_reason(step.state, row, plans[row.plan_code]))
            if step.state is State.MISSED:
                out.closed.append(row.id)
        append(
            out.updates, row.id, row.version, step.state.value, step.escalation_level, step.last_action_at, step.next_action_at
        )
    notices.finish()
    return out


class _Policies:
    """Each due row's policy, looked up once per (plan, duty, unit) and shared by value: equal
    policies of different plans and pairs are one object, so the lifecycle computes a deadline's
    timeline once for all of them (its cache knows a policy by identity)."""

    def __init__(self, plans: Plans) -> None:
        self.plans = plans
        self.by_row: dict[tuple[str, str, str], Policy] = {}
        self.by_value: dict[str, Policy] = {}

    def of(self, row: Row) -> Policy:
        key = (row.plan_code, row.duty_code, row.unit_code)
        found = self.by_row.get(key)
        if found is None:
            policy = self.plans[row.plan_code].policy_for(row.duty_code, row.unit_code)
            found = self.by_row[key] = self.by_value.setdefault(policy.model_dump_json(), policy)
        return found


def write_advances(session: Session, advances: Advances, now: dt.datetime) -> int:
    """Write what ``plan_advances`` decided; returns how many outbox rows were new."""
    insert_audits(session, advances.audits, at=now, actor=ENGINE_ACTOR, action="clock")
    inserted = insert_notifications(session, advances.outbox)
    update_occurrences(session, advances.updates)
    for start in range(0, len(advances.closed), 500):
        session.execute(
            update(Occurrence)
            .where(col(Occurrence.id).in_(advances.closed[start : start + 500]))
            .values(closed_at=now)
            .execution_options(synchronize_session=False)
        )
    return inserted


def state_reason(state: State, row: Occurrence | Row, plan: Plan | None = None) -> str:
    if state is State.MISSED:
        following = plan.next_due(row.duty_code, row.period_key) if plan else None
        when = f" (hạn {following:%d/%m/%Y})" if following else ""
        return f"Không báo cáo: đã đến hạn báo cáo kỳ sau{when}; kỳ này thôi đôn đốc"
    if state in (State.OVERDUE, State.ESCALATED):
        return f"Quá hạn {row.deadline:%d/%m/%Y}"
    if state is State.DUE_SOON:
        return f"Sắp đến hạn {row.deadline:%d/%m/%Y}"
    return f"Hạn {row.deadline:%d/%m/%Y}"
