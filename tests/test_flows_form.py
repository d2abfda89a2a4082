"""The record form and the registry form run as Prefect flows: what they record, what they refuse
(the services' words, nothing written), the name of who fills them in, the version seen.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flowkit import COORD, KT, PERSON, WARD, WARDS, _audit, _install, _version, _ward_occurrence, count, markdown, table
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows import deployments
from flows.board import coordinator_board
from flows.record import confirm_registry_form, record_result
from flows.units import follow_up_unit
from htx_tasks import followup
from htx_tasks.board import BOARD_KEY
from htx_tasks.followup import Action
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.models import RegistryUpdate
from htx_tasks.registry.standing import fingerprint
from htx_tasks.store.db import make_engine, upgrade
from htx_tasks.store.models import AuditEvent, Occurrence, Submission


def test_the_form_records_a_completion_and_the_board_shows_it(installed: Engine) -> None:
    follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
    occurrence = _ward_occurrence(installed, "phuong-ba-ngoi")
    state = record_result(person=PERSON, occurrence=occurrence, actor="phuong-ba-ngoi", action=Action.SUBMIT,
                          results="Đã tổ chức 3 hội nghị tuyên truyền", figures={"buoi-tuyen-truyen": 3, "luot-nguoi": "240"},
                          difficulties="Thiếu tài liệu", evidence="https://camranh.gov.vn/tt/1",
                          version=_version(installed, occurrence), now="2026-12-08T09:00", return_state=True)
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
        report = session.exec(select(Submission)).one()
    assert (report.evidence_url, report.results, report.difficulties, report.proposals, report.figures) == (
        "https://camranh.gov.vn/tt/1", "Đã tổ chức 3 hội nghị tuyên truyền", "Thiếu tài liệu", "",
        {"buoi-tuyen-truyen": 3, "luot-nguoi": 240})
    # the audit names who did what, as what, and that it came through the form
    assert _audit(installed, occurrence)[-2:] == [
        ("submit", "phuong-ba-ngoi", "unit", "form"), ("accept", "cơ quan thường trực", "coordinator", "form")]
    board = markdown(BOARD_KEY)
    assert "| UBND phường Ba Ngòi | 2 | 1 | 0 | 0 | 1 | 50,0 % |" in board
    assert "Không có báo cáo nào chờ duyệt." in board
    ward_row = next(r for r in table(followup.artifact_key(WARDS)) if r["Số"] == occurrence)
    assert ward_row["Trạng thái"] == "Hoàn thành đúng hạn"


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
        ("phuong-ba-ngoi", Action.SUBMIT, {"note": " "}, "Nội dung / lý do: không được để trống"),  # results in the note
        ("phuong-ba-ngoi", Action.SUBMIT, {"note": "", "results": "x" * 4001},
         "Kết quả đạt được (khi đơn vị báo cáo): dài quá 4.000 ký tự (đang có 4.001)"),
        ("phuong-ba-ngoi", Action.SUBMIT, {"results": "Đã tuyên truyền"},  # and "Lý do" in the note
         "Nội dung / lý do: kết quả đã ghi ở ô kết quả đạt được"),
        ("phuong-ba-ngoi", Action.SUBMIT, {"figures": {"buoi-tuyen-truyen": -1}},
         "Số liệu 'buoi-tuyen-truyen': phải là số nguyên không âm"),
        ("phuong-ba-ngoi", Action.SUBMIT, {"figures": {"so-htx": 2}, "proposals": "y" * 4001},
         "Đề xuất, kiến nghị (khi đơn vị báo cáo): dài quá 4.000 ký tự"),
        ("phuong-ba-ngoi", Action.SUBMIT, {"figures": {"so-htx": 2}},
         "Số liệu kết quả (mã số liệu: giá trị): báo cáo mục III.8.1 không có số liệu 'so-htx'"),
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
                  version=_version(installed, occurrence), now="2026-12-08T09:00", return_state=True)
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
                  version=_version(installed, occurrence), now="2026-12-08T09:00", return_state=True)
    before = (_audit(installed, occurrence), _version(installed, occurrence))
    state = record_result(person=PERSON, occurrence=occurrence, actor=COORD, action=action, note="Lý do",
                          now="2026-12-08T10:00", return_state=True, **extra)
    assert (state.type.value, state.name) == ("FAILED", "Không ghi nhận")
    assert ("Phiên bản nhiệm vụ như đã xem (cột Phiên bản): cần phiên bản nhiệm vụ như đã xem (cột 'Phiên bản' "
            "trong bảng theo dõi của đơn vị)") in state.message
    assert (_audit(installed, occurrence), _version(installed, occurrence)) == before


def test_a_units_report_through_the_form_needs_the_version_seen_too(installed: Engine) -> None:
    follow_up_unit(unit=WARDS, now="2026-12-07T07:30", return_state=True)
    occurrence = _ward_occurrence(installed, "phuong-ba-ngoi")
    before = (_audit(installed, occurrence), _version(installed, occurrence))
    state = record_result(person=PERSON, occurrence=occurrence, actor=WARD, action=Action.SUBMIT, note="Đã tuyên truyền",
                          now="2026-12-08T09:00", return_state=True)
    assert (state.type.value, state.name) == ("FAILED", "Không ghi nhận")
    assert "Phiên bản nhiệm vụ như đã xem (cột Phiên bản): cần phiên bản nhiệm vụ như đã xem" in state.message
    assert (_audit(installed, occurrence), _version(installed, occurrence)) == before


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
                              note="Đã tuyên\x00 truyền", version=_version(engine, occurrence), now="2026-12-08T09:00",
                              return_state=True)
        assert (state.type.value, state.name) == ("FAILED", "Không ghi nhận")
        assert "Nội dung / lý do: có ký tự điều khiển không được phép (U+0000) ở vị trí 9" in state.message
        assert count(engine, AuditEvent) == before
        assert count(engine, Submission) == 0
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()


def test_the_registry_form_records_a_units_confirmation_on_its_behalf(installed: Engine, plan: Plan) -> None:
    [spec] = [s for s in deployments.specs(plan) if s.flow is confirm_registry_form]
    assert spec.choices["unit"][:2] == [KT, "phong-quan-ly-do-thi"] and len(spec.choices["unit"]) == 17
    unseen = confirm_registry_form(person=PERSON, unit="phuong-ba-ngoi", now="2026-11-27T09:00", return_state=True)
    assert unseen.name == "Không ghi nhận"
    assert ("Dấu danh sách như đã xem (cột 'Dấu danh sách' của mục Sổ HTX, bảng theo dõi chung): cần dấu danh sách "
            "như đã xem") in unseen.message
    coordinator_board(now="2026-11-27T08:00", return_state=True)
    mark = fingerprint([])  # the ward follows no organisation yet: the empty list's mark
    assert f"| III.8.2 | UBND phường Ba Ngòi | 0 | Chưa có | quý IV/2026 | 10/12/2026 | Chưa cập nhật | `{mark}` |" \
        in markdown(BOARD_KEY)  # where the coordinator reads it
    state = confirm_registry_form(person=PERSON, unit="phuong-ba-ngoi", seen=mark, note="Phường báo qua điện thoại",
                                  now="2026-11-27T09:00", return_state=True)
    assert state.name == "Đã ghi nhận" and "UBND phường Ba Ngòi xác nhận danh sách 0 tổ chức" in state.message
    with Session(installed) as session:
        row = session.exec(select(RegistryUpdate)).one()
    assert (row.unit_code, row.role, row.note) == ("phuong-ba-ngoi", "coordinator", "Phường báo qua điện thoại")
    assert row.via.startswith("form:")
    assert "| III.8.2 | UBND phường Ba Ngòi | 0 | 27/11/2026 | quý IV/2026 | 10/12/2026 | Đã cập nhật |" \
        in markdown(BOARD_KEY)
    refused = confirm_registry_form(person=PERSON, unit="phuong-ba-ngoi", seen=mark, as_of=dt.date(2026, 12, 1),
                                    now="2026-11-27T09:00", return_state=True)
    assert refused.name == "Không ghi nhận"
    assert "Ngày đơn vị xác nhận (để trống: hôm nay): ngày xác nhận 01/12/2026 chưa đến" in refused.message
    other = confirm_registry_form(person=PERSON, unit="phong-tai-chinh-ke-hoach", seen=mark, now="2026-11-27T09:00",
                                  return_state=True)
    assert other.name == "Không ghi nhận" and "không có nhiệm vụ theo dõi hợp tác xã" in other.message
    assert count(installed, RegistryUpdate) == 1
