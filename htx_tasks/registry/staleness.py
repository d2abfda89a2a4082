"""Is a unit's part of the registry current? Pure date arithmetic, no database, no clock.

A monitoring duty with ``registry_upkeep`` asks its units to confirm or update their
organisations once per period. The rule, on day ``today``:

- the period *due* is the latest period of the duty whose due date has passed (due < today);
  a unit whose last confirmation or update is older than that period's first day is
  **stale** ("Quá hạn cập nhật"): its data is older than its last period;
- otherwise, while the current period's due date has not passed, a unit not yet updated in the
  current period is **due** ("Chưa cập nhật"), to do by that due date;
- otherwise it is **current** ("Đã cập nhật").

The due date (not the period's start) decides staleness, so a quarter's first weeks do not
turn every unit red; an update counts for a period from that period's first day, even when it
comes after the due date (then the unit is current again). Periods before the plan's tracking
start or outside the duty's ``active`` window are not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.coops import Labelled
from htx_tasks.core.recurrence import MONTHS_IN, Period, period_of
from htx_tasks.plan.schema import Duty


class Freshness(Labelled):
    CURRENT = "current", "Đã cập nhật"
    DUE = "due", "Chưa cập nhật"
    STALE = "stale", "Quá hạn cập nhật"


@dataclass(frozen=True)
class Upkeep:
    """A unit's standing for one upkeep duty on one day."""

    freshness: Freshness
    last: dt.date | None  # the unit's latest confirmation or update (local day)
    period: Period  # the period this standing is about: the overdue one, else the current one


def periods_until(duty: Duty, calendar: WorkCalendar, today: dt.date, since: dt.date) -> list[Period]:
    """The duty's periods that have started by ``today`` and end on or after ``since``, oldest first."""
    per_year = 12 // MONTHS_IN[duty.recurrence.every]
    out = []
    for year in range(max(since.year - 1, today.year - 2), today.year + 1):
        for index in range(per_year):
            period = period_of(duty.recurrence, calendar, year, index)
            if period.start <= today and period.end >= since and (
                    duty.active is None or duty.active.covers(period.start, period.end)):
                out.append(period)
    return out


def period_containing(duty: Duty, calendar: WorkCalendar, day: dt.date) -> Period | None:
    """The duty's period that ``day`` falls in (None for a one-off or case duty)."""
    if duty.recurrence.every not in MONTHS_IN:
        return None
    index = (day.month - 1) // MONTHS_IN[duty.recurrence.every]
    return period_of(duty.recurrence, calendar, day.year, index)


def upkeep(duty: Duty, calendar: WorkCalendar, last: dt.date | None, today: dt.date,
           tracking_from: dt.date) -> Upkeep | None:
    """The unit's standing on ``today``, given its last update ``last``; None when no period counts."""
    periods = periods_until(duty, calendar, today, tracking_from)
    if not periods:
        return None
    passed = [p for p in periods if p.due < today]
    if passed and (last is None or last < passed[-1].start):
        return Upkeep(Freshness.STALE, last, passed[-1])
    current = periods[-1]
    if last is not None and last >= current.start:
        return Upkeep(Freshness.CURRENT, last, current)
    return Upkeep(Freshness.DUE, last, current)  # not stale, so the current period's due date is ahead
