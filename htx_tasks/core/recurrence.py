"""When duties fall due: the plan's rule (``Recurrence``), and its periods and deadlines by pure date arithmetic."""

from __future__ import annotations

import calendar as _pycal
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.strict import CODE, FieldError, Strict

ROMAN = ("I", "II", "III", "IV")


class Every(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    ONCE = "once"
    CASE = "case"


MONTHS_IN = {Every.MONTH: 1, Every.QUARTER: 3, Every.HALF_YEAR: 6, Every.YEAR: 12}


class CaseKind(Strict):
    code: str = Field(pattern=CODE)
    title: str
    working_days: int = Field(ge=1, le=60)


class Recurrence(Strict):
    """When a duty falls due.

    ``every`` month/quarter/half_year/year: one occurrence per period, due on ``due_day`` of
    the ``due_month``-th month of the period (1 = its first month; ``due_day: last`` is the
    month's last day). ``once``: a single occurrence due on ``due_date``. ``case``: one
    occurrence per case received, due ``working_days`` after receipt (per case kind).
    """

    every: Every
    due_month: int | None = Field(default=None, ge=1, le=12)
    due_day: int | Literal["last"] | None = None
    due_date: dt.date | None = None
    opens_days_before: int | None = Field(default=None, ge=0, le=366)
    case_kinds: list[CaseKind] | None = None
    why: str | None = None

    @field_validator("due_day")
    @classmethod
    def _day_range(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and not 1 <= value <= 31:
            raise ValueError(f"due_day {value} không tồn tại (phải từ 1 đến 31 hoặc 'last')")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Recurrence:
        if self.every in MONTHS_IN:
            months = MONTHS_IN[self.every]
            if self.due_day is None:
                raise FieldError("every", f"chu kỳ '{self.every}' cần khóa 'due_day'")
            if self.due_date is not None or self.case_kinds:
                raise FieldError("due_date" if self.due_date is not None else "case_kinds",
                                 f"chu kỳ '{self.every}' không dùng 'due_date' hay 'case_kinds'")
            month = self.due_month or (1 if months == 1 else None)
            if month is None:
                raise FieldError("every", f"chu kỳ '{self.every}' cần khóa 'due_month' (1..{months})")
            if month > months:
                raise FieldError(
                    "due_month", f"due_month {month} vượt quá số tháng của chu kỳ '{self.every}' ({months})"
                )
            if isinstance(self.due_day, int):
                # the shortest month this slot can fall in (February in a leap year at best)
                longest = max(
                    _pycal.monthrange(2024, m)[1] for m in range(month, 13, months)
                )
                shortest = min(_pycal.monthrange(2023, m)[1] for m in range(month, 13, months))
                if self.due_day > longest:
                    raise FieldError("due_day", f"ngày {self.due_day} không tồn tại trong tháng hạn")
                if self.due_day > shortest:
                    raise FieldError(
                        "due_day", f"ngày {self.due_day} không có ở mọi tháng của chu kỳ; dùng 'last'"
                    )
        elif self.every is Every.ONCE:
            if self.due_date is None:
                raise FieldError("every", "chu kỳ 'once' cần khóa 'due_date'")
            if self.due_day is not None or self.due_month is not None or self.case_kinds:
                raise FieldError(self._first_set("due_day", "due_month", "case_kinds"),
                                 "chu kỳ 'once' chỉ dùng 'due_date'")
        else:
            if not self.case_kinds:
                raise FieldError("every", "chu kỳ 'case' cần danh sách 'case_kinds'")
            if self.due_day is not None or self.due_month is not None or self.due_date:
                raise FieldError(self._first_set("due_day", "due_month", "due_date"),
                                 "chu kỳ 'case' tính hạn theo 'working_days' của từng loại hồ sơ")
        return self

    def _first_set(self, *names: str) -> str:
        return next(n for n in names if getattr(self, n))


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


def next_period_due(rule: Recurrence, calendar: WorkCalendar, key: str) -> dt.date | None:
    """The deadline of the period after the one keyed ``key`` (``2027-Q1`` → quý II/2027's); None
    for a one-off duty, a case, or a key of another form."""
    if rule.every not in MONTHS_IN:
        return None
    year, _, part = key.partition("-")
    try:
        index = int(part[1:]) - 1 if part else 0
        number = int(year)
    except ValueError:
        return None
    per_year = 12 // MONTHS_IN[rule.every]
    if not 0 <= index < per_year:
        return None
    number, index = (number + 1, 0) if index + 1 == per_year else (number, index + 1)
    return period_of(rule, calendar, number, index).due


def case_deadline(calendar: WorkCalendar, received: dt.date, working_days: int) -> dt.date:
    """A case received on ``received`` is due ``working_days`` working days later."""
    return calendar.add_working_days(received, working_days)
