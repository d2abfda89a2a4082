"""The Prefect flows: deployments from the plan, state names, artifacts, dispatch, the form,
catch-up of missed runs, overlapping runs, and the deployments served against a real server.

Flows run under one session-scoped ``prefect_test_harness`` (heartbeat off). Every run is given
its instant (``now``, or a scheduled time of a flow run): the real clock is never asserted on.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the flows/ package sits next to htx_tasks/

from prefect import get_client
from prefect.artifacts import Artifact
from prefect.exceptions import ObjectNotFound
from prefect.flow_engine import run_flow
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    temporary_settings,
)
from prefect.states import Scheduled
from prefect.testing.utilities import prefect_test_harness

from flows import deployments
from flows.board import coordinator_board
from flows.common import using
from flows.indicators import indicators
from flows.record import confirm_registry_form, record_result
from flows.report import consolidated_report
from flows.retry import retry_deliveries
from flows.serve import web_healthy
from flows.units import follow_up_unit
from htx_tasks import clock, followup
from htx_tasks.board import BOARD_KEY
from htx_tasks.bootstrap import Context
from htx_tasks.core import zones
from htx_tasks.core.zones import at_local
from htx_tasks.engine import run_pass
from htx_tasks.followup import Action
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.registry.models import RegistryUpdate
from htx_tasks.settings import Settings
from htx_tasks.store.db import make_engine, session_scope, upgrade
from htx_tasks.store.models import AuditEvent, Delivery, Notification, Occurrence, Submission

CONFIG_DIR = ROOT / "config"
KT, TCKH, QLDT, TTVH = "phong-kinh-te", "phong-tai-chinh-ke-hoach", "phong-quan-ly-do-thi", "trung-tam-vhtt-tt"
WARDS = "ubnd-xa-phuong"
MONDAY = "2026-12-14T07:30"  # ward reports were due Thursday 10/12; Quản lý đô thị's is due 15/12
TUESDAY = "2026-12-15T07:30"  # the wards' reports are two whole working days late: the coordinator hears
WARD = "phuong-ba-ngoi"
PERSON = "Nguyễn Thị Lan"  # who fills a form in: the Prefect server has no users
SECTION_III = {
    "III.1": KT, "III.2": TCKH, "III.3": QLDT, "III.4": "phong-tai-nguyen-moi-truong",
    "III.5": "phong-van-hoa-thong-tin", "III.6": TTVH, "III.7": "ubmttq-doan-the", "III.8": WARDS,
}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def prefect_api() -> str:
    """One temporary Prefect server for the whole session, flow heartbeats off."""
    with (
        temporary_settings({PREFECT_SERVER_ANALYTICS_ENABLED: False}),
        prefect_test_harness(server_startup_timeout=90),
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield PREFECT_API_URL.value()


def _install(root: Path, monkeypatch: pytest.MonkeyPatch, *, tracking_from: str | None = None) -> Engine:
    """A throw-away installation the flows find through the environment: config, var, SQLite."""
    config = root / "config"
    shutil.copytree(CONFIG_DIR, config)
    if tracking_from:
        plan_file = config / "plan.yaml"
        text = plan_file.read_text(encoding="utf-8")
        plan_file.write_text(text.replace("tracking_from: 2026-11-01", f"tracking_from: {tracking_from}"),
                             encoding="utf-8")
    url = f"sqlite:///{root / 'htx.db'}"
    monkeypatch.setenv("HTX_CONFIG_DIR", str(config))
    monkeypatch.setenv("HTX_VAR_DIR", str(root / "var"))
    monkeypatch.setenv("HTX_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    return engine


@pytest.fixture
def installed(prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Installed at the start of tracking: its first pass ran on Monday 2/11/2026, so what falls
    due later is followed up (a first pass on the day of a test would not open periods that are
    already due: nothing is born overdue)."""
    engine = _install(tmp_path, monkeypatch)
    run_pass(engine, load_plan(tmp_path / "config"), at_local(dt.date(2026, 11, 2), 7, 30))
    yield engine
    engine.dispose()


def table(key: str) -> list[dict]:
    artifact = Artifact.get(key)
    assert artifact is not None, f"no artifact {key}"
    data = artifact.data
    return json.loads(data) if isinstance(data, str) else data


def markdown(key: str) -> str:
    artifact = Artifact.get(key)
    assert artifact is not None, f"no artifact {key}"
    return artifact.data


def count(engine: Engine, model, *where) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def notification_keys(engine: Engine) -> list[tuple]:
    with Session(engine) as session:
        rows = session.exec(select(Notification).order_by(Notification.due_at, Notification.id)).all()
        return [(r.occurrence_id, r.kind, r.level, r.due_at, r.recipient, r.status, r.sent_at) for r in rows]


# --------------------------------------------------------------------------- deployments from the plan


def test_section_iii_gives_eight_units_and_the_ward_group_is_one(plan: Plan) -> None:
    units = followup.section_units(plan)
    assert {u.ref: u.code for u in units} == SECTION_III
    assert len(plan.members(WARDS)) == 15
    assert followup.section_unit_of(plan, "phuong-ba-ngoi") == WARDS
    assert followup.section_unit_of(plan, KT) == KT


