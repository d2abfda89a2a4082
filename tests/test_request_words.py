"""Requests read as requests on every surface (issue 15, point 4): the plan *asks* the Fatherland
Front and the organisations (III.7). Past its date a request is not "Quá hạn", is never listed as
overdue, and every surface reads it through the one view of an item, at ``now``: a page opened
days after the last pass shows where the item stands now, not where the pass left it.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from htx_tasks.board import build_board, render_markdown
from htx_tasks.core.lifecycle import State
from htx_tasks.core.zones import at_local
from htx_tasks.links import COORDINATOR_SUBJECT
from tests.webkit import WARD, make_site

FRONT = "ubmttq-thanh-pho"
PAST = at_local(dt.date(2026, 12, 15), 9)  # the half-year's date was Thursday 10/12/2026
ORDER_WORDS = re.compile(r"quá hạn|giao|đôn đốc|báo cáo hoàn thành|gia hạn|nhiệm vụ", re.IGNORECASE)


@pytest.fixture
def site(db_engine, plan, tmp_path):
    return make_site(db_engine, plan, tmp_path / "var")  # one pass on 27/11/2026, none since


def visible(html: str) -> str:
    """The text a person reads (tags, the style sheet and attributes dropped)."""
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_fronts_page_past_its_date_asks_and_never_says_overdue(site, plan):
    (item,) = [o for o in site.items(FRONT) if State(o.state).active]
    assert item.deadline == dt.date(2026, 12, 10) and item.state in ("open", "due_soon")  # stale since 27/11
    site.clock.now = PAST
    client = TestClient(site.app)
    token = site.token(FRONT)
    page = visible(client.get(f"/u/{token}").text)
    assert "Đã qua mốc trao đổi" in page and "đã qua mốc 2 ngày làm việc" in page
    assert "Gửi thông tin kết quả · Đề nghị lùi mốc" in page and "Mốc trao đổi kết quả: " in page
    assert not ORDER_WORDS.search(page.split(plan.unit_name(FRONT), 2)[-1]), page
    detail = visible(client.get(f"/u/{token}/o/{item.id}").text)
    assert "Trao đổi kết quả" in detail and "Nội dung đề nghị: " in detail and "Đề nghị lùi mốc" in detail
    assert "Đề nghị phối hợp" in detail  # the history: the item was opened as a request
    assert not ORDER_WORDS.search(detail.split("Căn cứ: ")[0].split(plan.unit_name(FRONT), 2)[-1]), detail
    # a ward on the same morning, also not passed since: its work is overdue, and says so
    ward = visible(client.get(f"/u/{site.token(WARD)}").text)
    assert "Quá hạn" in ward and "quá hạn 2 ngày làm việc" in ward


def test_the_front_reports_results_in_a_requests_words_and_the_coordinator_reads_them(site, plan):
    (item,) = [o for o in site.items(FRONT) if State(o.state).active]
    client = TestClient(site.app)
    token = site.token(FRONT)
    page = client.get(f"/u/{token}/o/{item.id}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # the version the page showed
    sent = client.post(f"/u/{token}/o/{item.id}/report", follow_redirects=True,
                       data={"csrf": csrf, "version": version, "note": "Đã tuyên truyền tại 12 khu dân cư",
                             "evidence_url": "https://example.org/ket-qua"})
    text = visible(sent.text)
    assert "Đã gửi thông tin kết quả. Cơ quan thường trực sẽ tiếp nhận" in text
    assert "Đã gửi thông tin kết quả, chờ tiếp nhận" in text and "Gửi thông tin kết quả" in text
    assert "Báo cáo" not in text.split(plan.unit_name(FRONT), 2)[-1].split("Căn cứ: ")[0]
    queue = visible(client.get(f"/c/{site.token(COORDINATOR_SUBJECT)}").text)
    assert "Đã gửi thông tin kết quả, chờ tiếp nhận" in queue and "Gửi thông tin lúc" in queue


def test_status_shows_requests_in_their_words_and_never_among_overdue(run_cli):
    assert run_cli("init").exit_code == 0
    assert run_cli("tick", "--now", "2026-11-27T09:00", "--no-dispatch").exit_code == 0
    rows = json.loads(run_cli("status", "--json", "--unit", "ubmttq-doan-the", "--now", "2026-12-15T09:00").stdout)
    assert len(rows) == 6 and all(r["request"] and not r["overdue"] and r["past"] for r in rows)
    assert {(r["state"], r["state_label"], r["timing"]) for r in rows} == {
        ("overdue", "Đã qua mốc trao đổi", "đã qua mốc 2 ngày làm việc")}
    table = run_cli("status", "--unit", "ubmttq-doan-the", "--now", "2026-12-15T09:00").stdout
    assert table.count("Đã qua mốc trao đổi") == 6 and "quá hạn" not in table.lower()
    shown = run_cli("show", str(rows[0]["id"]), "--now", "2026-12-15T09:00").stdout
    assert "Mốc trao đổi kết quả: Thứ Năm, 10/12/2026 (đã qua mốc 2 ngày làm việc)" in shown
    assert "Trạng thái: Đã qua mốc trao đổi" in shown and "quá hạn" not in shown.lower()
    data = json.loads(run_cli("show", str(rows[0]["id"]), "--json", "--now", "2026-12-15T09:00").stdout)
    assert (data["state"], data["state_now"], data["request"]) == ("open", "overdue", True)  # stored on 27/11 vs now
    overdue = json.loads(run_cli("status", "--json", "--overdue", "--now", "2026-12-15T09:00").stdout)
    assert overdue and not {r["unit"] for r in overdue} & {FRONT, "hoi-nong-dan-thanh-pho"}
    assert all(r["state_label"].startswith("Quá hạn") for r in overdue)


def test_the_board_lists_requests_apart_from_overdue_work(site, plan):
    with Session(site.engine) as session:
        board = build_board(session, plan, PAST)
    assert board.overdue and all(not r.request for r in board.overdue)
    assert {r.unit for r in board.past_date} == set(plan.members("ubmttq-doan-the"))
    assert "ubmttq-doan-the" not in {line.unit for line in board.units}
    text = render_markdown(board, plan)
    overdue = text.split("## Nhiệm vụ quá hạn (")[1].split("\n## ")[0]
    asked = text.split("## Nội dung đề nghị phối hợp đã qua mốc trao đổi kết quả (6)")[1].split("\n## ")[0]
    assert plan.unit_name(FRONT) not in overdue and plan.unit_name(FRONT) in asked
    assert "quá hạn" not in asked.lower() and "Đã qua mốc trao đổi" in asked


def test_the_fronts_message_asks_in_the_name_of_ubnd_and_offers_its_page_in_a_requests_words(plan):
    from htx_tasks.core.zones import at_local
    from htx_tasks.delivery.messages import make_item, render_digest

    now = at_local(dt.date(2026, 12, 11), 9)
    item = make_item(plan, occurrence_id=8, kind="overdue", level=0, unit=FRONT, duty="mttq-tuyen-truyen",
                     period="6 tháng cuối năm 2026", deadline=dt.date(2026, 12, 10), now=now)
    message = render_digest(plan, FRONT, [item], now, page_link="https://theodoi.example/u/t")
    for body in (message.text, message.markdown):
        assert "nội dung Ủy ban nhân dân thành phố Cam Ranh đề nghị phối hợp" in body
        assert "Trang của quý cơ quan" in body and "quý cơ quan; vui lòng không chuyển" in body
        assert "mốc do cơ quan thường trực định để theo dõi" in body
        assert not ORDER_WORDS.search(body.split("Kính gửi", 1)[1]), body
        assert "htx-tasks" not in body and "Prefect" not in body


def test_the_prefect_table_of_the_organisations_reads_as_requests(site, plan):
    from htx_tasks.followup import standing

    with Session(site.engine) as session:
        front = standing(session, plan, "ubmttq-doan-the", PAST)
    rows = front.table()
    assert rows and list(rows[0])[:9] == ["Số", "Tổ chức", "Mục", "Kỳ", "Mốc", "Mốc do", "Tình trạng",
                                          "Còn / đã qua mốc", "Trao đổi"]
    assert "Nội dung đề nghị" in rows[0] and "Nhiệm vụ" not in rows[0]
    cells = " ".join(str(v) for row in rows for v in row.values()) + " " + front.message()
    assert not ORDER_WORDS.search(cells), cells
    assert "6 nội dung đề nghị phối hợp đang mở" in front.message()
