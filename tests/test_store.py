"""The engine pass, the services and the reports on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

import pytest
from actions import extend, open_case, review, submit, waive
from sqlalchemy import Engine, exc, text
from sqlmodel import Session, select

from htx_tasks.core.zones import at_local
from htx_tasks.engine import PassResult, advance_due, record_notifications, run_pass
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.reports import outcome_report, status_rows
from htx_tasks.services import Decision, Refused
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent, Notification, Occurrence, Submission

D = dt.date.fromisoformat
CONFIG_DIR = Path(__file__).parents[1] / "config"
WARDS = [
    "phuong-ba-ngoi", "phuong-cam-linh", "phuong-cam-loc", "phuong-cam-loi", "phuong-cam-nghia",
    "phuong-cam-phu", "phuong-cam-phuc-bac", "phuong-cam-phuc-nam", "phuong-cam-thuan", "xa-cam-binh",
    "xa-cam-lap", "xa-cam-phuoc-dong", "xa-cam-thanh-nam", "xa-cam-thinh-dong", "xa-cam-thinh-tay",
]
ORGANISATIONS = [  # III.7: each organisation is its own body, with its own inbox
    "ubmttq-thanh-pho", "ldld-thanh-pho", "hoi-nong-dan-thanh-pho", "hoi-lhpn-thanh-pho", "thanh-doan",
    "hoi-ccb-thanh-pho",
]


def L(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return at_local(D(day), hour, minute)


def M(day: str) -> dt.datetime:
    return L(day, 7, 30)


# What is open on the morning of Monday 2/11/2026, the first working day of tracking.
OPEN_ON_2026_11_02 = {
    ("kt-thanh-lap-htx", "phong-kinh-te", "2026-Q4", D("2026-12-21")),  # 20/12 is a Sunday
    # kt-tieu-chi-13 (năm 2023) and kt-ha-tang (2021–2025) are outside their windows; tnmt-quy-dat is a case duty
    ("kt-theo-doi-htx", "phong-kinh-te", "2026-Q4", D("2026-12-21")),
    ("kt-chinh-sach", "phong-kinh-te", "2026-H2", D("2026-12-21")),
    ("kt-bao-cao-tong-hop", "phong-kinh-te", "2026-H2", D("2026-12-25")),
    ("tckh-van-ban", "phong-tai-chinh-ke-hoach", "2026-H2", D("2026-12-21")),
    ("qldt-theo-doi-htx", "phong-quan-ly-do-thi", "2026-Q4", D("2026-12-15")),
    ("ttvhtt-tuyen-truyen", "trung-tam-vhtt-tt", "2026-M11", D("2026-11-25")),
    *{("mttq-tuyen-truyen", org, "2026-H2", D("2026-12-10")) for org in ORGANISATIONS},
    *{(duty, ward, "2026-Q4", D("2026-12-10")) for duty in ("xa-tuyen-truyen", "xa-theo-doi-htx") for ward in WARDS},
}


def occurrences(engine: Engine, *where) -> list[Occurrence]:
    with Session(engine) as session:
        return list(session.exec(select(Occurrence).where(*where).order_by(Occurrence.id)))


def notifications(engine: Engine, *where) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).where(*where).order_by(Notification.id)))


def audit_rows(engine: Engine, *where) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(*where).order_by(AuditEvent.id)))


def one(engine: Engine, duty: str, unit: str) -> Occurrence:
    rows = occurrences(engine, Occurrence.duty_code == duty, Occurrence.unit_code == unit)
    assert len(rows) == 1, rows
    return rows[0]


def keys(rows: list[Notification], engine: Engine) -> set[tuple]:
    """Notification identity independent of row ids: duty, unit, period, kind, level, time, recipient."""
    occ = {o.id: (o.duty_code, o.unit_code, o.period_key) for o in occurrences(engine)}
    return {(*occ[n.occurrence_id], n.kind, n.level, n.due_at, n.recipient) for n in rows}


def plan_with(tmp_path: Path, *edits: tuple[str, str]) -> Plan:
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    path = target / "plan.yaml"
    text_ = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert text_.count(old) == 1
        text_ = text_.replace(old, new)
    path.write_text(text_, encoding="utf-8")
    return load_plan(target)


# --- passes -------------------------------------------------------------------------------------


def test_first_pass_opens_every_period_open_at_now(db_engine: Engine, plan: Plan) -> None:
    result = run_pass(db_engine, plan, M("2026-11-02"))
    rows = occurrences(db_engine)
    assert {(o.duty_code, o.unit_code, o.period_key, o.deadline) for o in rows} == OPEN_ON_2026_11_02
    assert result.opened == len(OPEN_ON_2026_11_02) == 43
    assert result.advanced == len(OPEN_ON_2026_11_02)
    # opened at the start of tracking (00:00 local on Sunday 1/11/2026), told on Monday morning
    assert {o.opened_at for o in rows} == {L("2026-11-01")}
    assert result.events == Counter({"assigned": len(OPEN_ON_2026_11_02)})
    assert {o.state for o in rows} == {"open"}
    sent = notifications(db_engine)
    assert {n.due_at for n in sent} == {M("2026-11-02")}
    # 43 assignments, and 33 copies to coordinating units: III.1.5 to the 15 wards and Phòng Quản lý
    # đô thị, III.3 and the 15 wards' III.8.2 to Phòng Kinh tế, the III.1 consolidated report to
    # Phòng Tài chính – Kế hoạch
    assert len(sent) == result.notifications == 76
    owner = {o.id: o.unit_code for o in rows}
    copies = Counter(n.recipient for n in sent if n.recipient != owner[n.occurrence_id])
    assert copies == Counter({"phong-kinh-te": 16, "phong-quan-ly-do-thi": 1, "phong-tai-chinh-ke-hoach": 1,
                              **{w: 1 for w in WARDS}})


def test_second_pass_at_the_same_now_records_nothing(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    before = (len(occurrences(db_engine)), len(notifications(db_engine)), len(audit_rows(db_engine)))
    again = run_pass(db_engine, plan, M("2026-11-02"))
    assert (again.opened, again.advanced, again.notifications) == (0, 0, 0)
    assert (len(occurrences(db_engine)), len(notifications(db_engine)), len(audit_rows(db_engine))) == before


def test_later_passes_open_periods_as_they_begin(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    result = run_pass(db_engine, plan, M("2026-12-18"))
    new = occurrences(db_engine, Occurrence.id > len(OPEN_ON_2026_11_02))
    assert {(o.duty_code, o.period_key, o.deadline) for o in new} == {
        ("vhtt-dang-tai", "once", D("2027-01-15")),  # opens 60 days before its deadline
        ("ttvhtt-tuyen-truyen", "2026-M12", D("2026-12-25")),
        # kt-tham-muu (III.1.1) applied in 2023 only: its 2027 period is not opened
    }
    assert result.opened == 2
    assert one(db_engine, "vhtt-dang-tai", "phong-van-hoa-thong-tin").opened_at == L("2026-11-16")


def test_a_pass_limited_to_some_units_leaves_the_others_for_later(db_engine: Engine, plan: Plan) -> None:
    result = run_pass(db_engine, plan, M("2026-11-02"), units={"phuong-ba-ngoi"})
    assert {(o.duty_code, o.unit_code) for o in occurrences(db_engine)} == {
        ("xa-tuyen-truyen", "phuong-ba-ngoi"), ("xa-theo-doi-htx", "phuong-ba-ngoi")
    }
    assert result.notifications == 3  # two assignments and the copy of III.8.2 to Phòng Kinh tế
    rest = run_pass(db_engine, plan, M("2026-11-02"))
    assert rest.opened == len(OPEN_ON_2026_11_02) - 2
    assert len(occurrences(db_engine)) == len(OPEN_ON_2026_11_02)


def test_catch_up_records_the_same_events_as_daily_passes(db_engine: Engine, another_db_engine,
                                                          plan: Plan) -> None:
    late = another_db_engine()
    start = [run_pass(engine, plan, M("2026-11-02")).events for engine in (db_engine, late)]
    days = [M("2026-11-20"), M("2026-11-26"), M("2026-11-30")]
    per_pass = [run_pass(db_engine, plan, now).events for now in days]
    # III.6 for November (due Wednesday 25/11): reminders 18/11 and 20/11 (22/11 is a Sunday),
    # 24/11 and 25/11, overdue notice on 26/11, coordinator after two whole working days on 30/11
    # (and III.5, which opens on 16/11, sixty days before its deadline)
    assert per_pass == [Counter(assigned=1, reminder=2), Counter(reminder=2, overdue=1), Counter(escalation=1)]
    daily = notifications(db_engine)
    monthly = one(db_engine, "ttvhtt-tuyen-truyen", "trung-tam-vhtt-tt")
    mine = [n for n in daily if n.occurrence_id == monthly.id]
    assert [(n.kind, n.recipient) for n in mine] == [
        ("assigned", "trung-tam-vhtt-tt"), *[("reminder", "trung-tam-vhtt-tt")] * 4,
        ("overdue", "trung-tam-vhtt-tt"), ("escalation", "trung-tam-vhtt-tt"), ("escalation", "coordinator"),
    ]
    assert [n.due_at for n in mine] == sorted(n.due_at for n in mine)
    assert monthly.state == "escalated"

    catch_up = run_pass(late, plan, days[-1])  # the runner was down from 3/11 to 29/11
    assert start[0] == start[1]
    assert catch_up.events == sum(per_pass, Counter())
    caught = notifications(late)
    assert keys(caught, late) == keys(daily, db_engine)
    assert len(caught) == len(daily)
    # only the newest event per occurrence and recipient goes out; older ones stay on record
    late_monthly = one(late, "ttvhtt-tuyen-truyen", "trung-tam-vhtt-tt")
    assert [(n.kind, n.recipient, n.status) for n in caught if n.occurrence_id == late_monthly.id] == [
        ("assigned", "trung-tam-vhtt-tt", "pending"), *[("reminder", "trung-tam-vhtt-tt", "superseded")] * 4,
        ("overdue", "trung-tam-vhtt-tt", "superseded"), ("escalation", "trung-tam-vhtt-tt", "pending"),
        ("escalation", "coordinator", "pending"),
    ]
    assert (late_monthly.state, late_monthly.escalation_level) == (monthly.state, monthly.escalation_level)
    assert late_monthly.next_action_at == monthly.next_action_at == M("2026-12-03")


def test_notifications_are_unique_per_event_and_recipient(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    first = notifications(db_engine)[0]
    row = dict(occurrence_id=first.occurrence_id, kind=first.kind, level=first.level, detail=first.detail,
               due_at=first.due_at, recipient=first.recipient, created_at=M("2026-11-03"), status="pending",
               attempts=0, next_attempt_at=first.due_at)
    with session_scope(db_engine) as session:
        assert record_notifications(session, [dict(row)]) == 0
    assert len(notifications(db_engine)) == 76
    with pytest.raises(exc.IntegrityError):
        with session_scope(db_engine) as session:
            session.add(Notification(**row))


def test_one_bad_occurrence_does_not_stop_the_pass(db_engine: Engine, plan: Plan) -> None:
    with session_scope(db_engine) as session:
        session.add(Occurrence(duty_code="nhiem-vu-da-bo", unit_code="phong-kinh-te", period_key="2026",
                               period_label="năm 2026", deadline=D("2026-12-01"), original_deadline=D("2026-12-01"),
                               opened_at=L("2026-11-01"), state="open", next_action_at=L("2026-11-01")))
    result = run_pass(db_engine, plan, M("2026-11-02"))
    (bad,) = occurrences(db_engine, Occurrence.duty_code == "nhiem-vu-da-bo")
    assert [id_ for id_, _ in result.failed] == [bad.id]
    assert bad.next_action_at is None  # put aside, not retried every pass
    assert result.advanced == len(OPEN_ON_2026_11_02) + 1
    assert result.notifications == 76  # everything else was followed up


# --- people's actions ---------------------------------------------------------------------------


def test_submit_is_refused_for_a_unit_that_does_not_own_the_occurrence(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    target = one(db_engine, "xa-tuyen-truyen", "phuong-ba-ngoi")
    with session_scope(db_engine) as session:
        with pytest.raises(Refused, match="không phụ trách"):
            submit(session, plan, target.id, unit="phuong-cam-linh", note="Đã tuyên truyền", evidence=None,
                   now=L("2026-12-01", 9))
        with pytest.raises(Refused, match="note: không được để trống"):
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
        assert row.next_action_at == M("2026-12-09")  # the 1-day reminder before 10/12
    run_pass(db_engine, plan, M("2026-12-09"))
    assert [(n.kind, n.detail, n.due_at) for n in notifications(db_engine, Notification.occurrence_id == target.id,
                                                                 Notification.kind == "reminder")] == [
        ("reminder", 1, M("2026-12-09"))
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


# --- storage ------------------------------------------------------------------------------------


def test_audit_trail_is_append_only(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    count = len(audit_rows(db_engine))
    assert count == len(OPEN_ON_2026_11_02)  # one "open" per occurrence
    for statement in ("UPDATE audit_event SET reason = 'sửa' WHERE id = 1", "DELETE FROM audit_event WHERE id = 1"):
        with pytest.raises(exc.DBAPIError, match="append-only"):
            with db_engine.begin() as conn:
                conn.execute(text(statement))
    assert len(audit_rows(db_engine)) == count
    assert audit_rows(db_engine)[0].reason != "sửa"


def test_times_round_trip_as_aware_utc(db_engine: Engine) -> None:
    local_morning = dt.datetime(2027, 1, 4, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    with session_scope(db_engine) as session:
        session.add(Occurrence(duty_code="kt-tham-muu", unit_code="phong-kinh-te", period_key="2027",
                               period_label="năm 2027", deadline=D("2027-02-01"), original_deadline=D("2027-02-01"),
                               opened_at=local_morning, state="open", next_action_at=L("2027-02-02")))
    (row,) = occurrences(db_engine)
    assert row.opened_at == dt.datetime(2027, 1, 4, 0, 30, tzinfo=dt.UTC)
    assert row.opened_at.utcoffset() == dt.timedelta(0)
    assert row.next_action_at == dt.datetime(2027, 2, 1, 17, 0, tzinfo=dt.UTC)
    with db_engine.connect() as conn:
        stored = conn.execute(text("SELECT opened_at FROM occurrence")).scalar()
    stored = stored if isinstance(stored, dt.datetime) else dt.datetime.fromisoformat(stored)
    assert stored == dt.datetime(2027, 1, 4, 0, 30)  # naive UTC on disk, same on both databases
    # the indexed next-action query compares instants correctly across offsets
    with Session(db_engine) as session:
        due = session.exec(select(Occurrence).where(Occurrence.next_action_at <= L("2027-02-02"))).all()
        not_due = session.exec(select(Occurrence).where(Occurrence.next_action_at < L("2027-02-02"))).all()
    assert (len(due), len(not_due)) == (1, 0)
    with pytest.raises(exc.StatementError, match="naive"):
        with session_scope(db_engine) as session:
            session.add(Occurrence(duty_code="kt-tham-muu", unit_code="phong-kinh-te", period_key="2028",
                                   period_label="năm 2028", deadline=D("2028-01-31"),
                                   original_deadline=D("2028-01-31"), opened_at=dt.datetime(2027, 12, 17),
                                   state="open"))


# --- succession ---------------------------------------------------------------------------------

CAM_LINH = "  - {code: phuong-cam-linh, name: UBND phường Cam Linh, kind: ward}"
LAST_UNIT = "  - {code: xa-cam-thinh-tay, name: UBND xã Cam Thịnh Tây, kind: commune}"


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


def test_extending_or_returning_cancels_notices_not_yet_sent(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    run_pass(db_engine, plan, L("2026-12-11", 18))  # the ward reports were due 10/12: overdue notices recorded
    (row,) = occurrences(db_engine, Occurrence.unit_code == "phuong-ba-ngoi", Occurrence.duty_code == "xa-tuyen-truyen")
    assert any(n.status == "pending" for n in notifications(db_engine, Notification.occurrence_id == row.id))
    with session_scope(db_engine) as session:
        extend(session, plan, row.id, to=D("2026-12-31"), note="Chờ số liệu", now=L("2026-12-11", 19))
    assert {n.status for n in notifications(db_engine, Notification.occurrence_id == row.id)} <= {
        "cancelled", "superseded"}


# --- reports ------------------------------------------------------------------------------------


def test_outcome_report_counts_the_four_classes_per_unit(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))

    ids = {o.unit_code: o.id for o in occurrences(db_engine, Occurrence.duty_code == "xa-tuyen-truyen")}
    act = ids.__getitem__
    with session_scope(db_engine) as session:
        submit(session, plan, act("phuong-ba-ngoi"), unit="phuong-ba-ngoi", note="BC", evidence=None,
               now=L("2026-12-01", 9))
        review(session, plan, act("phuong-ba-ngoi"), decision=Decision.ACCEPT, note="Đạt", now=L("2026-12-02", 9))
        submit(session, plan, act("phuong-cam-linh"), unit="phuong-cam-linh", note="BC", evidence=None,
               now=L("2026-12-11", 9))
        review(session, plan, act("phuong-cam-linh"), decision=Decision.ACCEPT, note="Đạt", now=L("2026-12-11", 10))
        waive(session, plan, act("phuong-cam-loc"), note="Sáp nhập", now=L("2026-12-01", 9))
        submit(session, plan, act("phuong-cam-loi"), unit="phuong-cam-loi", note="BC", evidence=None,
               now=L("2026-12-09", 9))  # not reviewed yet: counts by its submission time
    with Session(db_engine) as session:
        report = {r.unit: r for r in outcome_report(session, plan, start=D("2026-12-01"), end=D("2026-12-31"),
                                                    now=L("2026-12-11", 12))}

    def counts(unit: str) -> tuple:
        r = report[unit]
        return (r.assigned, r.due, r.done_on_time, r.done_late, r.pending_in_time, r.pending_overdue, r.on_time_rate)

    assert counts("phuong-ba-ngoi") == (2, 2, 1, 0, 0, 1, 50.0)
    assert counts("phuong-cam-linh") == (2, 2, 0, 1, 0, 1, 0.0)
    assert counts("phuong-cam-loc") == (1, 1, 0, 0, 0, 1, 0.0)  # the waived one does not count
    assert counts("phuong-cam-loi") == (2, 2, 1, 0, 0, 1, 50.0)
    assert counts("phuong-cam-phu") == (2, 2, 0, 0, 0, 2, 0.0)
    # Phòng Kinh tế: four reports due later in December, none yet due (III.1.3 and III.1.4 have ended)
    assert counts("phong-kinh-te") == (4, 0, 0, 0, 4, 0, None)
    assert "ubnd-xa-phuong" not in report  # a group is reported through its members
    assert set(report) == {u.code for u in plan.source.units if u.members is None}
    assert report["phuong-ba-ngoi"].as_json()["on_time_rate"] == 50.0


def test_status_rows_show_open_work_soonest_first(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    with Session(db_engine) as session:
        rows = status_rows(session, plan, M("2026-11-30"))
        overdue = status_rows(session, plan, M("2026-11-30"), overdue_only=True)
        group = status_rows(session, plan, M("2026-11-30"), unit="ubnd-xa-phuong")
        ward = status_rows(session, plan, M("2026-11-30"), unit="phuong-ba-ngoi")
    assert len(rows) == len(OPEN_ON_2026_11_02)
    assert [r.deadline for r in rows] == sorted(r.deadline for r in rows)
    (late,) = overdue
    assert (late.duty, late.deadline, late.days_left, late.working_days_overdue) == (
        "ttvhtt-tuyen-truyen", D("2026-11-25"), -5, 2
    )
    assert late.last_reminder is None  # recorded but not sent yet: "last reminder" means sent
    assert {r.unit for r in group} == set(WARDS) and len(group) == 30
    assert {r.duty for r in ward} == {"xa-tuyen-truyen", "xa-theo-doi-htx"}
    assert ward[0].as_json()["deadline"] == "2026-12-10"


def test_status_shows_the_state_the_clock_has_reached_since_the_last_pass(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))  # no pass after this: stored states stay "open"
    with Session(db_engine) as session:
        before = {r.id: r for r in status_rows(session, plan, M("2026-12-01"))}
        after = {r.id: r for r in status_rows(session, plan, M("2026-12-15"))}
    ward = next(r for r in after.values() if r.unit == "phuong-ba-ngoi" and r.duty == "xa-tuyen-truyen")
    assert before[ward.id].state == "open"
    assert (ward.state, ward.state_label) == ("overdue", "Quá hạn")  # due 10/12, not yet escalated
    assert ward.working_days_overdue > 0


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


def test_a_database_url_with_a_percent_sign_can_be_upgraded(tmp_path: Path) -> None:
    from htx_tasks.store.db import current_revision, make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / '100%' / 'htx.db'}")
    upgrade(engine)
    assert current_revision(engine) is not None
