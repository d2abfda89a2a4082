"""The Prefect flows as the plan makes them: deployments generated from the plan with Vietnamese
names and local schedules, the record form's fields, a renamed unit, due-soon by duty policy, the retry flow.

Flows run under the session's Prefect test server (tests/conftest.py); every run is given its instant.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from flowkit import CONFIG_DIR, KT, SECTION_III, TCKH, TUESDAY, WARD, WARDS, count
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows import deployments
from flows.board import coordinator_board
from flows.record import record_result
from flows.retry import retry_deliveries
from flows.units import follow_up_unit
from htx_tasks import followup
from htx_tasks.core.zones import at_local
from htx_tasks.engine import run_pass
from htx_tasks.followup import Action
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.store.db import make_engine, session_scope, upgrade
from htx_tasks.store.models import Notification

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


def test_the_record_form_deployment_explains_the_name_and_version_fields(plan: Plan) -> None:
    text = deployments.record_description(plan)
    assert "**Họ tên người thao tác** là bắt buộc" in text
    assert "**Phiên bản nhiệm vụ** là cột **Phiên bản** trong bảng theo dõi của đơn vị" in text
    assert "đã có người xử lý trước" in text
