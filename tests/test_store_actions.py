"""People's actions through the services on both databases: submit, accept and return, extensions by
art. 148, waiving, the audit trail, cases due in working days and cases refused; notices cancelled by a decision.
"""

from __future__ import annotations

import pytest
from actions import extend, open_case, review, submit, waive
from sqlalchemy import Engine
from storekit import D, L, M, audit_rows, notifications, occurrences, one

from htx_tasks.engine import PassResult, advance_due, run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.services import Decision, Refused
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent, Notification, Occurrence

# --- people's actions ---------------------------------------------------------------------------


def test_submit_is_refused_for_a_unit_that_does_not_own_the_occurrence(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    target = one(db_engine, "xa-tuyen-truyen", "phuong-ba-ngoi")
    with session_scope(db_engine) as session:
        with pytest.raises(Refused, match="không phụ trách"):
            submit(session, plan, target.id, unit="phuong-cam-linh", note="Đã tuyên truyền", evidence=None,
                   now=L("2026-12-01", 9))
        with pytest.raises(Refused, match="results: không được để trống"):
            submit(session, plan, target.id, unit="phuong-ba-ngoi", note="  ", evidence=None, now=L("2026-12-01", 9))
        with pytest.raises(Refused, match="không có nhiệm vụ số 999"):
            submit(session, plan, 999, unit="phuong-ba-ngoi", note="x", evidence=None, now=L("2026-12-01", 9))
    assert one(db_engine, "xa-tuyen-truyen", "phuong-ba-ngoi").state == "open"


SUBMISSIONS = [  # ward, submitted at, state once accepted (deadline 10/12/2026, review on 20/12)
    ("phuong-ba-ngoi", L("2026-12-10", 16), "done_on_time"),
    ("phuong-cam-loc", L("2026-12-10", 23, 59), "done_on_time"),
    ("phuong-cam-loi", L("2026-12-11", 0, 1), "done_late"),
    ("phuong-cam-phu", L("2026-12-14", 8), "done_late"),
]


def test_accepted_work_is_on_time_by_submission_time_not_review_time(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    ids = {o.unit_code: o.id for o in occurrences(db_engine, Occurrence.duty_code == "xa-tuyen-truyen")}
    for ward, submitted, _closed in SUBMISSIONS:
        with session_scope(db_engine) as session:
            row = submit(session, plan, ids[ward], unit=ward, note="Báo cáo quý IV",
                         evidence="https://example.test/bc.pdf", now=submitted)
            assert (row.state, row.next_action_at) == ("submitted", None)
    with session_scope(db_engine) as session:
        for ward, _submitted, _closed in SUBMISSIONS:
            review(session, plan, ids[ward], decision=Decision.ACCEPT, note="Đạt", now=L("2026-12-20", 9))
    for ward, submitted, closed in SUBMISSIONS:
        row = occurrences(db_engine, Occurrence.id == ids[ward])[0]
        assert (row.state, row.submitted_at, row.closed_at) == (closed, submitted, L("2026-12-20", 9))
        trail = [(a.action, a.from_state, a.to_state, a.actor)
                 for a in audit_rows(db_engine, AuditEvent.occurrence_id == row.id)]
        assert trail == [("open", None, "open", "hệ thống"), ("submit", "open", "submitted", ward),
                         ("accept", "submitted", closed, "cơ quan thường trực")]
    # closed obligations are never followed up again, while the others are
    run_pass(db_engine, plan, M("2026-12-21"))
    assert notifications(db_engine, Notification.occurrence_id.in_(ids[w] for w, _, _ in SUBMISSIONS),
                         Notification.created_at > M("2026-11-02")) == []
    assert notifications(db_engine, Notification.occurrence_id == ids["phuong-cam-linh"],
                         Notification.kind == "escalation") != []


def test_returned_work_is_followed_up_again(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    target = one(db_engine, "xa-tuyen-truyen", "phuong-ba-ngoi")
    with session_scope(db_engine) as session:
        submit(session, plan, target.id, unit="phuong-ba-ngoi", note="Báo cáo", evidence=None, now=L("2026-12-04", 9))
    assert run_pass(db_engine, plan, M("2026-12-07")).events["reminder"] > 0
    assert notifications(db_engine, Notification.occurrence_id == target.id, Notification.kind == "reminder") == []
    with session_scope(db_engine) as session:
        with pytest.raises(Refused):
            review(session, plan, one(db_engine, "xa-theo-doi-htx", "phuong-ba-ngoi").id,
                   decision=Decision.ACCEPT, note="x", now=L("2026-12-07", 10))
        row = review(session, plan, target.id, decision=Decision.RETURN, note="Thiếu số liệu", now=L("2026-12-07", 10))
        assert (row.state, row.submitted_at) == ("returned", None)
        assert row.next_action_at == M("2026-12-10")  # the reminder on the morning of 10/12 (wards: 7, 3, 0 days)
    run_pass(db_engine, plan, M("2026-12-10"))
    assert [(n.kind, n.detail, n.due_at) for n in notifications(db_engine, Notification.occurrence_id == target.id,
                                                                 Notification.kind == "reminder")] == [
        ("reminder", 0, M("2026-12-10"))
    ]
    assert one(db_engine, "xa-tuyen-truyen", "phuong-ba-ngoi").state == "returned"
    run_pass(db_engine, plan, M("2026-12-11"))
    row = one(db_engine, "xa-tuyen-truyen", "phuong-ba-ngoi")
    assert row.state == "overdue"
    sent = notifications(db_engine, Notification.occurrence_id == row.id)
    assert ("overdue", M("2026-12-11")) in [(n.kind, n.due_at) for n in sent]


def test_extension_moves_the_deadline_by_art_148_and_recomputes_reminders(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    target = one(db_engine, "kt-thanh-lap-htx", "phong-kinh-te")
    with session_scope(db_engine) as session:
        row = extend(session, plan, target.id, to=D("2027-01-01"), note="Chờ số liệu quý", now=L("2026-12-14", 9))
    assert row.deadline == D("2027-01-04")  # New Year's Day (Friday), then the weekend
    assert row.original_deadline == D("2026-12-21")
    assert row.state == "open"
    assert row.next_action_at == M("2026-12-28")  # 7 days before 4/1/2027
    (trail,) = audit_rows(db_engine, AuditEvent.occurrence_id == target.id, AuditEvent.action == "extend")
    assert "21/12/2026" in trail.reason and "04/01/2027" in trail.reason
    # the old deadline's reminders no longer come; the new ones do
    run_pass(db_engine, plan, M("2026-12-21"))
    assert notifications(db_engine, Notification.occurrence_id == target.id, Notification.kind != "assigned") == []
    run_pass(db_engine, plan, M("2026-12-28"))
    assert [(n.kind, n.detail) for n in notifications(db_engine, Notification.occurrence_id == target.id,
                                                      Notification.kind != "assigned")] == [("reminder", 7)]


def test_extension_into_the_past_or_of_closed_work_is_refused(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    target = one(db_engine, "kt-thanh-lap-htx", "phong-kinh-te")
    with session_scope(db_engine) as session:
        with pytest.raises(Refused, match="đã qua"):
            extend(session, plan, target.id, to=D("2026-12-01"), note="x", now=L("2026-12-14", 9))
        waive(session, plan, target.id, note="Không còn phát sinh", now=L("2026-12-14", 9))
        with pytest.raises(Refused, match="đã đóng"):
            extend(session, plan, target.id, to=D("2027-01-01"), note="x", now=L("2026-12-14", 10))


def test_every_action_leaves_the_audit_trail_at_the_occurrences_state(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    run_pass(db_engine, plan, M("2026-11-20"))  # the Centre's November report (due 25/11) is due soon
    target = one(db_engine, "ttvhtt-tuyen-truyen", "trung-tam-vhtt-tt")

    def last_audit_state() -> str:
        return audit_rows(db_engine, AuditEvent.occurrence_id == target.id)[-1].to_state

    # extended to 26/11 on 23/11: within 3 working days of the new deadline, so due soon at once
    with session_scope(db_engine) as session:
        row = extend(session, plan, target.id, to=D("2026-11-26"), note="Chờ số liệu", now=L("2026-11-23", 9))
    assert row.state == "due_soon"
    assert last_audit_state() == "due_soon"
    with session_scope(db_engine) as session:
        submit(session, plan, target.id, unit="trung-tam-vhtt-tt", note="Báo cáo", evidence=None,
               now=L("2026-11-25", 9))
    assert last_audit_state() == "submitted"
    # returned after the deadline: the clock says overdue at once
    with session_scope(db_engine) as session:
        row = review(session, plan, target.id, decision=Decision.RETURN, note="Thiếu", now=L("2026-11-30", 9))
    assert row.state == "overdue"
    assert last_audit_state() == "overdue"
    actions = [a.action for a in audit_rows(db_engine, AuditEvent.occurrence_id == target.id)]
    assert actions == ["open", "clock", "extend", "clock", "submit", "return", "clock"]


def test_waiving_requires_a_reason(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    target = one(db_engine, "mttq-tuyen-truyen", "ubmttq-thanh-pho")
    with session_scope(db_engine) as session:
        with pytest.raises(Refused, match="note: không được để trống"):
            waive(session, plan, target.id, note=" ", now=L("2026-12-01", 9))
    assert one(db_engine, "mttq-tuyen-truyen", "ubmttq-thanh-pho").state == "open"
    with session_scope(db_engine) as session:
        row = waive(session, plan, target.id, note="Mặt trận đã báo cáo chung", now=L("2026-12-01", 9))
    assert (row.state, row.next_action_at, row.closed_at) == ("waived", None, L("2026-12-01", 9))
    (trail,) = audit_rows(db_engine, AuditEvent.occurrence_id == target.id, AuditEvent.action == "waive")
    assert (trail.reason, trail.actor, trail.to_state) == ("Mặt trận đã báo cáo chung", "cơ quan thường trực", "waived")
    run_pass(db_engine, plan, M("2026-12-14"))
    assert [n.kind for n in notifications(db_engine, Notification.occurrence_id == target.id)] == ["assigned"]


@pytest.mark.parametrize(
    ("received", "deadline"),
    [("2027-03-15", "2027-03-18"), ("2027-03-19", "2027-03-24"), ("2027-02-03", "2027-02-15"),
     ("2026-12-30", "2027-01-05")],
)
def test_a_case_is_due_three_working_days_after_receipt(db_engine: Engine, plan: Plan, received, deadline) -> None:
    now = L(received, 10)
    with session_scope(db_engine) as session:
        row = open_case(session, plan, "tckh-thu-tuc", unit="phong-tai-chinh-ke-hoach", kind="dang-ky",
                        received=D(received), ref="HTX-01/2027", now=now)
    assert (row.deadline, row.period_key, row.case_kind, row.received_on) == (
        D(deadline), "case:HTX-01/2027", "dang-ky", D(received)
    )
    assert (row.state, row.opened_at, row.next_action_at) == ("open", now, now)
    with session_scope(db_engine) as session:
        assert advance_due(session, plan, now, PassResult(now=now)) == 1  # only the case is due
    assert [n.kind for n in notifications(db_engine, Notification.occurrence_id == row.id)] == ["assigned"]
    (trail,) = audit_rows(db_engine, AuditEvent.occurrence_id == row.id)
    assert (trail.action, trail.actor) == ("open", "phong-tai-chinh-ke-hoach")
    assert D(deadline).strftime("%d/%m/%Y") in trail.reason


@pytest.mark.parametrize(
    ("duty", "unit", "kind", "ref", "message"),
    [
        ("tckh-thu-tuc", "phong-tai-chinh-ke-hoach", "dang-ky", "HTX-01", "đã được mở"),
        ("tckh-thu-tuc", "phong-tai-chinh-ke-hoach", "giai-the", "HTX-02", "loại hồ sơ 'giai-the' không hợp lệ"),
        ("tckh-thu-tuc", "phong-tai-chinh-ke-hoach", None, "HTX-03", "không hợp lệ"),
        ("tckh-thu-tuc", "phong-kinh-te", "dang-ky", "HTX-04", "không phụ trách"),
        ("kt-thanh-lap-htx", "phong-kinh-te", None, "HTX-05", "không phải loại tiếp nhận hồ sơ"),
        ("khong-co", "phong-kinh-te", None, "HTX-06", "không có nhiệm vụ 'khong-co'"),
        ("tckh-thu-tuc", "phong-tai-chinh-ke-hoach", "dang-ky", " ", "ref: không được để trống"),
    ],
)
def test_case_opening_is_refused_when_it_makes_no_sense(db_engine: Engine, plan: Plan, duty, unit, kind, ref,
                                                        message) -> None:
    with session_scope(db_engine) as session:
        open_case(session, plan, "tckh-thu-tuc", unit="phong-tai-chinh-ke-hoach", kind="dang-ky",
                  received=D("2027-03-15"), ref="HTX-01", now=L("2027-03-15", 9))
    with session_scope(db_engine) as session:
        with pytest.raises(Refused, match=message):
            open_case(session, plan, duty, unit=unit, kind=kind, received=D("2027-03-15"), ref=ref,
                      now=L("2027-03-15", 10))
    assert len(occurrences(db_engine)) == 1


def test_extending_or_returning_cancels_notices_not_yet_sent(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    run_pass(db_engine, plan, L("2026-12-11", 18))  # the ward reports were due 10/12: overdue notices recorded
    (row,) = occurrences(db_engine, Occurrence.unit_code == "phuong-ba-ngoi", Occurrence.duty_code == "xa-tuyen-truyen")
    assert any(n.status == "pending" for n in notifications(db_engine, Notification.occurrence_id == row.id))
    with session_scope(db_engine) as session:
        extend(session, plan, row.id, to=D("2026-12-31"), note="Chờ số liệu", now=L("2026-12-11", 19))
    assert {n.status for n in notifications(db_engine, Notification.occurrence_id == row.id)} <= {
        "cancelled", "superseded"}