def test_deployments_are_generated_from_the_plan_with_vietnamese_names_and_local_schedules(plan: Plan) -> None:
    specs = deployments.specs(plan)
    units = [s for s in specs if s.flow is follow_up_unit]
    assert units[0].name == "III.1 — Phòng Kinh tế"
    assert len(units) == 8
    for spec, (ref, code) in zip(units, SECTION_III.items(), strict=True):
        unit = plan.unit(code)
        assert spec.name == f"{ref} — {unit.short_name or unit.name}"
        assert f"Mục {ref}" in spec.description
        assert spec.parameters["unit"].unfreeze() == code
        [schedule] = spec.schedules
        assert (schedule.cron, schedule.timezone) == ("30 7 * * 1-6", "Asia/Ho_Chi_Minh")
    ward_spec = units[-1]
    assert "III.8.1" in ward_spec.description and "phường Ba Ngòi" in ward_spec.description
    [board] = [s for s in specs if s.flow is coordinator_board]
    assert (board.schedules[0].cron, board.schedules[0].timezone) == ("0 8 * * 1-6", "Asia/Ho_Chi_Minh")
    [form] = [s for s in specs if s.flow is record_result]
    assert form.name == "Ghi nhận kết quả" and form.schedules == []
    [retry] = [s for s in specs if s.flow is retry_deliveries]
    assert (retry.schedules[0].cron, retry.schedules[0].timezone) == ("*/15 7-16 * * 1-6", "Asia/Ho_Chi_Minh")


def test_the_retry_flow_resends_failed_rows_only_and_leaves_fresh_ones_for_their_digest(installed: Engine) -> None:
    follow_up_unit(unit=WARDS, now=TUESDAY, return_state=True)
    with Session(installed) as session:  # one of the unit's rows failed once and its backoff ran out
        row = session.exec(select(Notification).where(Notification.recipient == WARD)).first()
        row.status, row.attempts, row.sent_at = "pending", 1, None
        row.next_attempt_at = at_local(dt.date(2026, 12, 15), 7, 40)
        session.add(row)
        session.commit()
        failed_id = row.id
    fresh = count(installed, Notification, Notification.recipient == "coordinator", Notification.status == "pending")
    assert fresh > 0

    state = retry_deliveries(now="2026-12-15T07:45", return_state=True)

    assert state.name == "Đã gửi lại"
    with Session(installed) as session:
        assert session.get(Notification, failed_id).status == "sent"
    assert count(installed, Notification, Notification.recipient == "coordinator",
                 Notification.status == "pending") == fresh


def test_the_record_form_offers_the_actions_and_the_plan_units(plan: Plan) -> None:
    form = next(d for d in deployments.runner_deployments(plan) if d.name == "Ghi nhận kết quả")
    schema = form._parameter_openapi_schema
    props = schema.properties
    assert schema.required == ["occurrence", "actor", "person"]  # the UI asks for the name before it runs
    assert props["occurrence"]["title"] == "Số nhiệm vụ" and props["occurrence"]["type"] == "integer"
    assert props["person"]["title"] == "Họ tên người thao tác"
    assert props["actor"]["title"] == "Người ghi nhận"
    assert props["actor"]["enum"][0] == "co-quan-thuong-truc"
    assert "phuong-ba-ngoi" in props["actor"]["enum"] and WARDS not in props["actor"]["enum"]
    assert schema.definitions["Action"]["enum"] == [a.value for a in Action]
    assert props["new_deadline"]["anyOf"][0] == {"format": "date", "type": "string"}
    unit = next(d for d in deployments.runner_deployments(plan) if d.name.startswith("III.1 "))
    assert unit._parameter_openapi_schema.properties["unit"]["readOnly"] is True


def test_a_renamed_unit_or_new_plan_needs_no_code(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    plan_file = config / "plan.yaml"
    plan_file.write_text(
        plan_file.read_text(encoding="utf-8").replace("name: Phòng Quản lý đô thị", "name: Phòng Xây dựng"),
        encoding="utf-8")
    names = [s.name for s in deployments.specs(load_plan(config))]
    assert "III.3 — Phòng Xây dựng" in names


def test_due_soon_follows_each_duty_policy_and_overdue_outranks_it(plan: Plan, tmp_path: Path) -> None:
    """The standing without Prefect: a case (due soon 1 working day before) next to quarterly reports."""
    from actions import open_case

    engine = make_engine(f"sqlite:///{tmp_path / 'htx.db'}")
    upgrade(engine)
    received = dt.date(2026, 12, 14)  # Monday: due Thursday 17/12 (3 working days)
    with session_scope(engine) as session:
        case = open_case(session, plan, "tckh-thu-tuc", unit=TCKH, kind="dang-ky", received=received,
                         ref="HS-1", now=at_local(received, 9)).id
    seen = {}
    for day in (15, 16, 18):
        now = at_local(dt.date(2026, 12, day), 7, 30)
        run_pass(engine, plan, now, units={TCKH})
        with Session(engine) as session:
            seen[day] = followup.standing(session, plan, TCKH, now)
    # the default policy would call it due soon from Monday; this duty's policy says 1 working day
    assert case not in seen[15].due_soon_ids and case in seen[16].due_soon_ids
    assert seen[16].standing is followup.Standing.DUE_SOON
    assert case in seen[18].overdue_ids and seen[18].standing is followup.Standing.OVERDUE
    first = seen[18].table()[0]
    assert (first["Số"], first["Còn / quá hạn"]) == (case, "quá hạn 1 ngày")  # what needs action comes first
    engine.dispose()


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
    assert "Nguồn của hạn: 0 nhiệm vụ có hạn do kế hoạch quy định, 18 nhiệm vụ có hạn do cơ quan thường trực " \
           "định để theo dõi." in text
    # dated duties whose window is over are listed, not silently dropped
    ended = text.split("## Nhiệm vụ đã hết thời gian áp dụng (")[1].split("\n## ")[0]
    assert ended.startswith("4)") and "| III.1.4 |" in ended and "từ 01/01/2021 đến 31/12/2025" in ended
    assert ("31 nhiệm vụ quá hạn, 30 việc đôn đốc hôm nay, 6 nội dung đề nghị phối hợp đã qua mốc "
            "(6 việc trao đổi hôm nay)") in state.message


# --------------------------------------------------------------------------- the form


def _ward_occurrence(engine: Engine, ward: str, ref_duty: str = "xa-tuyen-truyen") -> int:
    with Session(engine) as session:
        return session.exec(select(Occurrence.id).where(Occurrence.unit_code == ward,
                                                         Occurrence.duty_code == ref_duty)).one()


def _version(engine: Engine, occurrence: int) -> int:
    """The occurrence's version, as the unit table's "Phiên bản" column shows it."""
    with Session(engine) as session:
        return session.get(Occurrence, occurrence).version


def _audit(engine: Engine, occurrence: int) -> list[tuple]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == occurrence).order_by(AuditEvent.id))
        return [(a.action, a.actor, a.role, (a.via or "").split(":")[0]) for a in rows]


