"""The only module that reads the clock.

Everything else receives ``now`` as an aware UTC datetime. Conversions between UTC (storage)
and the plan's local time zone (calendar maths) live here too, so time handling has one home.
pendulum reads the clock and parses what people type; every value handed out is a standard
``datetime`` (pendulum 3.3 deprecates its own datetime behaviour in favour of the standard one).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import pendulum

LOCAL_TZ = "Asia/Ho_Chi_Minh"


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _plain(value: dt.datetime) -> dt.datetime:
    """A standard-library datetime for any datetime-like value (pendulum's included)."""
    if type(value) is dt.datetime:
        return value
    return dt.datetime.fromisoformat(value.isoformat())


def utcnow() -> dt.datetime:
    """The current instant, aware, in UTC. Call once per pass and pass the value down."""
    return as_utc(pendulum.now("UTC"))


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


def parse_instant(text: str, tz: str = LOCAL_TZ) -> dt.datetime:
    """Parse an ISO date or datetime typed by a user; without an offset it is local time."""
    parsed = pendulum.parse(text, tz=tz, exact=True)
    if isinstance(parsed, dt.datetime):
        return as_utc(parsed)
    if isinstance(parsed, dt.date):
        return at_local(parsed, tz=tz)
    raise ValueError(f"không phải ngày hay thời điểm: {text!r}")
