"""What a person types to ask for the implementation report, checked once for every front end."""

from __future__ import annotations

import datetime as dt
import re

from htx_tasks.reporting.data import Period
from htx_tasks.services.errors import InvalidInput

PERIOD = re.compile(r"^(\d{4})(?:-(H[12]))?$")


def parse_period(text: str) -> Period:
    """``2026-H1`` (first half), ``2026-H2`` (second half) or ``2026`` (the year).

    Anything else is ``InvalidInput`` on the field ``period``, for each front end to name in its words.
    """
    match = PERIOD.match(text.strip())
    if not match:
        raise InvalidInput.one("period", f"kỳ báo cáo không hợp lệ '{text}' (ví dụ 2026-H1, 2026-H2 hoặc 2026)")
    year, half = int(match[1]), match[2]
    if half == "H1":
        return Period(text, dt.date(year, 1, 1), dt.date(year, 6, 30), f"6 tháng đầu năm {year}")
    if half == "H2":
        return Period(text, dt.date(year, 7, 1), dt.date(year, 12, 31), f"6 tháng cuối năm {year}")
    return Period(text, dt.date(year, 1, 1), dt.date(year, 12, 31), f"năm {year}")