def test_the_form_records_a_completion_and_the_board_shows_it(installed: Engine) -> None:
    follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
    occurrence = _ward_occurrence(installed, "phuong-ba-ngoi")
    state = record_result(person=PERSON, occurrence=occurrence, actor="phuong-ba-ngoi", action=Action.SUBMIT,
                          note="Đã tổ chức 3 hội nghị tuyên truyền", evidence="https://camranh.gov.vn/tt/1",
                          now="2026-12-08T09:00", return_state=True)
    assert state.name == "Đã ghi nhận" and "chờ cơ quan thường trực duyệt" in state.message
    ward_row = next(r for r in table(followup.artifact_key(WARDS)) if r["Số"] == occurrence)
    assert ward_row["Trạng thái"] == "Đã báo cáo, chờ duyệt"
    assert "## Báo cáo chờ cơ quan thường trực duyệt (1)" in markdown(BOARD_KEY)

    state = record_result(person=PERSON, occurrence=occurrence, actor=followup.COORDINATOR_CHOICE, action="Chấp nhận báo cáo",
                          note="Đạt yêu cầu", version=_version(installed, occurrence), now="2026-12-11T10:00",
                          return_state=True)
    assert state.name == "Đã ghi nhận" and "Hoàn thành đúng hạn" in state.message
    with Session(installed) as session:
        assert session.get(Occurrence, occurrence).state == "done_on_time"
        assert session.exec(select(Submission.evidence_url)).one() == "https://camranh.gov.vn/tt/1"
    # the audit names who did what, as what, and that it came through the form
    assert _audit(installed, occurrence)[-2:] == [
        ("submit", "phuong-ba-ngoi", "unit", "form"), ("accept", "cơ quan thường trực", "coordinator", "form")]
    board = markdown(BOARD_KEY)
    assert "| UBND phường Ba Ngòi | 2 | 1 | 0 | 0 | 1 | 50,0 % |" in board
    assert "Không có báo cáo nào chờ duyệt." in board
    ward_row = next(r for r in table(followup.artifact_key(WARDS)) if r["Số"] == occurrence)
    assert ward_row["Trạng thái"] == "Hoàn thành đúng hạn"


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
                                                     proposed="2027-01-15", reason="Chờ số liệu"),
                              now=at_local(dt.date(2026, 12, 8), 9))
        coordinator_board(now="2026-12-14T08:00", return_state=True)
    board = markdown(BOARD_KEY)
    assert "## Đề nghị gia hạn chờ quyết định (1)" in board
    assert "[Duyệt báo cáo và đề nghị gia hạn](http://127.0.0.1:8300/dang-nhap)" in board
    assert "/c/" not in board


COORD = "co-quan-thuong-truc"


@pytest.mark.parametrize(
    ("actor", "action", "extra", "reason"),
    [
        ("phuong-cam-linh", Action.SUBMIT, {}, "đơn vị 'phuong-cam-linh' không phụ trách nhiệm vụ số"),
        ("phuong-ba-ngoi", Action.WAIVE, {}, "đơn vị 'phuong-ba-ngoi' không có quyền miễn thực hiện"),
        ("phuong-ba-ngoi", Action.EXTEND, {"new_deadline": dt.date(2026, 12, 19)},
         "đơn vị 'phuong-ba-ngoi' không có quyền gia hạn"),
        (COORD, Action.SUBMIT, {}, "cơ quan thường trực không báo cáo hoàn thành thay đơn vị"),
        (COORD, Action.ACCEPT, {}, "chưa có báo cáo chờ duyệt"),
        (COORD, Action.EXTEND, {}, "Hạn mới (khi gia hạn): gia hạn cần chọn hạn mới"),
        (COORD, Action.EXTEND, {"new_deadline": dt.date(2026, 12, 1)}, "Hạn mới (khi gia hạn): hạn mới 01/12/2026 đã qua"),
        (COORD, Action.EXTEND, {"new_deadline": dt.date(9999, 12, 31)},
         "Hạn mới (khi gia hạn): hạn mới 31/12/9999 quá xa: chậm nhất 09/12/2027"),
        ("phuong-ba-ngoi", Action.SUBMIT, {"note": " "}, "Nội dung / lý do: không được để trống"),
        ("phuong-ba-ngoi", Action.SUBMIT, {"note": "x" * 4001}, "Nội dung / lý do: dài quá 4.000 ký tự (đang có 4.001)"),
        ("phuong-ba-ngoi", Action.SUBMIT, {"evidence": "javascript:alert(1)"},
         "Đường dẫn minh chứng: chỉ nhận đường dẫn bắt đầu bằng http:// hoặc https://"),
        ("phuong-ba-ngoi", Action.SUBMIT, {"occurrence": 10**20},
         "Số nhiệm vụ: số nhiệm vụ phải từ 1 đến 2.147.483.647"),
        ("khong-co", Action.SUBMIT, {}, "không có đơn vị 'khong-co'"),
    ],
)
def test_the_form_refuses_what_the_services_refuse_and_records_nothing(installed: Engine, actor, action, extra,
                                                                        reason) -> None:
    follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
    occurrence = _ward_occurrence(installed, "phuong-ba-ngoi")
    params = {"occurrence": occurrence, "note": "Lý do", "version": _version(installed, occurrence), **extra}
    before = count(installed, AuditEvent)
    state = record_result(person=PERSON, actor=actor, action=action, now="2026-12-08T09:00", return_state=True, **params)
    assert (state.type.value, state.name) == ("FAILED", "Không ghi nhận")
    assert reason in state.message
    assert "--" not in state.message  # the form's words, never the command line's flags
    assert count(installed, AuditEvent) == before


