"""When delivery happens: working hours (the office's and a unit's own), nothing for submitted or
waived work, a simulated month's digests, a weekend morning deferred to the next working morning.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from actions import submit, waive
from deliverykit import FRIDAY, KT, NOW, WARD
from sqlmodel import Session, select

from htx_tasks.core.zones import at_local, local_date
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import load_plan
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Occurrence

# --------------------------------------------------------------------------- 6. working hours, closed


MONDAY_0730 = at_local(dt.date(2026, 11, 30), 7, 30)


@pytest.mark.parametrize(("when", "next_morning"), [
    (at_local(FRIDAY, 20, 0), MONDAY_0730),
    (at_local(dt.date(2026, 11, 29), 8, 0), MONDAY_0730),  # Sunday
    (at_local(FRIDAY, 17, 0), MONDAY_0730),  # working hours end at 17:00
    (at_local(FRIDAY, 7, 29), at_local(FRIDAY, 7, 30)),  # ... and start at 07:30
], ids=["friday-20h", "sunday-8h", "friday-17h", "friday-7h29"])
def test_outside_working_hours_waits_for_next_working_morning(world, http, when, next_morning):
    world.write_channels([(http.url(f"/{KT}"), KT), (http.url(f"/{WARD}"), WARD)])
    run_pass(world.engine, world.plan, when)
    pending = len(world.rows("pending"))
    result = world.dispatch(when)
    assert result.deferred == pending > 0 and result.messages == result.sent == 0
    assert http.count() == 0 and not world.inbox.exists()
    monday = next_morning
    run_pass(world.engine, world.plan, monday)
    morning = world.dispatch(monday)
    assert morning.deferred == 0 and morning.sent >= pending
    assert http.count(f"/{KT}") == 1 and http.count(f"/{WARD}") == 1


def test_a_units_own_working_hours_hold_its_messages_only(world, http):
    """A ward that starts at 08:00 waits; everyone else is sent at 07:45 as usual."""
    plan_file = world.config / "plan.yaml"
    text = plan_file.read_text(encoding="utf-8")
    ward_line = f"  - {{code: {WARD}, "
    start = text.index(ward_line)
    end = text.index("}", start)
    plan_file.write_text(text[:end] + ", policy: {work_start: '08:00'}" + text[end:], encoding="utf-8")
    world.plan = load_plan(world.config)
    world.write_channels([(http.url(f"/{KT}"), KT), (http.url(f"/{WARD}"), WARD)])
    early = at_local(FRIDAY, 7, 45)
    run_pass(world.engine, world.plan, early)
    first = world.dispatch(early, recipients={KT, WARD})
    assert first.deferred == len(world.rows("pending", WARD)) > 0
    assert http.count(f"/{KT}") == 1 and http.count(f"/{WARD}") == 0
    later = world.dispatch(at_local(FRIDAY, 8, 0), recipients={KT, WARD})
    assert later.deferred == 0 and http.count(f"/{WARD}") == 1 and http.count(f"/{KT}") == 1


def test_nothing_sent_for_submitted_or_waived(world, http):
    world.write_channels([(http.url(f"/{KT}"), KT), (http.url(f"/{WARD}"), WARD)])
    run_pass(world.engine, world.plan, NOW)
    thanh_lap = world.occurrence(KT, "kt-thanh-lap-htx").id
    ha_tang = world.occurrence(KT, "kt-chinh-sach").id
    ward = [world.occurrence(WARD, duty).id for duty in ("xa-tuyen-truyen", "xa-theo-doi-htx")]
    with session_scope(world.engine) as session:
        submit(session, world.plan, thanh_lap, unit=KT, note="Đã nộp báo cáo quý", evidence=None, now=NOW)
        waive(session, world.plan, ha_tang, note="Không phát sinh trong kỳ", now=NOW)
        waive(session, world.plan, ward[0], note="Đã tuyên truyền trong kỳ trước", now=NOW)
        submit(session, world.plan, ward[1], unit=WARD, note="Đã báo cáo", evidence=None, now=NOW)
    result = world.dispatch(NOW, recipients={KT, WARD})
    assert result.dropped == 5  # the four items, and the ward's III.8.2 copy to Phòng Kinh tế
    # the ward's own items are gone; the copy of Phòng Kinh tế's III.1.5 remains, for cooperation
    assert http.count(f"/{WARD}") == 1 and "Để phối hợp" in http.bodies(f"/{WARD}")[0]["title"]
    message = http.bodies(f"/{KT}")[0]["message"]
    assert "[III.1.2]" not in message and "[III.1.6]" not in message
    assert message.count("   Mã theo dõi: ") == 2  # III.1.5 and the III.1 consolidated report
    cancelled = {r.occurrence_id for r in world.rows("cancelled")}
    assert {thanh_lap, ha_tang} <= cancelled


# --------------------------------------------------------------------------- 7. a simulated month


def test_simulated_month_digest_rule(world):
    """December 2026 with the shipped plan (tracking from 01/11/2026, so the first morning catches
    up a month): tick at 07:30 every working morning, tick again at 10:00 and 16:30 (as a
    re-run or an overlapping schedule would), and on weekend mornings (deferred to Monday)."""
    day, last = dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    mornings = 0
    while day <= last:
        working = world.plan.calendar.is_working_day(day)
        for hour, minute in ((7, 30), (10, 0), (16, 30)) if working else ((8, 0),):
            at = at_local(day, hour, minute)
            run_pass(world.engine, world.plan, at)
            result = world.dispatch(at)
            assert result.failed == result.retrying == result.review == 0
            assert (result.deferred == 0) if working else (result.messages == 0)
        mornings += working
        day += dt.timedelta(days=1)
    assert mornings >= 20
    per_day: Counter = Counter()
    for d in world.deliveries():
        assert d.status == "success"
        per_day[(d.recipient, local_date(d.at))] += 1
    assert per_day and max(per_day.values()) == 1  # at most one message per recipient per day
    # every row recorded was delivered (or superseded by a newer event of the same item)
    assert {r.status for r in world.rows()} == {"sent"}
    sent = world.rows("sent")
    assert len({(r.recipient, local_date(r.sent_at)) for r in sent}) == sum(per_day.values())
    # inbox files agree with the delivery table
    for recipient in {r for r, _ in per_day}:
        assert len(world.inbox_messages(recipient)) == sum(n for (r, _), n in per_day.items() if r == recipient)
    # requests to the Fatherland Front are never escalated to leadership
    with Session(world.engine) as session:
        front = {o.id for o in session.exec(select(Occurrence).where(
            Occurrence.unit_code.in_(world.plan.members("ubmttq-doan-the"))))}
    assert front and not [r for r in world.rows(recipient="leadership") if r.occurrence_id in front]
    assert world.rows(recipient="leadership") and world.rows(recipient="coordinator")


def test_a_weekend_morning_defers_what_is_due_to_the_next_working_morning(world):
    """Tracking starts on Sunday 01/11/2026: the periods open, but their assignment is stamped for
    Monday's working morning; a dispatch after working hours leaves it for the next morning."""
    sunday, monday = at_local(dt.date(2026, 11, 1), 8, 0), at_local(dt.date(2026, 11, 2), 7, 30)
    assert run_pass(world.engine, world.plan, sunday).opened > 0
    assert world.rows("pending") == []  # nothing is stamped on a Sunday
    run_pass(world.engine, world.plan, monday)
    due = world.rows("pending")
    assert due and {r.next_attempt_at for r in due} == {monday}
    evening = at_local(dt.date(2026, 11, 2), 17, 30)
    result = world.dispatch(evening)
    assert (result.messages, result.deferred) == (0, len(due))
    assert world.deliveries() == [] and world.inbox_messages(KT) == []
    assert {r.id for r in world.rows("pending")} == {r.id for r in due}
    result = world.dispatch(at_local(dt.date(2026, 11, 3), 7, 30))
    assert result.deferred == 0 and result.messages >= 1
    assert {r.id for r in world.rows("sent")} >= {r.id for r in due}
    assert {local_date(r.sent_at) for r in world.rows("sent")} == {dt.date(2026, 11, 3)}
    assert len(world.inbox_messages(KT)) == 1
