"""The only module that reads the clock.

Everything else receives ``now`` as an aware UTC datetime, read once per pass and passed down.
This module also parses the instants people type. Conversions between UTC and the plan's local
time live in the pure core (``htx_tasks.core.zones``). pendulum reads the clock and parses; every
value handed out is a standard ``datetime`` (pendulum 3.3 deprecates its own datetime behaviour in
favour of the standard one).
"""

from __future__ import annotations

import datetime as dt

import pendulum

from htx_tasks.core.zones import LOCAL_TZ, as_utc, at_local


def utcnow() -> dt.datetime:
    """The current instant, aware, in UTC. Call once per pass and pass the value down."""
    return as_utc(pendulum.now("UTC"))


def parse_instant(text: str, tz: str = LOCAL_TZ) -> dt.datetime:
    """Parse an ISO date or datetime typed by a user; without an offset it is local time."""
    parsed = pendulum.parse(text, tz=tz, exact=True)
    if isinstance(parsed, dt.datetime):
        return as_utc(parsed)
    if isinstance(parsed, dt.date):
        return at_local(parsed, tz=tz)
    raise ValueError(f"không phải ngày hay thời điểm: {text!r}")
