"""Vietnamese working-day calendar.

Public holidays (lunar Tết included), substitute days off and the government's weekend working
days come from the ``holidays`` package; announcements it does not know yet come from
``config/calendar.yaml``. Deadlines follow the Civil Code 2015, art. 148: a term whose last day is
a day off ends at the end of the next working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache

import holidays

ONE_DAY = dt.timedelta(days=1)
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


class WorkCalendar:
    """Working days in Viet Nam, plus the plan's own announced days off and working days."""

    def __init__(
        self,
        days_off: Mapping[dt.date, str] | None = None,
        working_days: Mapping[dt.date, str] | None = None,
    ) -> None:
        self._days_off = dict(days_off or {})
        self._working_days = dict(working_days or {})
        self._cache: dict[dt.date, bool] = {}

    def _official(self, year: int) -> holidays.HolidayBase:
        return _vn_holidays(year)

    def holiday_name(self, day: dt.date) -> str | None:
        """Why ``day`` is a day off, in Vietnamese; None for an ordinary day."""
        if day in self._working_days:
            return None
        if day in self._days_off:
            return self._days_off[day]
        return self._official(day.year).get(day)

    def working_day_reason(self, day: dt.date) -> str | None:
        """Why a weekend day is a working day (ngày làm bù), if it is one."""
        if day in self._working_days:
            return self._working_days[day]
        if day.weekday() >= 5 and day in self._official(day.year).weekend_workdays:
            return "Ngày làm bù theo thông báo của Chính phủ"
        return None

    def is_working_day(self, day: dt.date) -> bool:
        cached = self._cache.get(day)
        if cached is None:
            if day in self._working_days:
                cached = True
            elif day in self._days_off:
                cached = False
            else:
                cached = self._official(day.year).is_working_day(day)
            self._cache[day] = cached
        return cached

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def working_day_on_or_after(self, day: dt.date) -> dt.date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def working_day_on_or_before(self, day: dt.date) -> dt.date:
        while not self.is_working_day(day):
            day -= ONE_DAY
        return day

    def deadline(self, day: dt.date) -> dt.date:
        """Art. 148 Civil Code 2015: a deadline on a day off moves to the next working day."""
        return self.working_day_on_or_after(day)

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The working day ``count`` working days after ``day`` (before it when negative).

        Counting starts the day after ``day`` (art. 147: the first day is not counted), so
        ``add_working_days(d, 0)`` is ``d`` itself moved forward to a working day.
        """
        if count == 0:
            return self.working_day_on_or_after(day)
        step = ONE_DAY if count > 0 else -ONE_DAY
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + ONE_DAY
        while day <= end:
            count += self.is_working_day(day)
            day += ONE_DAY
        return count


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year, language="vi")


def weekday_vi(day: dt.date) -> str:
    return WEEKDAYS_VI[day.weekday()]


def format_date_vi(day: dt.date, with_weekday: bool = True) -> str:
    """``Thứ Sáu, 18/12/2026``: the form Vietnamese official letters use."""
    text = day.strftime("%d/%m/%Y")
    return f"{weekday_vi(day)}, {text}" if with_weekday else text
