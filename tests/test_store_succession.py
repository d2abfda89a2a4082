"""Units merged on 1 July 2025: open work follows the successor with its history, a merged unit is never
opened or told again, duties not duplicated, reports awaiting review and cases follow the successor.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from actions import open_case, review, submit
from sqlalchemy import Engine
from sqlmodel import select
from storekit import CAM_LINH, LAST_UNIT, D, L, M, audit_rows, notifications, occurrences, plan_with

from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.services import Decision, Refused
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent, Notification, Occurrence, Submission


def test_open_work_moves_to_a_successor_unit_with_history_kept(db_engine: Engine, plan: Plan,
                                                              tmp_path: Path) -> None:
    merged = plan_with(
        tmp_path,
        (CAM_LINH, CAM_LINH[:-1] + ", successor: {unit: phuong-cam-ranh, on: 2026-12-01, why: Sáp nhập}}"),
        (LAST_UNIT, LAST_UNIT + "\n  - {code: phuong-cam-ranh, name: UBND phường Cam Ranh, kind: ward}"),
    )
    run_pass(db_engine, merged, M("2026-11-02"))
    old = occurrences(db_engine, Occurrence.unit_code == "phuong-cam-linh")
    assert len(old) == 2
    result = run_pass(db_engine, merged, M("2026-12-02"))
    assert result.transferred == 2

    moved = {o.predecessor_id: o for o in occurrences(db_engine, Occurrence.unit_code == "phuong-cam-ranh")}
    for before in old:
        after_ = occurrences(db_engine, Occurrence.id == before.id)[0]
        assert (after_.state, after_.next_action_at, after_.closed_at) == ("succeeded", None, M("2026-12-02"))
        new = moved[before.id]
        assert (new.duty_code, new.period_key, new.deadline, new.state) == (
            before.duty_code, before.period_key, before.deadline, "open"
        )
        trail = [(a.action, a.to_state) for a in audit_rows(db_engine, AuditEvent.occurrence_id == before.id)]
        assert trail == [("open", "open"), ("succeed", "succeeded")]
        (opened,) = audit_rows(db_engine, AuditEvent.occurrence_id == new.id)
        assert "Cam Linh" in opened.reason and "Cam Ranh" in opened.reason and "Sáp nhập" in opened.reason

    run_pass(db_engine, merged, M("2026-12-03"))
    run_pass(db_engine, merged, M("2026-12-11"))
    to_old = notifications(db_engine, Notification.recipient == "phuong-cam-linh")
    assert to_old and all(n.created_at < M("2026-12-02") for n in to_old)
    to_new = notifications(db_engine, Notification.recipient == "phuong-cam-ranh")
    assert {(n.kind, n.due_at) for n in to_new} >= {
        ("assigned", M("2026-12-02")),  # the successor is told what it has inherited, once
        ("reminder", M("2026-12-03")),
        ("overdue", M("2026-12-11")),
    }
    assert len([n for n in to_new if n.kind == "assigned"]) == 2
    # the successor answers for it now; the old unit cannot
    with session_scope(db_engine) as session:
        with pytest.raises(Refused):
            submit(session, plan, old[0].id, unit="phuong-cam-linh", note="x", evidence=None, now=M("2026-12-11"))
        submit(session, merged, moved[old[0].id].id, unit="phuong-cam-ranh", note="Báo cáo", evidence=None,
               now=L("2026-12-11", 9))
    # new periods open directly for the successor
    run_pass(db_engine, merged, M("2027-01-04"))
    q1 = occurrences(db_engine, Occurrence.period_key == "2027-Q1", Occurrence.duty_code == "xa-tuyen-truyen")
    assert "phuong-cam-ranh" in {o.unit_code for o in q1}
    assert "phuong-cam-linh" not in {o.unit_code for o in q1}


def test_a_merged_unit_is_never_opened_or_told_after_its_succession_date(db_engine: Engine, tmp_path: Path) -> None:
    # Cam Linh merges into Cam Lộc, which already has the same duties; tracking's first pass is after it
    merged = plan_with(tmp_path, (CAM_LINH, CAM_LINH[:-1] + ", successor: {unit: phuong-cam-loc, on: 2026-12-01}}"))
    run_pass(db_engine, merged, M("2026-12-02"))
    run_pass(db_engine, merged, M("2026-12-03"))
    assert occurrences(db_engine, Occurrence.unit_code == "phuong-cam-linh") == []
    assert notifications(db_engine, Notification.recipient == "phuong-cam-linh") == []
    cam_loc = occurrences(db_engine, Occurrence.unit_code == "phuong-cam-loc")
    assert sorted(o.duty_code for o in cam_loc) == ["xa-theo-doi-htx", "xa-tuyen-truyen"]


def test_merging_into_a_unit_with_the_same_duties_does_not_duplicate_them(db_engine: Engine,
                                                                         tmp_path: Path) -> None:
    merged = plan_with(tmp_path, (CAM_LINH, CAM_LINH[:-1] + ", successor: {unit: phuong-cam-loc, on: 2026-12-01}}"))
    run_pass(db_engine, merged, M("2026-11-02"))
    run_pass(db_engine, merged, M("2026-12-02"))
    assert {o.state for o in occurrences(db_engine, Occurrence.unit_code == "phuong-cam-linh")} == {"succeeded"}
    cam_loc = occurrences(db_engine, Occurrence.unit_code == "phuong-cam-loc")
    assert sorted(o.duty_code for o in cam_loc) == ["xa-theo-doi-htx", "xa-tuyen-truyen"]
    assert all(o.predecessor_id is None for o in cam_loc)


def test_a_report_awaiting_review_follows_its_obligation_into_a_merger(db_engine: Engine, tmp_path: Path) -> None:
    merged = plan_with(tmp_path, (CAM_LINH, CAM_LINH[:-1] + ", successor: {unit: phuong-cam-loc, on: 2026-12-01}}"))
    run_pass(db_engine, merged, M("2026-11-02"))
    linh = occurrences(db_engine, Occurrence.unit_code == "phuong-cam-linh", Occurrence.duty_code == "xa-tuyen-truyen")[0]
    with session_scope(db_engine) as session:
        submit(session, merged, linh.id, unit="phuong-cam-linh", note="Đã tuyên truyền", evidence=None,
               now=L("2026-11-20", 9))
    run_pass(db_engine, merged, M("2026-12-02"))
    (loc,) = occurrences(db_engine, Occurrence.unit_code == "phuong-cam-loc", Occurrence.duty_code == "xa-tuyen-truyen")
    assert (loc.state, loc.submitted_at, loc.next_action_at) == ("submitted", L("2026-11-20", 9), None)
    with session_scope(db_engine) as session:
        (pending,) = session.exec(select(Submission).where(Submission.decision == "pending")).all()
        assert pending.occurrence_id == loc.id
        review(session, merged, loc.id, decision=Decision.ACCEPT, note="Đạt", now=L("2026-12-02", 10))
    assert occurrences(db_engine, Occurrence.id == loc.id)[0].state == "done_on_time"


def test_a_successor_named_only_in_configuration_is_followed_up_by_its_predecessors_deployment(
        db_engine: Engine, tmp_path: Path) -> None:
    from htx_tasks.followup import follow_up

    tnmt = "  - code: phong-tai-nguyen-moi-truong\n    name: Phòng Tài nguyên và Môi trường\n"
    merged = plan_with(
        tmp_path,
        (tnmt, tnmt + "    successor: {unit: phong-nong-nghiep-moi-truong, on: 2026-12-01}\n"),
        (LAST_UNIT, LAST_UNIT + "\n  - {code: phong-nong-nghiep-moi-truong, name: Phòng Nông nghiệp và Môi trường,"
                               " kind: department}"),
    )
    assert merged.followed("phong-tai-nguyen-moi-truong", D("2026-12-02")) == [
        "phong-tai-nguyen-moi-truong", "phong-nong-nghiep-moi-truong"]
    with session_scope(db_engine) as session:  # III.4: a cooperative's land proposal, due in 15 working days
        row = open_case(session, merged, "tnmt-quy-dat", unit="phong-tai-nguyen-moi-truong", kind="de-xuat-thue-dat",
                        received=D("2026-11-20"), ref="HTX-DAT-01", now=L("2026-11-20", 9))
    assert row.deadline == D("2026-12-14")  # 24/11 is a day off (Ngày Văn hóa Việt Nam)
    follow_up(db_engine, merged, "phong-tai-nguyen-moi-truong", M("2026-11-23"))
    follow_up(db_engine, merged, "phong-tai-nguyen-moi-truong", M("2026-12-16"))
    (moved,) = occurrences(db_engine, Occurrence.unit_code == "phong-nong-nghiep-moi-truong")
    assert (moved.duty_code, moved.state) == ("tnmt-quy-dat", "overdue")
    assert notifications(db_engine, Notification.occurrence_id == moved.id, Notification.kind == "overdue")


def test_a_case_received_before_a_succession_goes_to_the_successor(db_engine: Engine, tmp_path: Path) -> None:
    tckh = "  - code: phong-tai-chinh-ke-hoach\n    name: Phòng Tài chính – Kế hoạch\n"
    merged = plan_with(
        tmp_path,
        (tckh, tckh + "    successor: {unit: phong-tai-chinh, on: 2026-12-01}\n"),
        (LAST_UNIT, LAST_UNIT + "\n  - {code: phong-tai-chinh, name: Phòng Tài chính, kind: department}"),
    )
    with session_scope(db_engine) as session:
        row = open_case(session, merged, "tckh-thu-tuc", unit="phong-tai-chinh-ke-hoach", kind="cap-lai",
                        received=D("2026-11-30"), ref="HTX-09", now=L("2026-12-02", 9))
    assert (row.unit_code, row.deadline) == ("phong-tai-chinh", D("2026-12-03"))
