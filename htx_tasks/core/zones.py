"""Conversions between UTC (storage) and the plan's local time zone (calendar maths). Pure.

Every value handed out is a standard ``datetime``: an aware UTC instant or a local one. Reading
the clock is ``htx_tasks.clock``'s job, not this module's.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

LOCAL_TZ = "Asia/Ho_Chi_Minh"


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _plain(value: dt.datetime) -> dt.datetime:
    """A standard-library datetime for any datetime-like value (pendulum's included)."""
    if type(value) is dt.datetime:
        return value
    return dt.datetime.fromisoformat(value.isoformat())


def as_utc(value: dt.datetime) -> dt.datetime:
    """Normalise an aware datetime to UTC; a naive one is taken to be UTC already."""
    value = _plain(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def local(value: dt.datetime, tz: str = LOCAL_TZ) -> dt.datetime:
    """The same instant seen in the plan's time zone."""
    return as_utc(value).astimezone(_zone(tz))


def local_date(value: dt.datetime, tz: str = LOCAL_TZ) -> dt.date:
    return local(value, tz).date()


@lru_cache(maxsize=65536)
def at_local(day: dt.date, hour: int = 0, minute: int = 0, tz: str = LOCAL_TZ) -> dt.datetime:
    """The UTC instant of ``hour:minute`` local time on ``day``."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=_zone(tz)).astimezone(dt.UTC)
