"""One view of an item: what a reader sees of an obligation at ``now``.

Every surface (the web pages, messages, ``status``, the board, the units' tables, the report)
reads an obligation through ``read``, never from its stored columns alone:

- its state *as of now*: the stored state is the last pass's and goes stale between passes (an
  item stored "open" whose term ended at midnight is overdue this morning);
- whether its term has ended (``past``) and whether it counts as overdue (``overdue``: only an
  assignment; a request past its date is not overdue, and is never listed or counted as such);
- the days left or past, in calendar and in working days (the Vietnamese calendar);
- its words, in the register of its unit (``core.wording``): the label, the timing phrase, the
  lateness column and the cell of a table.

Pure: a function of the stored facts, the policy, the calendar and ``now``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from htx_tasks.core import wording
from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.lifecycle import Outcome, State, clock_state, deadline_at, due_soon_at, outcome, working_days_overdue
from htx_tasks.core.policy import Policy
from htx_tasks.core.zones import local_date


@dataclass(frozen=True)
class ItemFacts:
    """What the view reads of a stored obligation (``store.models.Occurrence``) and its unit."""

    deadline: dt.date  # local date; the term ends at the end of this day
    state: State  # as the last pass (or decision) stored it
    request: bool = False  # the plan asks the unit (III.7) rather than directs it
    escalation_level: int = -1  # the highest escalation step already taken
    submitted_at: dt.datetime | None = None


@dataclass(frozen=True)
class Reading:
    """What a reader needs of one obligation at one instant."""

    state: State  # as of now
    request: bool
    past: bool  # still open and its term (or a request's date) has ended
    overdue: bool  # past, and an assignment: what may be listed, counted and worded as overdue
    due_soon: bool  # still open, in the policy's "due soon" window, not yet past
    days_left: int  # calendar days from today to the deadline; negative once past
    working_days_left: int  # working days after today up to the deadline; 0 on the day and after
    working_days_overdue: int  # whole working days elapsed since the term ended
    outcome: Outcome | None  # the report class (None: waived or moved to a successor)
    label: str  # "Quá hạn" / "Đã qua mốc trao đổi"
    timing: str  # "còn 3 ngày", "quá hạn 2 ngày làm việc", "đã qua mốc"; empty once reported or closed
    lateness: str  # "5 ngày (3 ngày làm việc)" while past; empty otherwise
    cell: str  # a table's "Còn / quá hạn" cell: timing, lateness with its word, "đã báo cáo" or "—"

    @property
    def active(self) -> bool:
        return self.state.active

    @property
    def days_late(self) -> int:
        return max(0, -self.days_left)


def read(facts: ItemFacts, policy: Policy, calendar: WorkCalendar, now: dt.datetime) -> Reading:
    """The obligation as a reader sees it at ``now``."""
    state = facts.state
    if state.active:
        state = clock_state(state, facts.deadline, policy, calendar, now, facts.escalation_level)
    today = local_date(now)
    days_left = (facts.deadline - today).days
    past = state.active and now >= deadline_at(facts.deadline)
    late_days = working_days_overdue(facts.deadline, now, calendar) if past else 0
    request = facts.request
    timing = wording.timing(days_left, late_days, request=request) if state.active else ""
    lateness = wording.lateness(-days_left, late_days) if past else ""
    if past:
        cell = wording.past_cell(-days_left, late_days, request=request)
    elif state.active:
        cell = timing
    elif state is State.SUBMITTED:
        cell = wording.reported(request=request)
    else:
        cell = wording.NO_TIMING
    return Reading(
        state=state, request=request, past=past, overdue=past and not request,
        due_soon=state.active and not past and now >= due_soon_at(facts.deadline, policy, calendar),
        days_left=days_left,
        working_days_left=calendar.working_days_between(today, facts.deadline) if days_left > 0 else 0,
        working_days_overdue=late_days,
        outcome=outcome(state, facts.deadline, facts.submitted_at, now),
        label=state.label_for(request=request), timing=timing, lateness=lateness, cell=cell,
    )
