"""The one tally of a report's items: each counted once, as due or not yet, on time, late, missed
("Không báo cáo"), open or past its term, as of the report's moment.

The report draft's tracking table (``results``: by Section III unit, the plan's own duties), the
Markdown and Excel figures (``data``: by unit, every item of the plan), the board (by unit over the
year, by Section II group) and ``htx-tasks report`` count with it, so no two surfaces count one item
two ways.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from htx_tasks.core.lifecycle import Outcome, State, outcome
from htx_tasks.core.zones import local_date
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import Occurrence

UNCOUNTED = (State.WAIVED.value, State.SUCCEEDED.value)  # moved to a successor or waived: not this unit's


def period_items(session: Session, plan: Plan, start: dt.date, end: dt.date) -> list[Occurrence]:
    """The plan's items with a deadline in [start, end] that count (not waived, not moved on)."""
    return list(session.exec(select(Occurrence).where(
        col(Occurrence.plan_code) == plan.meta.code, col(Occurrence.deadline) >= start,
        col(Occurrence.deadline) <= end, col(Occurrence.state).not_in(UNCOUNTED),
    ).order_by(col(Occurrence.id))).all())


@dataclass
class Tracking:
    """One row's items of the period: every one (``assigned``), those due by the report's day, and
    of those: on time, late, missed ("Không báo cáo"), still open (``overdue``: open past its term)."""

    unit_name: str
    assigned: int = 0
    due: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    open: int = 0
    overdue: int = 0
    code: str = ""  # the unit's code, where the row is one unit's

    def count(self, item: Occurrence, until: dt.datetime) -> None:
        """Add ``item`` as it stands at ``until``: an item whose deadline is after that day is not due yet."""
        klass = outcome(State(item.state), item.deadline, item.submitted_at, until)
        if klass is None:
            return
        self.assigned += 1
        if klass is Outcome.PENDING_IN_TIME and item.deadline > local_date(until):
            return
        self.due += 1
        if item.state == State.MISSED.value:
            self.missed += 1
        elif klass is Outcome.DONE_ON_TIME:
            self.on_time += 1
        elif klass is Outcome.DONE_LATE:
            self.late += 1
        else:
            self.open += 1
            self.overdue += klass is Outcome.PENDING_OVERDUE

    @property
    def done(self) -> int:
        return self.on_time + self.late

    @property
    def pending_in_time(self) -> int:
        """Not done and not past its term: not due yet, or due today and still open."""
        return self.assigned - self.due + self.open - self.overdue

    @property
    def past_term(self) -> int:
        """Not done and past its term: open past it, or closed as missed."""
        return self.overdue + self.missed

    @property
    def on_time_rate(self) -> float | None:
        """Share done on time of the items done or past their term (None when there are none): one due
        today and still open is in its term, and counts neither for nor against the rate yet."""
        settled = self.done + self.past_term
        return round(100 * self.on_time / settled, 1) if settled else None

    def as_json(self) -> dict:
        """``htx-tasks report --json``: a unit's row in the four outcome classes."""
        return {"unit": self.code, "unit_name": self.unit_name, "assigned": self.assigned, "due": self.due,
                "done_on_time": self.on_time, "done_late": self.late, "pending_in_time": self.pending_in_time,
                "pending_overdue": self.past_term, "on_time_rate": self.on_time_rate}


COUNTS = ("assigned", "due", "on_time", "late", "missed", "open", "overdue")


def total_of(rows: Iterable[Tracking], name: str = "Tổng cộng", code: str = "") -> Tracking:
    out = Tracking(name, code=code)
    for row in rows:
        for count in COUNTS:
            setattr(out, count, getattr(out, count) + getattr(row, count))
    return out


def by_unit(plan: Plan, items: Iterable[Occurrence], until: dt.datetime) -> dict[str, Tracking]:
    """A row per unit holding work (every unit of the plan but its groups, in the plan's order, then any
    other holder of an item), each with its items counted at ``until``."""
    rows = {u.code: Tracking(u.name, code=u.code) for u in plan.source.units if u.members is None}
    for item in items:
        rows.setdefault(item.unit_code, Tracking(plan.unit_name(item.unit_code), code=item.unit_code)).count(item, until)
    return rows


def unit_tally(session: Session, plan: Plan, start: dt.date, end: dt.date, until: dt.datetime) -> dict[str, Tracking]:
    """``by_unit`` over the plan's items with a deadline in [start, end]."""
    return by_unit(plan, period_items(session, plan, start, end), until)
