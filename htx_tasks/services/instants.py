"""The instant a pass or an action is computed for, as a person types it: one rule for every front end.

The CLI's ``--now`` and the flows' ``now`` parameter both go through ``instant_of`` (a readable
date or time between 1970 and 2199) and, for a pass, ``beyond_horizon`` (no further ahead of the
clock than ``HTX_HORIZON_DAYS`` unless forced). Each front end names its own parameter in the
refusal: ``label`` ("--now", "now") and ``force_label`` ("--force", "force").
"""

from __future__ import annotations

import datetime as dt

from htx_tasks import clock
from htx_tasks.core import zones
from htx_tasks.services.errors import InvalidInput, Refused

EARLIEST, LATEST = dt.datetime(1970, 1, 2, tzinfo=dt.UTC), dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


def instant_of(value: str | dt.datetime, *, field: str = "now") -> dt.datetime:
    """``value`` as an aware UTC instant (no offset: Vietnamese time); ``InvalidInput`` on ``field`` otherwise."""
    if isinstance(value, dt.datetime):
        at = zones.as_utc(value)
    else:
        try:
            at = clock.parse_instant(value)
        except Exception:  # pendulum raises several types for what people type
            raise InvalidInput.one(field, f"thời điểm không hợp lệ '{value}' (ví dụ 2027-01-15T08:00)") from None
    if not EARLIEST <= at < LATEST:
        raise InvalidInput.one(field, f"thời điểm '{value}' nằm ngoài khoảng năm 1970–2199")
    return at


def beyond_horizon(at: dt.datetime, clock_now: dt.datetime, horizon_days: int, *, force: bool,
                   label: str, force_label: str) -> bool:
    """Refuse a pass further ahead of the clock than the horizon unless forced; True if beyond it.

    A mistyped year (2099 for 2029) would open and escalate decades of work in one go.
    """
    ahead = at - clock_now
    if ahead <= dt.timedelta(days=horizon_days):
        return False
    if not force:
        raise Refused(
            f"{label} {zones.local(at):%d/%m/%Y} đi trước đồng hồ {ahead.days} ngày, quá giới hạn {horizon_days} ngày "
            f"(HTX_HORIZON_DAYS); nếu thật sự muốn chạy bù đến thời điểm đó, dùng {force_label}"
        )
    return True
