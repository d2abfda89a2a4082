"""The one tally of a report's items (``reporting.tally``), item by item, at a fixed moment.

The report draft's tracking table and the Markdown and Excel figures both count with it: each row
below is how one item reads in every file of the report."""

from __future__ import annotations

import datetime as dt

import pytest

from htx_tasks.core.lifecycle import State
from htx_tasks.core.zones import at_local
from htx_tasks.reporting.tally import Tracking, total_of
from htx_tasks.store.models import Occurrence

D = dt.date
UNTIL = at_local(D(2026, 12, 15), 10, 0)  # a Tuesday morning


def item(state: State, deadline: dt.date, submitted: dt.datetime | None = None) -> Occurrence:
    return Occurrence(plan_code="p", duty_code="d", unit_code="u", period_key="k", period_label="k", state=state.value,
                      deadline=deadline, original_deadline=deadline, submitted_at=submitted)


FIELDS = ("assigned", "due", "on_time", "late", "missed", "open", "overdue", "pending_in_time", "past_term")
# (state, deadline, submitted) → assigned, due, on time, late, missed, open, overdue, in its term, past its term
CASES = {
    "open, due later in the period": (State.OPEN, D(2026, 12, 31), None, (1, 0, 0, 0, 0, 0, 0, 1, 0)),
    "open, due today, still in its term": (State.DUE_SOON, D(2026, 12, 15), None, (1, 1, 0, 0, 0, 1, 0, 1, 0)),
    "open, past its term": (State.OVERDUE, D(2026, 12, 14), None, (1, 1, 0, 0, 0, 1, 1, 0, 1)),
    "closed as not reported": (State.MISSED, D(2026, 12, 1), None, (1, 1, 0, 0, 1, 0, 0, 0, 1)),
    "accepted on time": (State.DONE_ON_TIME, D(2026, 12, 10), None, (1, 1, 1, 0, 0, 0, 0, 0, 0)),
    "accepted late": (State.DONE_LATE, D(2026, 12, 10), None, (1, 1, 0, 1, 0, 0, 0, 0, 0)),
    "sent before its term, awaiting review": (State.SUBMITTED, D(2026, 12, 31), at_local(D(2026, 12, 2), 9, 0),
                                              (1, 1, 1, 0, 0, 0, 0, 0, 0)),
    "sent after its term, awaiting review": (State.SUBMITTED, D(2026, 12, 1), at_local(D(2026, 12, 2), 9, 0),
                                             (1, 1, 0, 1, 0, 0, 0, 0, 0)),
    "waived": (State.WAIVED, D(2026, 12, 1), None, (0, 0, 0, 0, 0, 0, 0, 0, 0)),
    "moved to a successor": (State.SUCCEEDED, D(2026, 12, 1), None, (0, 0, 0, 0, 0, 0, 0, 0, 0)),
}


@pytest.mark.parametrize("name", CASES)
def test_each_item_counts_once_in_its_place(name: str) -> None:
    state, deadline, submitted, expected = CASES[name]
    row = Tracking("u")
    row.count(item(state, deadline, submitted), UNTIL)
    assert tuple(getattr(row, f) for f in FIELDS) == expected


def test_the_rate_is_of_the_items_settled_or_past_their_term_and_the_total_adds_rows() -> None:
    row = Tracking("u")
    for name in ("open, due later in the period", "open, due today, still in its term", "accepted on time",
                 "accepted late", "closed as not reported"):
        state, deadline, submitted, _ = CASES[name]
        row.count(item(state, deadline, submitted), UNTIL)
    assert (row.due, row.done, row.past_term) == (4, 2, 1)
    assert row.on_time_rate == 33.3  # 1 of the 3 settled or past; the one due today is still in its term
    empty = Tracking("v")
    empty.count(item(State.DUE_SOON, D(2026, 12, 15)), UNTIL)
    assert empty.due == 1 and empty.on_time_rate is None
    summed = total_of([row, empty])
    assert (summed.unit_name, summed.assigned, summed.due, summed.open, summed.on_time_rate) == ("Tổng cộng", 6, 5, 2, 33.3)
