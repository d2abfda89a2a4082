"""Unit runs and the coordinator's board: state names, unit tables, dispatch, the board's content
and links, and the link key from a Prefect Secret block.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from flowkit import CONFIG_DIR, KT, MONDAY, QLDT, TCKH, TTVH, WARDS, _version, _ward_occurrence, count, markdown, table
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.board import coordinator_board
from flows.common import using
from flows.units import follow_up_unit
from htx_tasks import followup
from htx_tasks.board import BOARD_KEY
from htx_tasks.bootstrap import Context
from htx_tasks.core.zones import at_local
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.settings import Settings
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Delivery, Notification, Occurrence

# --------------------------------------------------------------------------- unit runs


@pytest.mark.parametrize(
    ("unit", "state_type", "state_name", "message"),
    [
        (KT, "COMPLETED", "Đúng tiến độ", "4 nhiệm vụ đang mở."),  # due 21/12 and 25/12, "due soon" from 16/12
        (QLDT, "COMPLETED", "Sắp đến hạn", "1 sắp đến hạn"),
        (TCKH, "COMPLETED", "Đúng tiến độ", "1 nhiệm vụ đang mở."),
        (WARDS, "FAILED", "Quá hạn", "30 nhiệm vụ đang mở, 30 quá hạn"),
    ],
)
def test_a_unit_run_ends_in_a_state_named_for_its_standing(installed: Engine, unit, state_type, state_name,
                                                           message) -> None:
    state = follow_up_unit(unit=unit, now=MONDAY, return_state=True)
    assert (state.type.value, state.name) == (state_type, state_name)
    assert message in state.message and "07:30 14/12/2026" in state.message


def test_the_unit_table_lists_its_obligations_in_vietnamese(installed: Engine) -> None:
    follow_up_unit(unit=TTVH, now=MONDAY, return_state=True)
    rows = table(followup.artifact_key(TTVH))
    assert list(rows[0]) == ["Số", "Mục", "Kỳ", "Hạn", "Hạn do", "Trạng thái", "Còn / quá hạn", "Đôn đốc",
                             "Nhắc gần nhất", "Nhiệm vụ", "Phiên bản"]
    # what a coordinator's decision on the form sends back
    assert {r["Số"]: r["Phiên bản"] for r in rows} == {r["Số"]: _version(installed, r["Số"]) for r in rows}
    by_period = {r["Kỳ"]: r for r in rows}
    overdue = by_period["tháng 11/2026"]
    assert overdue["Hạn"] == "25/11/2026" and overdue["Trạng thái"] == "Quá hạn, đã báo cấp trên"
    assert overdue["Hạn do"] == "cơ quan thường trực"  # the plan sets no deadline: the standing office does
    assert overdue["Còn / quá hạn"].startswith("quá hạn 19 ngày")
    assert overdue["Đôn đốc"] == "Đã báo lãnh đạo UBND"
    assert overdue["Nhắc gần nhất"].endswith("/2026")
    soon = by_period["tháng 12/2026"]
    assert (soon["Hạn"], soon["Còn / quá hạn"], soon["Đôn đốc"]) == ("25/12/2026", "còn 11 ngày", "—")
    follow_up_unit(unit=KT, now=MONDAY, return_state=True)
    rows = table(followup.artifact_key(KT))
    with Session(installed) as session:
        open_ids = set(session.exec(select(Occurrence.id).where(Occurrence.unit_code == KT)).all())
    assert {r["Số"] for r in rows} == open_ids


def test_the_ward_group_table_has_a_row_per_ward_and_duty(installed: Engine, plan: Plan) -> None:
    follow_up_unit(unit=WARDS, now=MONDAY, return_state=True)
    rows = table(followup.artifact_key(WARDS))
    assert Counter((r["Đơn vị"], r["Mục"]) for r in rows) == Counter(
        {(plan.unit_name(w), ref): 1 for w in plan.members(WARDS) for ref in ("III.8.1", "III.8.2")}
    )
    assert {r["Trạng thái"] for r in rows} == {"Quá hạn"}
    assert {r["Đôn đốc"] for r in rows} == {"Đã báo đơn vị"}


def test_a_unit_run_dispatches_to_the_unit_and_the_board_to_coordinator_and_leadership(installed: Engine,
                                                                                        tmp_path: Path) -> None:
    follow_up_unit(unit=TTVH, now=MONDAY, return_state=True)
    assert count(installed, Notification, Notification.recipient == TTVH, Notification.status == "pending") == 0
    assert count(installed, Notification, Notification.recipient == TTVH, Notification.status == "sent") > 0
    for role in ("coordinator", "leadership"):
        assert count(installed, Notification, Notification.recipient == role, Notification.status == "pending") > 0
    assert count(installed, Delivery, Delivery.recipient == TTVH) == 1  # one digest
    inbox = tmp_path / "var" / "inbox"
    assert (inbox / f"{TTVH}.txt").exists() and not (inbox / "coordinator.txt").exists()

    state = coordinator_board(now="2026-12-14T08:00", return_state=True)
    assert state.name == "Đã cập nhật"
    for role in ("coordinator", "leadership"):
        assert count(installed, Notification, Notification.recipient == role, Notification.status == "pending") == 0
        assert count(installed, Delivery, Delivery.recipient == role) == 1
    assert "Trung tâm Văn hóa – Thông tin và Thể thao" in (inbox / "coordinator.txt").read_text(encoding="utf-8")
    assert "Báo cáo lãnh đạo: 1 nhiệm vụ quá hạn của 1 đơn vị" in (inbox / "leadership.txt").read_text(encoding="utf-8")


def test_the_board_shows_outcomes_overdue_items_todays_escalations_and_rates(installed: Engine) -> None:
    plan = load_plan(CONFIG_DIR)
    for day in (10, 11, 14, 15):  # every unit followed up each working morning (the engine, directly)
        run_pass(installed, plan, at_local(dt.date(2026, 12, day), 7, 30))
    state = coordinator_board(now="2026-12-15T08:00", return_state=True)
    text = markdown(BOARD_KEY)
    assert text.startswith("# Bảng theo dõi chung — Thứ Ba, 15/12/2026")
    assert "| III.8 | UBND các xã, phường | 30 | 0 | 0 | 0 | 30 | 0,0 % |" in text
    assert "## III.8 UBND các xã, phường: từng đơn vị" in text
    assert "| UBND phường Ba Ngòi | 2 | 0 | 0 | 0 | 2 | 0,0 % |" in text
    overdue = text.split("## Nhiệm vụ quá hạn (")[1].split("\n## ")[0]
    assert overdue.startswith("31)")  # 30 ward reports and the Centre's November report
    assert "| UBND xã Cam Bình | III.8.1 | quý IV/2026 | 10/12/2026 | cơ quan thường trực | 5 ngày (2 ngày làm việc) |" \
        in overdue
    # the six organisations are asked (III.7), not assigned: never in the overdue table nor in the units' rates
    asked = text.split("## Nội dung đề nghị phối hợp đã qua mốc trao đổi kết quả (")[1].split("\n## ")[0]
    assert asked.startswith("6)") and "Hội Nông dân thành phố" not in overdue
    assert ("| Hội Nông dân thành phố | III.7 | 6 tháng cuối năm 2026 | 10/12/2026 | 5 ngày (2 ngày làm việc) | "
            "Đã qua mốc, cơ quan thường trực đang trao đổi | Cơ quan thường trực trao đổi |") in asked
    assert "| III.7 | Hội Nông dân thành phố | 1 | 1 | 0 | 1 | 0 |" in text  # asked, due, informed, not yet, not due
    assert "| III.7 | UBMTTQ và các đoàn thể |" not in text and "quá hạn" not in asked.lower()
    escalations = text.split("## Đôn đốc, trao đổi trong ngày 15/12/2026 (")[1].split("\n## ")[0]
    assert escalations.startswith("36)")  # the wards' and the organisations' 2nd working day late
    assert "Đôn đốc (báo cơ quan thường trực) | UBND phường Ba Ngòi, Phòng Kinh tế (cơ quan thường trực) |" in escalations
    assert "| Trao đổi | Phòng Kinh tế (cơ quan thường trực) |" in escalations  # not sent to the Front
    assert "| III.1 | Phòng Kinh tế | 4 | 0 | 0 | 4 | 0 | — |" in text
    assert "| III.2 | Phòng Tài chính – Kế hoạch | 1 | 0 | 0 | 1 | 0 | — |" in text
    # Section II groups: duties, on-time rate, overdue count
    # the organisations' six requests are not counted in the group's rate nor as overdue
    assert "| II.5 | Huy động các lực lượng xã hội, các tổ chức đoàn thể | 2 | 15 | 0 | 0,0 % | 15 |" in text
    assert "| II.2 | Tiếp tục triển khai có hiệu quả các chính sách khuyến khích, hỗ trợ phát triển kinh tế tập thể " \
           "| 4 | 0 | 0 | — | 0 |" in text
    assert ("Nguồn của hạn: 0 nhiệm vụ có hạn do kế hoạch quy định, 17 nhiệm vụ có hạn do cơ quan thường trực "
            "định để theo dõi, 1 nhiệm vụ có hạn theo quy định của pháp luật. Nguồn nhiệm vụ: 17 nhiệm vụ Kế hoạch "
            "giao, 1 nhiệm vụ do cơ quan thường trực bổ sung để theo dõi.") in text
    # dated duties whose window is over are listed, not silently dropped
    ended = text.split("## Nhiệm vụ đã hết thời gian áp dụng (")[1].split("\n## ")[0]
    assert ended.startswith("4)") and "| III.1.4 |" in ended and "từ 01/01/2021 đến 31/12/2025" in ended
    assert ("31 nhiệm vụ quá hạn, 30 việc đôn đốc hôm nay, 6 nội dung đề nghị phối hợp đã qua mốc "
            "(6 việc trao đổi hôm nay)") in state.message


def test_the_link_key_can_come_from_a_prefect_secret_block(prefect_api: str) -> None:
    from prefect.blocks.system import Secret

    from htx_tasks.links import load_key

    Secret(value="khoa-lien-ket-" + "z" * 24).save("htx-link-key-test", overwrite=True)
    assert load_key(Settings(link_secret_block="htx-link-key-test")) == "khoa-lien-ket-" + "z" * 24


def test_the_board_links_to_the_coordinators_login_page_never_to_a_signed_link(installed: Engine) -> None:
    from htx_tasks.services import Actor
    from htx_tasks.services.extensions import RequestExtension, request_extension

    # the flows run on a context of the test's own: the installation's settings, a web address and a key
    settings = Settings.from_env().replace(web_url="http://127.0.0.1:8300/", link_key="k" * 32)
    with Context(settings) as ctx, using(ctx):
        follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
        with session_scope(installed) as session:
            request_extension(session, ctx.plan, Actor.of_unit("phuong-ba-ngoi", "cli:t"),
                              RequestExtension.parse(occurrence=_ward_occurrence(installed, "phuong-ba-ngoi"),
                                                     proposed="2027-01-15", reason="Chờ số liệu",
                                                     expected_version=_version(installed, _ward_occurrence(
                                                         installed, "phuong-ba-ngoi"))),
                              now=at_local(dt.date(2026, 12, 8), 9))
        coordinator_board(now="2026-12-14T08:00", return_state=True)
    board = markdown(BOARD_KEY)
    assert "## Đề nghị gia hạn chờ quyết định (1)" in board
    assert "[Duyệt báo cáo và đề nghị gia hạn](http://127.0.0.1:8300/dang-nhap)" in board
    assert "/c/" not in board
