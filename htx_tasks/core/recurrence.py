"""Periods and deadlines of recurring duties: pure date arithmetic on the plan's rules."""

from __future__ import annotations

import calendar as _pycal
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.plan.schema import MONTHS_IN, Every, Recurrence

ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Period:
    key: str  # stable identity within a duty and unit: 2026-Q4, 2026-M12, 2026-H2, 2027, once
    label: str  # what a person reads: "quý IV/2026"
    start: dt.date
    end: dt.date
    nominal_due: dt.date  # the day the rule names
    due: dt.date  # moved to a working day (Civil Code art. 148)
    opens: dt.date  # the day the occurrence opens


def _month_day(year: int, month: int, day: int | str) -> dt.date:
    last = _pycal.monthrange(year, month)[1]
    return dt.date(year, month, last if day == "last" else min(int(day), last))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _label(every: Every, year: int, index: int) -> tuple[str, str]:
    if every is Every.MONTH:
        return f"{year}-M{index + 1:02d}", f"tháng {index + 1}/{year}"
    if every is Every.QUARTER:
        return f"{year}-Q{index + 1}", f"quý {ROMAN[index]}/{year}"
    if every is Every.HALF_YEAR:
        half = "6 tháng đầu năm" if index == 0 else "6 tháng cuối năm"
        return f"{year}-H{index + 1}", f"{half} {year}"
    return f"{year}", f"năm {year}"


def period_of(rule: Recurrence, calendar: WorkCalendar, year: int, index: int) -> Period:
    """The ``index``-th period (0-based) of ``year`` under ``rule`` (month/quarter/half/year)."""
    months = MONTHS_IN[rule.every]
    start = dt.date(year, index * months + 1, 1)
    end = _add_months(start, months) - dt.timedelta(days=1)
    due_month = _add_months(start, (rule.due_month or 1) - 1)
    nominal = _month_day(due_month.year, due_month.month, rule.due_day or "last")
    due = calendar.deadline(nominal)
    opens = start
    if rule.opens_days_before is not None:
        opens = due - dt.timedelta(days=rule.opens_days_before)
    key, label = _label(rule.every, year, index)
    return Period(key, label, start, end, nominal, due, opens)


def once_period(rule: Recurrence, calendar: WorkCalendar) -> Period:
    assert rule.due_date is not None
    due = calendar.deadline(rule.due_date)
    opens = due - dt.timedelta(days=rule.opens_days_before or 30)
    return Period("once", f"hạn {rule.due_date:%d/%m/%Y}", opens, due, rule.due_date, due, opens)


def periods_opening(
    rule: Recurrence, calendar: WorkCalendar, after: dt.date, until: dt.date
) -> Iterator[Period]:
    """Periods that open in (after, until], oldest first. Case duties have none."""
    if rule.every is Every.CASE:
        return
    if rule.every is Every.ONCE:
        period = once_period(rule, calendar)
        if after < period.opens <= until:
            yield period
        return
    per_year = 12 // MONTHS_IN[rule.every]
    # an annual period may open up to a year before it starts (opens_days_before ≤ 366)
    for year in range(after.year - 1, until.year + 2):
        for index in range(per_year):
            period = period_of(rule, calendar, year, index)
            if after < period.opens <= until:
                yield period


def case_deadline(calendar: WorkCalendar, received: dt.date, working_days: int) -> dt.date:
    """A case received on ``received`` is due ``working_days`` working days later."""
    return calendar.add_working_days(received, working_days)
