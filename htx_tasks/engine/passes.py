"""One engine pass: sync the plans, hand over succeeded units, open periods, advance what is due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Engine

from htx_tasks.briefing import record_briefings
from htx_tasks.core.statuses import PlanStatus
from htx_tasks.engine import base
from htx_tasks.engine.advancing import advance_due
from htx_tasks.engine.base import PassResult, Plans, Progress
from htx_tasks.engine.mirror import sync_plans
from htx_tasks.engine.planning import Planner
from htx_tasks.engine.succession import transfer_succeeded
from htx_tasks.opening import cursors, open_batch, openings
from htx_tasks.plan.loader import Plan
from htx_tasks.store.db import session_scope


def run_pass(
    engine: Engine,
    plan: Plan | Sequence[Plan],
    now: dt.datetime,
    *,
    units: set[str] | None = None,
    progress: Progress | None = None,
) -> PassResult:
    """One complete pass at ``now`` over a plan, or over every plan given (the office's pass);
    ``units`` limits it to those units' occurrences.

    Each plan is mirrored and opens its own periods; a draft or closed plan does neither. The due
    rows of all the active plans are then advanced together, each under its own plan, in one
    indexed read per batch: the cost follows what is due, not how many plans there are.

    Work is committed in batches (``OPEN_BATCH`` openings, ``BATCH`` advances), so memory stays
    flat however long the gap since the last pass; a pass cut short (the database went away)
    keeps what it committed, and the next pass carries on from there. ``progress`` is called
    after each batch.
    """
    plans = [plan] if isinstance(plan, Plan) else list(plan)
    result = PassResult(now=now)
    with session_scope(engine) as session:
        statuses = sync_plans(session, plans)
        # units are the office's: one plan's directory moves every plan's work of a succeeded unit
        result.transferred = transfer_succeeded(session, plans[0], now)
    # a draft is not followed yet, a closed plan no more
    active = {each.meta.code: each for each in plans if statuses[each.meta.code] is PlanStatus.ACTIVE}
    if not active:
        return result
    _open_periods(engine, active, now, units, result, progress)
    planner = Planner(active, now)  # what one batch worked out serves the next
    while True:
        with session_scope(engine) as session:
            done = advance_due(session, active, now, result, units=units, planner=planner)
        if progress and done:
            progress(result)
        if done < base.BATCH:
            break
    with session_scope(engine) as session:  # each plan's weekly briefing, recorded once when its time has come
        result.notifications += record_briefings(session, active.values(), now)
    return result


def _open_periods(
    engine: Engine, active: Plans, now: dt.datetime, units: set[str] | None, result: PassResult, progress: Progress | None
) -> None:
    """Open every plan's periods begun by ``now``: the cursors of all plans in one read, then up to
    ``OPEN_BATCH`` openings per transaction, plan after plan (a plan with nothing to open costs
    no transaction of its own)."""
    opened_through = cursors(engine, active)
    pending = [(each, openings(each, now, units, opened_through[code], result.not_opened)) for code, each in active.items()]
    while pending:
        with session_scope(engine) as session:
            room = base.OPEN_BATCH
            while pending and room > 0:
                each, stream = pending[0]
                opened, more = open_batch(session, each, now, stream, limit=room)
                room -= opened
                result.opened += opened
                if not more:
                    pending.pop(0)
        if progress and result.opened:
            progress(result)
