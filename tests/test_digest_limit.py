"""A role's digest after a long catch-up: the most urgent items listed, the rest counted and pointed to."""

from __future__ import annotations

import datetime as dt
import re

from htx_tasks.core.policy import COORDINATOR, LEADERSHIP
from htx_tasks.core.zones import at_local
from htx_tasks.delivery.messages import DIGEST_LIMIT, make_item, render_digest

NOW = at_local(dt.date(2027, 6, 1), 8, 0)
WARDS = ["phuong-ba-ngoi", "phuong-cam-linh", "phuong-cam-loc", "xa-cam-binh", "xa-cam-lap"]


def _overdue(plan, count: int) -> list:
    """``count`` overdue items over five wards; item ``n`` is ``n + 10`` days late (0: the least)."""
    return [make_item(plan, occurrence_id=1000 + n, kind="escalation", level=1, unit=WARDS[n % len(WARDS)],
                      duty="xa-theo-doi-htx", period=f"kỳ {n}", deadline=NOW.date() - dt.timedelta(days=n + 10),
                      now=NOW, recipient=COORDINATOR)
            for n in range(count)]


def test_a_coordinators_digest_lists_the_most_urgent_and_counts_the_rest(plan):
    items = _overdue(plan, DIGEST_LIMIT + 70)
    message = render_digest(plan, COORDINATOR, items, NOW)
    for body in (message.text, message.markdown):
        listed = {int(n) for n in re.findall(r"(?:Mã theo dõi: |\(mã theo dõi )(\d+)", body)}
        # the longest overdue are listed; the 70 that are least late are not
        assert listed == {1000 + n for n in range(70, DIGEST_LIMIT + 70)}
        assert "và 70 việc khác" in body.replace("**", "")
        assert "bảng theo dõi chung của cơ quan thường trực" in body  # words, not a command
        assert "htx-tasks" not in body and "Prefect" not in body
        for ward in WARDS:  # each unit's heading still gives its whole count
            name = plan.unit_name(ward)
            assert f"{name} (24 nhiệm vụ; nêu 10 việc cấp bách nhất)" in body
    assert f"{DIGEST_LIMIT + 70} nhiệm vụ quá hạn của 5 đơn vị" in message.title


def test_a_digest_within_the_limit_lists_everything(plan):
    items = _overdue(plan, DIGEST_LIMIT)
    for recipient in (COORDINATOR, LEADERSHIP):
        text = render_digest(plan, recipient, items, NOW).text
        assert len(re.findall(r"Mã theo dõi: \d+", text)) == DIGEST_LIMIT
        assert "việc khác" not in text and "cấp bách nhất" not in text
        assert f"{plan.unit_name(WARDS[0])} (10 nhiệm vụ)" in text


def test_a_units_own_digest_is_not_cut(plan):
    ward = WARDS[0]
    items = [make_item(plan, occurrence_id=1000 + n, kind="overdue", level=0, unit=ward, duty="xa-theo-doi-htx",
                       period=f"kỳ {n}", deadline=NOW.date() - dt.timedelta(days=n + 10), now=NOW)
             for n in range(DIGEST_LIMIT + 5)]
    text = render_digest(plan, ward, items, NOW).text
    assert len(re.findall(r"Mã theo dõi: \d+", text)) == DIGEST_LIMIT + 5 and "việc khác" not in text
