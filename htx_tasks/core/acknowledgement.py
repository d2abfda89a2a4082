"""A unit's acknowledgement ("Đã nhận, đang thực hiện"): what it holds back, and for how long.

A unit that has the work in hand says so from its page, with the date it expects to finish and a
note on its progress. Until that date (inclusive) the repeats about the item stop: the reminders
to the unit and the repeated notices to anyone; a first notice (the item now past its term) and a
first escalation still go, because the deadline does not move: an acknowledgement is not an
extension. Pure: the engine and the dispatcher ask ``holds`` for each notice.
"""

from __future__ import annotations

import datetime as dt

HORIZON_DAYS = 90  # an expected date at most this many days after today
HELD_FROM_UNIT = frozenset({"reminder", "repeat"})  # notices to the unit itself held while acknowledged
HELD_FROM_OTHERS = frozenset({"repeat"})  # notices to the coordinator or leadership held


def holds(kind: str, *, to_unit: bool, until: dt.date | None, today: dt.date) -> bool:
    """Whether a notice of ``kind`` is held back today by an acknowledgement running ``until``."""
    if until is None or today > until:
        return False
    return kind in (HELD_FROM_UNIT if to_unit else HELD_FROM_OTHERS)


def expected_problem(expected: dt.date, today: dt.date) -> str | None:
    """Why an expected date cannot be accepted (Vietnamese), or None: from tomorrow, within the horizon."""
    if expected <= today:
        return f"ngày dự kiến hoàn thành phải sau hôm nay ({today:%d/%m/%Y})"
    last = today + dt.timedelta(days=HORIZON_DAYS)
    if expected > last:
        return f"ngày dự kiến hoàn thành quá xa: chậm nhất {last:%d/%m/%Y} ({HORIZON_DAYS} ngày)"
    return None
