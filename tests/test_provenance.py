"""Provenance of duties as well as deadlines (issue 16, point 6).

The III.1 report duty is not in the plan's Section III.1 (six items, none a report): the standing
office added it, and every surface says so. III.2.2's three working days come from a legal text:
``deadline_source: law`` with its citation, shown wherever the deadline's source is. ``validate``
counts each kind.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from htx_tasks.board import build_board, render_markdown
from htx_tasks.core.zones import at_local
from htx_tasks.delivery.messages import make_item, render_digest
from htx_tasks.plan.loader import ConfigError, load_plan
from tests.webkit import make_site

D = dt.date.fromisoformat
ADDED = "Nhiệm vụ do cơ quan thường trực bổ sung để theo dõi, Kế hoạch không nêu"
KT, TCKH = "phong-kinh-te", "phong-tai-chinh-ke-hoach"


def test_validate_counts_each_kind_of_deadline_and_of_duty(run_cli):
    data = json.loads(run_cli("validate", "--json").stdout)
    assert data["deadline_source"] == {"plan": 0, "coordinator": 17, "law": 1}
    assert data["origin"] == {"plan": 17, "coordinator": 1}
    text = run_cli("validate").stdout
    assert "1 nhiệm vụ có hạn do pháp luật định" in text
    assert "Nguồn nhiệm vụ: 17 nhiệm vụ kế hoạch giao, 1 nhiệm vụ do cơ quan thường trực bổ sung" in text


def test_a_deadline_from_the_law_names_its_text_in_the_message(plan):
    now = at_local(D("2027-03-01"), 9)
    case = make_item(plan, occurrence_id=7, kind="assigned", level=-1, unit=TCKH, duty="tckh-thu-tuc",
                     period="hồ sơ HTX-DAT-07", deadline=D("2027-03-04"), now=now)
    text = render_digest(plan, TCKH, [case], now).text
    assert "hạn theo Nghị định số 92/2024/NĐ-CP" in text and "hạn do cơ quan thường trực định" not in text


def test_a_law_deadline_without_its_text_is_refused(tmp_path, config_dir):
    for name in ("plan.yaml", "calendar.yaml", "channels.yaml", "registry.yaml"):
        (tmp_path / name).write_text((config_dir / name).read_text(encoding="utf-8"), encoding="utf-8")
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(plan_file.read_text(encoding="utf-8").replace(
        "    deadline_basis: Nghị định số 92/2024/NĐ-CP\n", ""), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"plan\.yaml:\d+: hạn theo pháp luật \(deadline_source: law\) cần nêu văn bản"):
        load_plan(tmp_path)


def test_the_added_report_duty_says_so_in_its_message(plan):
    now = at_local(D("2027-01-18"), 9)
    report = make_item(plan, occurrence_id=4, kind="assigned", level=-1, unit=KT, duty="kt-bao-cao-tong-hop",
                       period="6 tháng đầu năm 2027", deadline=D("2027-06-25"), now=now)
    own = make_item(plan, occurrence_id=1, kind="assigned", level=-1, unit=KT, duty="kt-thanh-lap-htx",
                    period="quý I/2027", deadline=D("2027-03-22"), now=now)
    message = render_digest(plan, KT, [report, own], now)
    for body in (message.text, message.markdown):
        assert body.count(ADDED) == 1, body  # the report duty, not the plan's own III.1.2
    late = make_item(plan, occurrence_id=4, kind="escalation", level=1, unit=KT, duty="kt-bao-cao-tong-hop",
                     period="6 tháng đầu năm 2027", deadline=D("2027-06-25"), now=at_local(D("2027-07-01"), 9),
                     recipient="leadership")
    assert ADDED.lower() in render_digest(plan, "leadership", [late], at_local(D("2027-07-01"), 9)).text


def test_the_added_duty_and_the_law_read_so_on_the_pages_and_the_board(db_engine, plan, tmp_path):
    site = make_site(db_engine, plan, tmp_path / "var")
    report = next(o for o in site.items(KT) if o.duty_code == "kt-bao-cao-tong-hop")
    page = TestClient(site.app).get(f"/u/{site.token(KT)}/o/{report.id}").text
    assert re.search(r"Căn cứ: " + ADDED + r" \(theo dõi cùng Mục III\.1,", page), page
    with Session(site.engine) as session:
        board = build_board(session, plan, at_local(D("2027-01-05"), 9))
    text = render_markdown(board, plan)
    assert "1 nhiệm vụ có hạn theo quy định của pháp luật" in text
    assert "Nguồn nhiệm vụ: 17 nhiệm vụ Kế hoạch giao, 1 nhiệm vụ do cơ quan thường trực bổ sung để theo dõi." in text
