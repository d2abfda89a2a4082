"""A unit says "Đã nhận, đang thực hiện" from its page (issue 16, point 3).

It gives the date it expects to finish (within limits) and a progress note; the repeats about the
item pause until that date, the coordinator sees it on their page, and it is audited. It is not an
extension: the deadline does not move, and the first notices that the item is overdue still go.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from htx_tasks.bootstrap import Context
from htx_tasks.core.acknowledgement import holds
from htx_tasks.core.zones import at_local, local_date
from htx_tasks.delivery.dispatcher import dispatch
from htx_tasks.engine import run_pass
from htx_tasks.links import COORDINATOR_SUBJECT
from htx_tasks.settings import Settings
from htx_tasks.store.answers import Acknowledgement, WebAudit
from htx_tasks.store.models import AuditEvent, Notification
from tests.webkit import OTHER_WARD, WARD, make_site

D = dt.date.fromisoformat
DUTY = "xa-theo-doi-htx"  # III.8.2, quarter IV/2026 due Thursday 10/12/2026


@pytest.fixture
def site(db_engine, plan, tmp_path):
    return make_site(db_engine, plan, tmp_path / "var")  # one pass on Friday 27/11/2026 09:00


def visible(html: str) -> str:
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def item_of(site, unit: str):
    return next(o for o in site.items(unit) if o.duty_code == DUTY and o.deadline == D("2026-12-10"))


def form_of(client: TestClient, url: str) -> dict[str, str]:
    page = client.get(url).text
    csrf = re.search(r'action="[^"]*/ack".*?name="csrf" value="([^"]+)"', page, re.S).group(1)
    version = re.search(r'action="[^"]*/ack".*?name="version" value="(\d+)"', page, re.S).group(1)
    return {"csrf": csrf, "version": version}


def acknowledge(site, unit: str, expected: str, progress: str = "Đã gửi phiếu khảo sát 12 hợp tác xã, đang tổng hợp"):
    item = item_of(site, unit)
    client = TestClient(site.app)
    url = f"/u/{site.token(unit)}/o/{item.id}"
    return client, url, client.post(f"{url}/ack", follow_redirects=True,
                                    data={**form_of(client, url), "expected": expected, "progress": progress})


def test_a_unit_acknowledges_from_its_page_and_the_coordinator_sees_it(site, plan):
    item = item_of(site, WARD)
    _, url, answer = acknowledge(site, WARD, "2026-12-21")
    assert answer.status_code == 200
    page = visible(answer.text)
    assert "Đã ghi nhận: đơn vị đã nhận, đang thực hiện" in page and "hạn giữ nguyên" in page
    assert "dự kiến hoàn thành Thứ Hai, 21/12/2026" in page or "dự kiến hoàn thành 21/12/2026" in page
    assert "Tiến độ: Đã gửi phiếu khảo sát 12 hợp tác xã, đang tổng hợp" in page
    assert site.occurrence(item.id).deadline == D("2026-12-10")  # not an extension
    assert site.occurrence(item.id).state == item.state and site.occurrence(item.id).version == item.version
    with Session(site.engine) as session:
        trail = session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == item.id,
                                                      AuditEvent.action == "acknowledge")).one()
        web = session.exec(select(WebAudit).where(WebAudit.action == "acknowledge")).one()
    assert trail.actor.startswith(WARD) or WARD in trail.actor, trail.actor
    assert trail.reason == "Dự kiến hoàn thành 21/12/2026: Đã gửi phiếu khảo sát 12 hợp tác xã, đang tổng hợp"
    assert (web.subject, web.outcome, web.detail) == (WARD, "done", "2026-12-21")
    assert "Đã nhận, đang thực hiện" in page.split("Lịch sử", 1)[1]  # the item's history says it too
    coordinator = visible(TestClient(site.app).get(f"/c/{site.token(COORDINATOR_SUBJECT)}").text)
    section = coordinator.split("Đơn vị báo đã nhận, đang thực hiện (1)", 1)[1]
    assert plan.unit_name(WARD) in section and "Tiến độ: Đã gửi phiếu khảo sát" in section
    assert f"mã theo dõi {item.id}" in section


@pytest.mark.parametrize(("expected", "words"), [
    ("2026-11-27", "Ngày dự kiến hoàn thành: ngày dự kiến hoàn thành phải sau hôm nay (27/11/2026)"),
    ("2027-03-01", "ngày dự kiến hoàn thành quá xa: chậm nhất 25/02/2027 (90 ngày)"),
    ("ngày mai", "Ngày dự kiến hoàn thành"),
])
def test_an_expected_date_out_of_limits_is_refused_in_words_and_nothing_is_written(site, expected, words):
    _, _, answer = acknowledge(site, WARD, expected)
    assert answer.status_code == 400 and words in visible(answer.text)
    with Session(site.engine) as session:
        assert session.exec(select(Acknowledgement)).all() == []
        refused = session.exec(select(WebAudit).where(WebAudit.action == "acknowledge")).one()
    assert refused.outcome != "done"


def test_a_stale_page_or_a_missing_csrf_token_writes_nothing(site):
    item = item_of(site, WARD)
    client = TestClient(site.app)
    url = f"/u/{site.token(WARD)}/o/{item.id}"
    seen = form_of(client, url)
    no_csrf = client.post(f"{url}/ack", data={"version": seen["version"], "expected": "2026-12-21", "progress": "x"})
    assert no_csrf.status_code == 403
    stale = client.post(f"{url}/ack", data={**seen, "version": str(int(seen["version"]) - 1),
                                            "expected": "2026-12-21", "progress": "Đang làm"})
    assert stale.status_code == 409 and "đã có người xử lý trước" in visible(stale.text)
    with Session(site.engine) as session:
        assert session.exec(select(Acknowledgement)).all() == []


def test_another_units_item_cannot_be_acknowledged(site):
    item = item_of(site, OTHER_WARD)
    client = TestClient(site.app)
    own = item_of(site, WARD)
    seen = form_of(client, f"/u/{site.token(WARD)}/o/{own.id}")
    answer = client.post(f"/u/{site.token(WARD)}/o/{item.id}/ack",
                         data={**seen, "expected": "2026-12-21", "progress": "Đang làm"})
    assert answer.status_code == 403


def test_repeats_pause_until_the_expected_date_and_first_notices_still_go(site, plan, tmp_path):
    """The ward acknowledges on 27/11 with 28/12/2026; the other ward does not. Passes and
    delivery every working morning to 29/01/2027: the acknowledged item gets no reminder and no repeat
    up to 28/12, but its first overdue notice (11/12) and escalations go; repeats resume after (the
    backoff's 10th working day is 25/12, held; the monthly one falls on 25/01/2027)."""
    acked, other = item_of(site, WARD), item_of(site, OTHER_WARD)
    acknowledge(site, WARD, "2026-12-28")
    day = D("2026-11-30")
    with Context(Settings(config_dir=plan.config_dir, var_dir=tmp_path / "out"), engine=site.engine) as ctx:
        while day <= D("2027-01-29"):
            if plan.calendar.is_working_day(day):
                now = at_local(day, 9)
                run_pass(site.engine, plan, now)
                dispatch(site.engine, plan, now, channels=ctx.channels, wall=now,
                         recipients={WARD, OTHER_WARD, "coordinator", "leadership"})
            day += dt.timedelta(days=1)
    with Session(site.engine) as session:
        rows = session.exec(select(Notification).where(Notification.occurrence_id.in_([acked.id, other.id]))).all()

    def sent(occurrence_id: int, kind: str, recipient: str | None = None) -> list[dt.date]:
        return sorted(local_date(r.due_at) for r in rows if r.occurrence_id == occurrence_id and r.kind == kind
                      and r.status == "sent" and (recipient is None or r.recipient == recipient))

    assert sent(other.id, "reminder") and sent(other.id, "repeat")  # what the acknowledgement holds back
    assert [d for d in sent(other.id, "repeat") if d <= D("2026-12-28")]
    assert sent(acked.id, "reminder") == []
    assert [d for d in sent(acked.id, "repeat") if d <= D("2026-12-28")] == []
    assert sent(acked.id, "overdue", WARD) == sent(other.id, "overdue", OTHER_WARD) != []  # not an extension
    assert sent(acked.id, "escalation") == sent(other.id, "escalation") != []
    assert [d for d in sent(acked.id, "repeat") if d > D("2026-12-28")]  # the pause ends
    held = [r for r in rows if r.occurrence_id == acked.id and r.status == "cancelled"]
    assert held and {r.kind for r in held} <= {"reminder", "repeat"}


@pytest.mark.parametrize(("kind", "to_unit", "until", "today", "held"), [
    ("repeat", True, "2026-12-21", "2026-12-21", True),  # through the expected date itself
    ("repeat", True, "2026-12-21", "2026-12-22", False),
    ("reminder", True, "2026-12-21", "2026-12-09", True),
    ("reminder", False, "2026-12-21", "2026-12-09", False),  # a coordinating unit's copy still goes
    ("repeat", False, "2026-12-21", "2026-12-18", True),  # repeated to the coordinator or leadership
    ("overdue", True, "2026-12-21", "2026-12-11", False),  # the first notice: the deadline did not move
    ("escalation", False, "2026-12-21", "2026-12-15", False),
    ("repeat", True, None, "2026-12-18", False),
])
def test_what_an_acknowledgement_holds(kind, to_unit, until, today, held):
    assert holds(kind, to_unit=to_unit, until=D(until) if until else None, today=D(today)) is held