def test_a_unit_cannot_accept_its_own_report_through_the_form(installed: Engine) -> None:
    follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
    occurrence = _ward_occurrence(installed, "phuong-ba-ngoi")
    record_result(person=PERSON, occurrence=occurrence, actor="phuong-ba-ngoi", action=Action.SUBMIT, note="Đã tuyên truyền",
                  now="2026-12-08T09:00", return_state=True)
    before = _audit(installed, occurrence)
    state = record_result(person=PERSON, occurrence=occurrence, actor="phuong-ba-ngoi", action=Action.ACCEPT, note="Tự duyệt",
                          version=_version(installed, occurrence), now="2026-12-08T09:05", return_state=True)
    assert (state.type.value, state.name) == ("FAILED", "Không ghi nhận")
    assert ("Không ghi nhận: đơn vị 'phuong-ba-ngoi' không được tự duyệt báo cáo; chỉ cơ quan thường trực "
            "mới chấp nhận hoặc trả lại báo cáo") in state.message
    assert _audit(installed, occurrence) == before
    with Session(installed) as session:
        assert session.get(Occurrence, occurrence).state == "submitted"
        assert session.exec(select(Submission.decision)).one() == "pending"


@pytest.mark.parametrize("person, reason", [
    ("", "Họ tên người thao tác: không được để trống"),
    ("   ", "Họ tên người thao tác: không được để trống"),
    ("A" * 65, "Họ tên người thao tác: dài quá 64 ký tự (đang có 65)"),
    ("Lan\x00", "Họ tên người thao tác: có ký tự điều khiển không được phép (U+0000) ở vị trí 4"),
])
def test_the_form_records_nothing_without_the_name_of_who_fills_it_in(installed: Engine, person, reason) -> None:
    follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
    occurrence = _ward_occurrence(installed, "phuong-cam-linh")
    before = count(installed, AuditEvent)
    state = record_result(occurrence=occurrence, actor=COORD, person=person, action=Action.WAIVE, note="Sáp nhập",
                          version=_version(installed, occurrence), now="2026-12-08T09:00", return_state=True)
    assert (state.type.value, state.name) == ("FAILED", "Không ghi nhận")
    assert reason in state.message
    assert count(installed, AuditEvent) == before


def test_the_audit_keeps_the_name_given_on_the_form_with_its_flow_run(installed: Engine) -> None:
    follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
    occurrence = _ward_occurrence(installed, "phuong-cam-linh")
    state = record_result(occurrence=occurrence, actor=COORD, person=" Trần Văn Bình ", action=Action.WAIVE,
                          note="Sáp nhập", version=_version(installed, occurrence), now="2026-12-08T09:00",
                          return_state=True)
    assert state.name == "Đã ghi nhận"
    with Session(installed) as session:
        (trail,) = session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == occurrence,
                                                         AuditEvent.action == "waive")).all()
    assert (trail.actor, trail.role) == ("cơ quan thường trực", "coordinator")
    assert trail.via == f"form:{state.state_details.flow_run_id}:Trần Văn Bình"


def test_the_coordinator_extends_through_the_form(installed: Engine) -> None:
    follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
    occurrence = _ward_occurrence(installed, "phuong-cam-linh")
    state = record_result(person=PERSON, occurrence=occurrence, actor=COORD, action=Action.EXTEND,
                          new_deadline=dt.date(2026, 12, 19), note="Chờ số liệu của tỉnh",
                          version=_version(installed, occurrence), now="2026-12-08T09:00", return_state=True)
    # 19/12/2026 is a Saturday: art. 148 moves the new deadline to Monday
    assert state.name == "Đã ghi nhận" and "Đã gia hạn đến 21/12/2026" in state.message
    assert _audit(installed, occurrence)[-1] == ("extend", "cơ quan thường trực", "coordinator", "form")


