"""The only module that reads the clock.

Everything else receives ``now`` as an aware UTC datetime. Conversions between UTC (storage)
and the plan's local time zone (calendar maths) live here too, so time handling has one home.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pendulum

LOCAL_TZ = "Asia/Ho_Chi_Minh"
_ZONES: dict[str, pendulum.Timezone] = {}


def _zone(name: str) -> pendulum.Timezone:
    """Time zones are kept: pendulum re-reads the zone file from disk for every new name lookup."""
    if name not in _ZONES:
        _ZONES[name] = pendulum.timezone(name)
    return _ZONES[name]


def utcnow() -> dt.datetime:
    """The current instant, aware, in UTC. Call once per pass and pass the value down."""
    return pendulum.now("UTC")


def as_utc(value: dt.datetime) -> dt.datetime:
    """Normalise an aware datetime to UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return pendulum.instance(value, tz="UTC")
    return pendulum.instance(value).in_timezone("UTC")


def local(value: dt.datetime, tz: str = LOCAL_TZ) -> pendulum.DateTime:
    """The same instant seen in the plan's time zone."""
    return pendulum.instance(as_utc(value)).in_timezone(_zone(tz))


def local_date(value: dt.datetime, tz: str = LOCAL_TZ) -> dt.date:
    return local(value, tz).date()


@lru_cache(maxsize=65536)
def at_local(day: dt.date, hour: int = 0, minute: int = 0, tz: str = LOCAL_TZ) -> dt.datetime:
    """The UTC instant of ``hour:minute`` local time on ``day``."""
    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=_zone(tz)).in_timezone(_zone("UTC"))


def parse_instant(text: str, tz: str = LOCAL_TZ) -> dt.datetime:
    """Parse an ISO date or datetime typed by a user; without an offset it is local time."""
    parsed = pendulum.parse(text, tz=_zone(tz))
    if isinstance(parsed, pendulum.Date) and not isinstance(parsed, pendulum.DateTime):
        parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=tz)
    return parsed.in_timezone("UTC")
