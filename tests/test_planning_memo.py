"""A pass computes the step of rows that advance alike once (``htx_tasks.engine.planning``): the
writes must be exactly those of planning every row on its own."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from itertools import product
from typing import NamedTuple, cast

from sqlalchemy import Row
from storekit import L

from htx_tasks.core.lifecycle import State, human_time, opening_read
from htx_tasks.core.policy import Assignment
from htx_tasks.core.recurrence import Every
from htx_tasks.engine import DUE_COLUMNS, Advances, PassResult, plan_advances
from htx_tasks.engine.planning import Planner
from htx_tasks.plan.loader import Plan


class DueRow(NamedTuple):
    """A due row as ``advance_due`` reads it (``DUE_COLUMNS``)."""

    id: int
    plan_code: str
    duty_code: str
    unit_code: str
    opened_at: dt.datetime
    deadline: dt.date
    state: str
    escalation_level: int
    last_action_at: dt.datetime | None
    submitted_at: dt.datetime | None
    version: int
    period_key: str


NOW = L("2026-12-14", 9)
LEVELS = {State.OPEN: -1, State.DUE_SOON: -1, State.OVERDUE: 0, State.ESCALATED: 1, State.RETURNED: -1,
          State.SUBMITTED: -1}


def _rows(plan: Plan) -> list[DueRow]:
    """Rows of several (duty, unit) pairs (a request, the coordinator's own office among them), every
    mix of deadline, state, last action and opening, each twice: once opened at 08:00, once at 09:00
    (alike when the opening is behind the last action, apart when it is not). Some are opened at
    17:30, after hours, the evening before a last action at 18:00: their assignment notice falls the
    next morning, after that action."""
    pairs = [(d.code, u) for d in plan.source.duties for u in plan.assignees(d)]
    picked = pairs[::4] + [p for p in pairs if plan.assignment_of(p[1]) is Assignment.REQUEST][:1]
    picked += [(d.code, u) for d in plan.source.duties if d.recurrence.every is Every.MONTH for u in plan.assignees(d)][:2]
    rows: list[DueRow] = []
    deadlines = (dt.date(2026, 11, 20), dt.date(2026, 12, 10), dt.date(2026, 12, 15), dt.date(2027, 1, 8))
    for (duty, unit), deadline, state in product(picked, deadlines, LEVELS):
        lasts = (None, L(str(deadline - dt.timedelta(days=1)), 7, 30), L(str(deadline - dt.timedelta(days=9)), 18))
        for last in lasts:
            opening_days = (deadline - dt.timedelta(days=20), deadline - dt.timedelta(days=9))
            for day, hour in product(opening_days, (8, 9, 17)):
                opened = L(str(day), hour, 30 if hour == 17 else 0)
                rows.append(DueRow(
                    id=len(rows) + 1, plan_code=plan.meta.code, duty_code=duty, unit_code=unit, opened_at=opened,
                    deadline=deadline, state=state.value, escalation_level=LEVELS[state], last_action_at=last,
                    submitted_at=None, version=1, period_key=_month_before(deadline)))
    return rows


def _month_before(deadline: dt.date) -> str:
    """The key of the month before the deadline's: its next period is due by then (missed) or soon."""
    before = deadline.replace(day=1) - dt.timedelta(days=1)
    return f"{before.year}-M{before.month:02d}"


def _as_read(rows: list[DueRow]) -> Sequence[Row]:
    return cast("Sequence[Row]", rows)  # what the planner reads of a row, by name


def _joined(parts: list[Advances]) -> tuple:
    def column_wise(name: str) -> dict[str, list]:
        return {c: [v for part in parts for v in getattr(part, name)[c]] for c in getattr(parts[0], name)}

    return column_wise("updates"), column_wise("audits"), column_wise("outbox"), [i for p in parts for i in p.closed]


def test_rows_planned_together_get_exactly_what_each_gets_planned_alone(plan: Plan) -> None:
    assert DueRow._fields == tuple(c.name for c in DUE_COLUMNS)
    rows = _rows(plan)
    alone_result, together_result = PassResult(now=NOW), PassResult(now=NOW)
    alone = _joined([plan_advances(plan, _as_read([row]), NOW, alone_result) for row in rows])
    planner = Planner({plan.meta.code: plan}, NOW)  # one pass, three batches sharing what was worked out
    together = _joined([plan_advances(plan, _as_read(rows[i::3]), NOW, together_result, planner) for i in range(3)])
    order = [row.id for i in range(3) for row in rows[i::3]]
    position = {rid: n for n, rid in enumerate(order)}
    assert sorted(zip(*together[0].values(), strict=True), key=lambda u: u[0]) == list(zip(*alone[0].values(),
                                                                                                strict=True))
    for got, want in zip(together[1:3], alone[1:3], strict=True):  # audit lines, outbox rows: the same, batch order
        assert sorted(zip(*got.values(), strict=True), key=lambda r: position[r[0]]) == sorted(
            zip(*want.values(), strict=True), key=lambda r: position[r[0]])
    assert sorted(together[3]) == alone[3]
    assert (together_result.events, together_result.repeats_folded, together_result.failed) == (
        alone_result.events, alone_result.repeats_folded, alone_result.failed)
    # what makes the test bite: rows did share steps, every kind of write occurs, and the openings
    # after hours were told apart from their twins
    assert len(planner.planned) < len(rows) / 3
    assert {"missed", "overdue", "escalated", "due_soon"} <= set(together[0]["state"])
    assert {"assigned", "reminder", "overdue", "escalation", "repeat"} <= set(together[2]["kind"])
    evening = [r for r in rows if r.opened_at.astimezone(dt.UTC).hour == L("2026-01-01", 17, 30).hour
               and r.last_action_at and r.opened_at < r.last_action_at]
    told_late = {rid for rid, kind in zip(together[2]["occurrence_id"], together[2]["kind"], strict=True)
                 if kind == "assigned"}
    assert any(r.id in told_late for r in evening)


def test_the_opening_counts_only_while_an_event_still_depends_on_it(plan: Plan) -> None:
    policy = plan.policy_for(*next((d.code, u) for d in plan.source.duties for u in plan.assignees(d)))
    morning, later = L("2026-12-01", 8), L("2026-12-01", 9)
    assert opening_read(morning, None, policy, plan.calendar) == ("opened", morning)
    assert opening_read(later, morning, policy, plan.calendar) == ("opened", later)
    assert opening_read(morning, later, policy, plan.calendar) is None
    evening = L("2026-12-01", 17, 30)  # after hours: its assignment notice is given the next working morning
    assert opening_read(evening, L("2026-12-01", 18), policy, plan.calendar) == (
        "assigned", human_time(evening, policy, plan.calendar))


def test_a_copy_of_a_plan_with_another_source_does_not_share_its_caches(plan: Plan) -> None:
    unit = next(u.code for u in plan.source.units if plan.assignment_of(u.code) is Assignment.DIRECT)
    asked = [u.model_copy(update={"assignment": Assignment.REQUEST}) if u.code == unit else u for u in plan.source.units]
    copy = dataclasses.replace(plan, source=plan.source.model_copy(update={"units": asked}))
    assert copy.assignment_of(unit) is Assignment.REQUEST
    assert plan.assignment_of(unit) is Assignment.DIRECT