def test_two_coordinators_deciding_on_the_same_version_through_the_form_only_the_first_wins(
        installed: Engine) -> None:
    follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
    occurrence = _ward_occurrence(installed, "phuong-cam-linh")
    seen = _version(installed, occurrence)  # both read the same table
    first = record_result(person=PERSON, occurrence=occurrence, actor=COORD, action=Action.EXTEND,
                          new_deadline=dt.date(2026, 12, 21), note="Chờ số liệu", version=seen,
                          now="2026-12-08T09:00", return_state=True)
    assert first.name == "Đã ghi nhận"
    before = (_audit(installed, occurrence), _version(installed, occurrence))
    second = record_result(person="Trần Văn Bình", occurrence=occurrence, actor=COORD, action=Action.WAIVE,
                           note="Sáp nhập", version=seen, now="2026-12-08T09:01", return_state=True)
    assert (second.type.value, second.name) == ("FAILED", "Không ghi nhận")
    assert f"nhiệm vụ số {occurrence} đã có người xử lý trước (nay: 'Đang thực hiện')" in second.message
    assert (_audit(installed, occurrence), _version(installed, occurrence)) == before
    with Session(installed) as session:
        row = session.get(Occurrence, occurrence)
        assert (row.state, row.deadline) == ("open", dt.date(2026, 12, 21))  # the first decision stands


@pytest.mark.parametrize("action, extra", [
    (Action.ACCEPT, {}), (Action.RETURN, {}), (Action.WAIVE, {}), (Action.EXTEND, {"new_deadline": dt.date(2026, 12, 21)}),
])
def test_a_coordinators_decision_through_the_form_needs_the_version_seen(installed: Engine, action, extra) -> None:
    follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
    occurrence = _ward_occurrence(installed, "phuong-ba-ngoi")
    record_result(person=PERSON, occurrence=occurrence, actor=WARD, action=Action.SUBMIT, note="Đã tuyên truyền",
                  now="2026-12-08T09:00", return_state=True)
    before = (_audit(installed, occurrence), _version(installed, occurrence))
    state = record_result(person=PERSON, occurrence=occurrence, actor=COORD, action=action, note="Lý do",
                          now="2026-12-08T10:00", return_state=True, **extra)
    assert (state.type.value, state.name) == ("FAILED", "Không ghi nhận")
    assert ("Phiên bản nhiệm vụ như đã xem (cột Phiên bản): cần phiên bản nhiệm vụ như đã xem (cột 'Phiên bản' "
            "trong bảng theo dõi của đơn vị)") in state.message
    assert (_audit(installed, occurrence), _version(installed, occurrence)) == before


def test_the_record_form_deployment_explains_the_name_and_version_fields(plan: Plan) -> None:
    text = deployments.record_description(plan)
    assert "**Họ tên người thao tác** là bắt buộc" in text
    assert "**Phiên bản nhiệm vụ** là cột **Phiên bản** trong bảng theo dõi của đơn vị" in text
    assert "đã có người xử lý trước" in text


