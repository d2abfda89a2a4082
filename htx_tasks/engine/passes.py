"""One engine pass: sync the plans, hand over succeeded units, open periods, advance what is due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Engine

from htx_tasks.briefing import record_briefing
from htx_tasks.core.statuses import PlanStatus
from htx_tasks.engine import base
from htx_tasks.engine.advancing import advance_due
from htx_tasks.engine.base import PassResult, Progress
from htx_tasks.engine.mirror import sync_plan
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
        statuses = {each.meta.code: sync_plan(session, each) for each in plans}
        # units are the office's: one plan's directory moves every plan's work of a succeeded unit
        result.transferred = transfer_succeeded(session, plans[0], now)
    # a draft is not followed yet, a closed plan no more
    active = {each.meta.code: each for each in plans if statuses[each.meta.code] is PlanStatus.ACTIVE}
    if not active:
        return result
    for each in active.values():
        stream = openings(each, now, units, cursors(engine, each.meta.code), result.not_opened)
        while True:
            with session_scope(engine) as session:
                opened, more = open_batch(session, each, now, stream, limit=base.OPEN_BATCH)
            result.opened += opened
            if progress and (more or result.opened):
                progress(result)
            if not more:
                break
    while True:
        with session_scope(engine) as session:
            done = advance_due(session, active, now, result, units=units)
        if progress and done:
            progress(result)
        if done < base.BATCH:
            break
    for each in active.values():  # each plan's weekly briefing, recorded once when its time has come
        with session_scope(engine) as session:
            result.notifications += record_briefing(session, each, now)
    return result
