"""Advancing what is due: the lifecycle applied to the due rows, each under its own plan, written column-wise."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Row, select, update
from sqlmodel import Session, col

from htx_tasks.engine import base
from htx_tasks.engine.base import PassResult, Plans, append, by_code
from htx_tasks.engine.planning import Planner
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
    session: Session,
    plan: Plan | Plans,
    now: dt.datetime,
    result: PassResult,
    *,
    units: set[str] | None = None,
    planner: Planner | None = None,
) -> int:
    """Advance up to BATCH occurrences of the given plans whose next action time has come; returns
    how many. Each row is advanced under its own plan's policy; other plans' rows are not read.

    The due rows are read as plain rows (no ORM objects) and written back column-wise in three
    statements: audit lines, outbox rows, occurrence updates (``htx_tasks.store.writes``). A pass
    hands one ``planner`` (``htx_tasks.engine.planning``) to all its batches.
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
    advances = plan_advances(plan, rows, now, result, planner)
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


def plan_advances(
    plan: Plan | Plans, rows: Sequence[Row], now: dt.datetime, result: PassResult, planner: Planner | None = None
) -> Advances:
    """The lifecycle applied to due rows at ``now``, each under its own plan: new states and times,
    clock audit lines for the state changes, outbox rows. Pure: nothing is read or written here.
    Rows that advance alike share one computed step (``htx_tasks.engine.planning``); a pass hands
    the same ``planner`` to each of its batches."""
    out = Advances()
    if planner is None:
        planner = Planner(by_code(plan), now)
    assert planner.now == now, "a planner works at one instant"
    notices = planner.notices
    ids, versions, states = out.updates["id"], out.updates["version"], out.updates["state"]
    levels, lasts, nexts = out.updates["escalation_level"], out.updates["last_action_at"], out.updates["next_action_at"]
    audited, froms, tos, reasons = (out.audits[c] for c in AUDIT_COLUMNS)
    for row in rows:
        try:
            triple, planned = planner.of(row)
        except Exception as exc:  # one bad item never stops a pass
            log.exception("occurrence %s could not be advanced", row.id)
            result.failed.append((row.id, str(exc)))
            append(out.updates, row.id, row.version, row.state, row.escalation_level, row.last_action_at, None)
            continue
        step, occurrence = planned.step, row.id
        if step.due:
            notices.add(occurrence, triple, planned.told, row)
        if planned.reason is not None:
            audited.append(occurrence)
            froms.append(row.state)
            tos.append(planned.state)
            reasons.append(planned.reason)
            if planned.missed:
                out.closed.append(occurrence)
        ids.append(occurrence)
        versions.append(row.version)
        states.append(planned.state)
        levels.append(step.escalation_level)
        lasts.append(step.last_action_at)
        nexts.append(step.next_action_at)
    notices.finish(out.outbox, result)
    return out


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