def test_a_nul_in_a_note_through_the_form_on_postgresql_is_refused(prefect_api: str, pg_url: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: PostgreSQL's DataError ("cannot contain NUL") reached the run as a crash."""
    _install(tmp_path, monkeypatch)
    monkeypatch.setenv("HTX_DATABASE_URL", pg_url)
    engine = make_engine(pg_url)
    upgrade(engine)
    try:
        follow_up_unit(unit=WARDS, now="2026-11-02T07:30", return_state=True)  # in use since tracking started
        follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
        occurrence = _ward_occurrence(engine, "phuong-ba-ngoi")
        before = count(engine, AuditEvent)
        state = record_result(person=PERSON, occurrence=occurrence, actor="phuong-ba-ngoi", action=Action.SUBMIT,
                              note="Đã tuyên\x00 truyền", now="2026-12-08T09:00", return_state=True)
        assert (state.type.value, state.name) == ("FAILED", "Không ghi nhận")
        assert "Nội dung / lý do: có ký tự điều khiển không được phép (U+0000) ở vị trí 9" in state.message
        assert count(engine, AuditEvent) == before
        assert count(engine, Submission) == 0
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()


# --------------------------------------------------------------------------- missed and repeated runs


PAST_TRACKING = "2025-12-01"  # scheduled runs must lie in the past for Prefect to start them
START = dt.date(2025, 12, 1)
DAYS = [dt.date(2025, 12, d) for d in (19, 20, 22, 23, 24, 25, 26, 27, 29, 30, 31)]  # Mon–Sat schedule
MISSED = [dt.date(2025, 12, d) for d in (22, 23, 24)]  # the Centre's report is due Thursday 25/12/2025


def _scheduled_run(day: dt.date, unit: str):
    """Create a flow run scheduled at 07:30 local on ``day`` (no ``now``) and run it, as a runner would."""
    with get_client(sync_client=True) as client:
        flow_run = client.create_flow_run(follow_up_unit, parameters={"unit": unit},
                                          state=Scheduled(scheduled_time=at_local(day, 7, 30)))
    return run_flow(follow_up_unit, flow_run=flow_run, parameters={"unit": unit}, return_type="state")


# --------------------------------------------------------------------------- bad parameters, a database that fails


class Records(logging.Handler):
    """Every record Prefect's flow-run and task-run loggers emit during a test."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(r.getMessage() for r in self.records)


@pytest.fixture
def prefect_records() -> Records:
    handler = Records()
    loggers = [logging.getLogger(name) for name in ("prefect.flow_runs", "prefect.task_runs")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def _far(days: int) -> str:
    return zones.local(clock.utcnow() + dt.timedelta(days=days)).strftime("%Y-%m-%dT07:30")


@pytest.mark.parametrize(("now", "message"), [
    ("hôm qua", "now: thời điểm không hợp lệ 'hôm qua' (ví dụ 2027-01-15T08:00)"),
    ("9999-12-31", "now: thời điểm '9999-12-31' nằm ngoài khoảng năm 1970–2199"),
    ("1900-01-01T07:30", "now: thời điểm '1900-01-01T07:30' nằm ngoài khoảng năm 1970–2199"),
])
def test_a_unit_run_with_an_unusable_now_fails_naming_the_parameter(installed: Engine, prefect_records, now,
                                                                     message) -> None:
    before = notification_keys(installed)
    state = follow_up_unit(unit=KT, now=now, return_state=True)
    assert (state.type.value, state.name, state.message) == ("FAILED", "Tham số không hợp lệ", message)
    assert notification_keys(installed) == before
    assert message in prefect_records.text()
    assert not [r for r in prefect_records.records if r.exc_info and r.exc_info[0]]  # no traceback


@pytest.mark.parametrize(("run", "message"), [
    (lambda: record_result(person=PERSON, occurrence=1, actor=WARD, note="x", now="hôm qua", return_state=True),
     "now: thời điểm không hợp lệ 'hôm qua' (ví dụ 2027-01-15T08:00)"),
    (lambda: confirm_registry_form(person=PERSON, unit=WARD, now="9999-12-31", return_state=True),
     "now: thời điểm '9999-12-31' nằm ngoài khoảng năm 1970–2199"),
    (lambda: consolidated_report(period="2026-Q3", now=TUESDAY, return_state=True),
     "period: kỳ báo cáo không hợp lệ '2026-Q3' (ví dụ 2026-H1, 2026-H2 hoặc 2026)"),
], ids=["record", "registry", "report"])
def test_a_form_or_report_run_with_an_unusable_parameter_fails_naming_it(installed: Engine, prefect_records, run,
                                                                         message) -> None:
    before = (count(installed, AuditEvent), count(installed, RegistryUpdate))
    state = run()
    assert (state.type.value, state.name, state.message) == ("FAILED", "Tham số không hợp lệ", message)
    assert (count(installed, AuditEvent), count(installed, RegistryUpdate)) == before
    assert message in prefect_records.text()
    assert not [r for r in prefect_records.records if r.exc_info and r.exc_info[0]]  # no traceback


def test_a_unit_run_beyond_the_horizon_is_refused_unless_forced(installed: Engine, prefect_records) -> None:
    far = _far(400)
    before = count(installed, Occurrence)
    state = follow_up_unit(unit=KT, now=far, return_state=True)
    assert (state.type.value, state.name) == ("FAILED", "Không chạy")
    assert state.message.startswith(f"now {far[8:10]}/{far[5:7]}/{far[:4]} đi trước đồng hồ")
    assert "quá giới hạn 366 ngày (HTX_HORIZON_DAYS); nếu thật sự muốn chạy bù đến thời điểm đó, dùng force" in state.message
    assert count(installed, Occurrence) == before
    assert not [r for r in prefect_records.records if r.exc_info and r.exc_info[0]]
    forced = follow_up_unit(unit=KT, now=far, force=True, return_state=True)
    assert forced.type.value in ("COMPLETED", "FAILED") and forced.name != "Không chạy"
    assert count(installed, Occurrence) > before


@pytest.mark.parametrize("run", [
    lambda: follow_up_unit(unit=KT, now=TUESDAY, return_state=True),
    lambda: coordinator_board(now=TUESDAY, return_state=True),
    lambda: retry_deliveries(now=TUESDAY, return_state=True),
    lambda: indicators(now=TUESDAY, return_state=True),
    lambda: consolidated_report(period="2026-H2", now=TUESDAY, return_state=True),
    lambda: record_result(person=PERSON, occurrence=1, actor=WARD, note="x", now=TUESDAY, return_state=True),
    lambda: confirm_registry_form(person=PERSON, unit=WARD, now=TUESDAY, return_state=True),
], ids=["unit", "board", "retry", "indicators", "report", "record", "registry"])
def test_a_run_on_an_unreachable_database_fails_with_the_clis_words(installed: Engine, prefect_records, run,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTX_DATABASE_URL", "postgresql://htx:mat-khau-bi-mat@127.0.0.1:1/test")
    state = run()
    assert (state.type.value, state.name) == ("FAILED", "Lỗi cơ sở dữ liệu")
    assert state.message.startswith("không làm việc được với cơ sở dữ liệu postgresql://htx:***@127.0.0.1:1/test: "
                                    "máy chủ không nhận kết nối")
    from typer.testing import CliRunner

    from htx_tasks.cli.main import app

    cli = CliRunner().invoke(app, ["tick", "--now", TUESDAY], env={"COLUMNS": "2000"})
    assert cli.exit_code == 3 and f"Lỗi: {state.message}" in cli.stderr  # the same words as the command line
    logged = prefect_records.text()
    assert state.message in logged and "mat-khau-bi-mat" not in logged
    assert not [r for r in prefect_records.records if r.exc_info and r.exc_info[0]]


def test_a_database_failure_inside_a_task_is_logged_as_one_sentence_without_sql(installed: Engine, prefect_records,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import units

    monkeypatch.setattr(units, "evaluate", units.evaluate.with_options(retry_delay_seconds=0))
    with installed.begin() as conn:  # the pass's first query fails: "no such table"
        conn.exec_driver_sql("ALTER TABLE occurrence RENAME TO occurrence_gone")
    state = follow_up_unit(unit=KT, now=TUESDAY, return_state=True)
    assert (state.type.value, state.name) == ("FAILED", "Lỗi cơ sở dữ liệu")
    assert state.message.startswith("không làm việc được với cơ sở dữ liệu sqlite:///")
    task_lines = [r.getMessage() for r in prefect_records.records if r.name == "prefect.task_runs"]
    # two retries, then the last failure: each one sentence; the task's state keeps no SQL either
    assert [line.endswith("(sẽ thử lại)") for line in task_lines if line.startswith("không làm việc được")] == [
        True, True, False]
    assert not [r for r in prefect_records.records if r.exc_info and r.exc_info[0]]
    assert "SELECT" not in prefect_records.text() and "Traceback" not in prefect_records.text()


def test_catching_up_three_missed_days_sends_each_reminder_once_in_order_at_its_own_time(
        prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_time = _install(tmp_path / "on-time", monkeypatch, tracking_from=PAST_TRACKING)
    _scheduled_run(START, TTVH)  # the first run, when tracking starts: December's report is opened
    reference = {day: _scheduled_run(day, TTVH).name for day in DAYS}
    expected = notification_keys(on_time)

    caught_up = _install(tmp_path / "caught-up", monkeypatch, tracking_from=PAST_TRACKING)
    _scheduled_run(START, TTVH)
    names = {}
    for day in DAYS:
        if day in MISSED:
            continue  # nothing is serving: Prefect marks these runs Late
        if day == dt.date(2025, 12, 25):
            for late in MISSED:  # the runner comes back and runs the late ones, oldest first
                names[late] = _scheduled_run(late, TTVH).name
        names[day] = _scheduled_run(day, TTVH).name

    assert names == reference
    assert [reference[d] for d in (dt.date(2025, 12, 19), *MISSED, dt.date(2025, 12, 26))] == [
        "Đúng tiến độ", "Sắp đến hạn", "Sắp đến hạn", "Sắp đến hạn", "Quá hạn"]
    got = notification_keys(caught_up)
    assert got == expected  # the same rows, statuses and sending times as if no day had been missed
    window = [row for row in got if row[3] > at_local(DAYS[0], 7, 30)]
    to_unit = [(kind, level, due_at, status, sent_at) for (_, kind, level, due_at, who, status, sent_at) in window
               if who == TTVH]
    assert [(kind, level, due_at) for kind, level, due_at, _, _ in to_unit] == [
        ("reminder", -1, at_local(dt.date(2025, 12, 22), 7, 30)),  # 3 days before: a missed day
        ("reminder", -1, at_local(dt.date(2025, 12, 24), 7, 30)),  # 1 day before: a missed day
        ("reminder", -1, at_local(dt.date(2025, 12, 25), 7, 30)),  # the deadline's morning
        ("overdue", 0, at_local(dt.date(2025, 12, 26), 7, 30)),  # the next working day
        ("escalation", 1, at_local(dt.date(2025, 12, 30), 7, 30)),  # 2 whole working days late
    ]
    assert all(status == "sent" and sent_at == due_at for _, _, due_at, status, sent_at in to_unit)
    escalations = [row for row in window if row[1] == "escalation"]
    assert [row[4] for row in escalations] == [TTVH, "coordinator"]  # once each, for its own day


def test_running_a_units_flow_twice_at_once_changes_nothing_the_second_time(installed: Engine) -> None:
    states = []

    def run() -> None:
        states.append(follow_up_unit(unit=WARDS, now=MONDAY, return_state=True))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [s.name for s in states] == ["Quá hạn", "Quá hạn"]
    first = (count(installed, Occurrence), notification_keys(installed), count(installed, AuditEvent),
             count(installed, Delivery))
    assert first[0] == 43  # all opened by the installation's first pass on 2/11; the runs opened nothing more
    assert count(installed, Delivery) == 15  # one digest per ward, however many runs overlapped

    follow_up_unit(unit=WARDS, now=MONDAY, return_state=True)
    again = (count(installed, Occurrence), notification_keys(installed), count(installed, AuditEvent),
             count(installed, Delivery))
    assert again == first


# --------------------------------------------------------------------------- served against a real server


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_deployments_are_served_and_run_on_a_real_server(prefect_api: str, tmp_path: Path) -> None:
    from prefect.deployments import run_deployment

    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "",
        "HTX_CONFIG_DIR": str(CONFIG_DIR),
        "HTX_VAR_DIR": str(tmp_path / "var"),
        "HTX_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
    }
    env.pop("PREFECT_FLOWS_HEARTBEAT_FREQUENCY")
    for name in ("HTX_WEB_URL", "HTX_LINK_KEY", "HTX_LINK_KEY_FILE", "HTX_LINK_SECRET_BLOCK"):
        env.pop(name, None)
    with socket.socket() as probe:  # a free port for the web app started beside the runner
        probe.bind(("127.0.0.1", 0))
        web_port = probe.getsockname()[1]
    log = (tmp_path / "serve.log").open("w")
    serving = subprocess.Popen([sys.executable, "-m", "flows.serve", "--api-url", prefect_api, "--no-first-run",
                                "--web-port", str(web_port)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    unit_name = "Theo dõi đơn vị/III.6 — Trung tâm Văn hóa – Thông tin và Thể thao"
    try:
        with get_client(sync_client=True) as client:
            def registered():
                try:
                    return client.read_deployment_by_name("Ghi nhận kết quả/Ghi nhận kết quả")
                except ObjectNotFound:
                    return None

            _wait_for(registered, 90, "the deployments to be registered")
            _wait_for(lambda: web_healthy(f"http://127.0.0.1:{web_port}"), 60, "the web app")
            key_file = tmp_path / "var" / "link.key"
            assert key_file.stat().st_mode & 0o077 == 0  # generated, readable by the owner only
            coordinator = re.search(r"http://127\.0\.0\.1:\d+/c/\S+", (tmp_path / "serve.log").read_text())
            with urllib.request.urlopen(coordinator.group(0), timeout=10) as page:
                assert "Báo cáo chờ duyệt" in page.read().decode()
            deployment = client.read_deployment_by_name(unit_name)
            assert not deployment.paused
            [schedule] = deployment.schedules
            assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 7 * * 1-6", "Asia/Ho_Chi_Minh")
            assert deployment.parameters == {"unit": TTVH}

        # runs scheduled for past mornings, no `now`: each computed for its own scheduled time. The
        # first, when tracking starts, opens November's report (due 25/11); on 26/11 it is overdue
        for day, standing in ((dt.date(2026, 11, 2), "Đúng tiến độ"), (dt.date(2026, 11, 26), "Quá hạn")):
            flow_run = run_deployment(unit_name, scheduled_time=at_local(day, 7, 30), timeout=120,
                                      poll_interval=1, as_subflow=False)
            assert flow_run.state.name == standing, (tmp_path / "serve.log").read_text()
            assert f"07:30 {day:%d/%m/%Y}" in flow_run.state.message
        assert flow_run.state.type.value == "FAILED"  # red in the UI...
        served = (tmp_path / "serve.log").read_text()
        assert "Traceback" not in served and "unexpected exception" not in served, served  # ...but no traceback
        assert served.count("trung-tam-vhtt-tt: ") == 2  # one line per run
        assert " INFO " not in served, served  # the runner's own chatter stays in the UI, not on the console
        assert "trung-tam-vhtt-tt: Quá hạn — III.6 Trung tâm Văn hóa – Thông tin và Thể thao, 07:30 26/11/2026: " \
               "1 nhiệm vụ đang mở, 1 quá hạn." in served
        engine = make_engine(env["HTX_DATABASE_URL"])
        occurrence = _wait_for(lambda: _first_open(engine, TTVH), 10, "an occurrence")
        submitted = {"occurrence": occurrence, "actor": TTVH, "action": "Đơn vị báo cáo hoàn thành",
                     "note": "Đã gửi báo cáo", "now": "2026-12-14T10:00"}
        from prefect.exceptions import PrefectHTTPStatusError

        with pytest.raises(PrefectHTTPStatusError, match="'person' is a required property"):  # nameless: no run
            run_deployment("Ghi nhận kết quả/Ghi nhận kết quả", timeout=0, as_subflow=False, parameters=submitted)
        form = run_deployment("Ghi nhận kết quả/Ghi nhận kết quả", timeout=120, poll_interval=1, as_subflow=False,
                              parameters={**submitted, "person": PERSON})
        assert form.state.name == "Đã ghi nhận", form.state.message
        with Session(engine) as session:
            assert session.get(Occurrence, occurrence).state == "submitted"
        engine.dispose()
    finally:
        serving.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = serving.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serving.kill()
            raise
        log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
    assert not web_healthy(f"http://127.0.0.1:{web_port}")  # stopped with the runner
    with get_client(sync_client=True) as client:
        assert not client.read_deployment_by_name(unit_name).paused  # schedules stay active


def _first_open(engine: Engine, unit: str) -> int | None:
    with Session(engine) as session:
        return session.exec(select(Occurrence.id).where(Occurrence.unit_code == unit,
                                                         Occurrence.state.in_(["open", "due_soon", "overdue",
                                                                               "escalated"]))
                            .order_by(Occurrence.deadline.desc())).first()


def test_the_registry_form_records_a_units_confirmation_on_its_behalf(installed: Engine, plan: Plan) -> None:
    [spec] = [s for s in deployments.specs(plan) if s.flow is confirm_registry_form]
    assert spec.choices["unit"][:2] == [KT, "phong-quan-ly-do-thi"] and len(spec.choices["unit"]) == 17
    state = confirm_registry_form(person=PERSON, unit="phuong-ba-ngoi", note="Phường báo qua điện thoại", now="2026-11-27T09:00",
                                  return_state=True)
    assert state.name == "Đã ghi nhận" and "UBND phường Ba Ngòi xác nhận danh sách 0 tổ chức" in state.message
    with Session(installed) as session:
        row = session.exec(select(RegistryUpdate)).one()
    assert (row.unit_code, row.role, row.note) == ("phuong-ba-ngoi", "coordinator", "Phường báo qua điện thoại")
    assert row.via.startswith("form:")
    assert "| III.8.2 | UBND phường Ba Ngòi | 0 | 27/11/2026 | quý IV/2026 | 10/12/2026 | Đã cập nhật |" \
        in markdown(BOARD_KEY)
    refused = confirm_registry_form(person=PERSON, unit="phuong-ba-ngoi", as_of=dt.date(2026, 12, 1), now="2026-11-27T09:00",
                                    return_state=True)
    assert refused.name == "Không ghi nhận"
    assert "Ngày đơn vị xác nhận (để trống: hôm nay): ngày xác nhận 01/12/2026 chưa đến" in refused.message
    other = confirm_registry_form(person=PERSON, unit="phong-tai-chinh-ke-hoach", now="2026-11-27T09:00", return_state=True)
    assert other.name == "Không ghi nhận" and "không có nhiệm vụ theo dõi hợp tác xã" in other.message
    assert count(installed, RegistryUpdate) == 1
