"""What decisions do to an item, its report, its notices and its trail (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from actions import COORDINATOR, extend, review, submit, waive
from office import SEED_DIR
from sqlalchemy import Engine
from sqlmodel import Session, select

from htx_tasks.core.policy import Assignment
from htx_tasks.core.zones import at_local
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.services import Actor, Conflict, Decision, InvalidInput, Refused
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent, Notification, Occurrence, Submission

D = dt.date.fromisoformat
CONFIG_DIR = SEED_DIR
WARD = "phuong-ba-ngoi"


def L(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return at_local(D(day), hour, minute)


def M(day: str) -> dt.datetime:
    return L(day, 7, 30)


def ward_report(engine: Engine, ward: str = WARD) -> Occurrence:
    with Session(engine) as session:
        return session.exec(select(Occurrence).where(Occurrence.unit_code == ward,
                                                     Occurrence.duty_code == "xa-tuyen-truyen")).one()


def notices(engine: Engine, occurrence: int) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).where(Notification.occurrence_id == occurrence)
                                 .order_by(Notification.id)))


def submissions(engine: Engine, occurrence: int) -> list[Submission]:
    with Session(engine) as session:
        return list(session.exec(select(Submission).where(Submission.occurrence_id == occurrence)
                                 .order_by(Submission.id)))


def trail(engine: Engine, occurrence: int) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == occurrence)
                                 .order_by(AuditEvent.id)))


def test_extending_an_escalated_item_starts_its_escalation_again(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    run_pass(db_engine, plan, M("2026-12-15"))  # due 10/12: overdue, then told to the coordinator
    row = ward_report(db_engine)
    assert (row.state, row.escalation_level) == ("escalated", 1)
    with session_scope(db_engine) as session:
        row = extend(session, plan, row.id, to=D("2026-12-31"), note="Chờ số liệu", now=L("2026-12-15", 9))
    assert (row.state, row.escalation_level) == ("open", -1)
    before = {n.id for n in notices(db_engine, row.id)}
    run_pass(db_engine, plan, M("2027-01-04"))  # 31/12 passed (1/1 is a holiday, then the weekend)
    after = [(n.kind, n.level, n.recipient) for n in notices(db_engine, row.id) if n.id not in before]
    # the new deadline's follow-up starts over: the unit is told it is overdue, nobody above it yet
    assert ("overdue", 0, WARD) in after
    assert [n for n in after if n[0] == "escalation"] == []


def test_returning_a_report_cancels_its_notices_not_yet_sent(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    run_pass(db_engine, plan, L("2026-12-11", 18))  # due 10/12: an overdue notice, recorded after hours
    row = ward_report(db_engine)
    waiting = {n.id for n in notices(db_engine, row.id) if n.status == "pending"}
    assert waiting
    with session_scope(db_engine) as session:
        submit(session, plan, row.id, unit=WARD, note="Đã tuyên truyền", now=L("2026-12-11", 18, 30))
        review(session, plan, row.id, decision=Decision.RETURN, note="Thiếu số liệu", now=L("2026-12-11", 19))
    assert {n.status for n in notices(db_engine, row.id) if n.id in waiting} == {"cancelled"}


def test_waiving_a_submitted_report_closes_its_submission(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    row = ward_report(db_engine)
    with session_scope(db_engine) as session:
        submit(session, plan, row.id, unit=WARD, note="Báo cáo", now=L("2026-12-01", 9))
        waive(session, plan, row.id, note="Không còn phải báo cáo", now=L("2026-12-02", 9))
    (sub,) = submissions(db_engine, row.id)
    assert (sub.decision, sub.decided_at, sub.decision_note) == ("waive", L("2026-12-02", 9), "Không còn phải báo cáo")
    closed = rf"nhiệm vụ số {row.id} đã có người xử lý trước: đã đóng \('Miễn thực hiện'\)"
    with session_scope(db_engine) as session, pytest.raises(Conflict, match=closed):
        review(session, plan, row.id, decision=Decision.ACCEPT, note="", now=L("2026-12-02", 10))


def test_a_report_is_pending_exactly_while_its_item_awaits_review(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    row = ward_report(db_engine)

    def check(state: str) -> None:
        pending = [s for s in submissions(db_engine, row.id) if s.decision == "pending"]
        assert ward_report(db_engine).state == state
        assert len(pending) == (state == "submitted")

    steps = [
        (lambda s: submit(s, plan, row.id, unit=WARD, note="Lần 1", now=L("2026-12-01", 9)), "submitted"),
        (lambda s: review(s, plan, row.id, decision=Decision.RETURN, note="Thiếu", now=L("2026-12-02", 9)), "returned"),
        (lambda s: submit(s, plan, row.id, unit=WARD, note="Lần 2", now=L("2026-12-03", 9)), "submitted"),
        (lambda s: review(s, plan, row.id, decision=Decision.ACCEPT, note="Đạt", now=L("2026-12-04", 9)),
         "done_on_time"),
    ]
    for step, state in steps:
        with session_scope(db_engine) as session:
            step(session)
        check(state)
    assert [s.decision for s in submissions(db_engine, row.id)] == ["return", "accept"]


def test_the_audit_names_who_decided_as_what_and_how(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    row = ward_report(db_engine)
    link = Actor.of_unit(WARD, "link:ab12cd")
    form = Actor.coordinator("form:7f3e")
    with session_scope(db_engine) as session:
        submit(session, plan, row.id, unit=WARD, note="Báo cáo", now=L("2026-12-01", 9), actor=link)
        review(session, plan, row.id, decision=Decision.RETURN, note="Thiếu", now=L("2026-12-02", 9), actor=form)
        extend(session, plan, row.id, to=D("2026-12-18"), note="Bổ sung", now=L("2026-12-02", 10))
        waive(session, plan, row.id, note="Sáp nhập", now=L("2026-12-03", 9))
    people = [(a.action, a.actor, a.role, a.via) for a in trail(db_engine, row.id) if a.role != "system"]
    assert people == [
        ("submit", WARD, "unit", "link:ab12cd"),
        ("return", "cơ quan thường trực", "coordinator", "form:7f3e"),
        ("extend", "cơ quan thường trực", "coordinator", COORDINATOR.via),
        ("waive", "cơ quan thường trực", "coordinator", COORDINATOR.via),
    ]
    assert {(a.action, a.actor) for a in trail(db_engine, row.id) if a.role == "system"} == {("open", "hệ thống")}


@pytest.mark.parametrize(
    ("actor", "message"),
    [
        (Actor.of_unit(WARD, "link:1"), f"đơn vị '{WARD}' không được tự duyệt báo cáo"),
        (Actor.of_unit("ubnd-xa-phuong", "form:1"), "đơn vị 'ubnd-xa-phuong' không được tự duyệt báo cáo"),
        (Actor.of_unit("phong-kinh-te", "cli:x"), "đơn vị 'phong-kinh-te' không được tự duyệt báo cáo"),
        (Actor.system(), "hệ thống không có quyền chấp nhận báo cáo; việc này do cơ quan thường trực quyết định"),
    ],
)
def test_only_the_coordinator_decides_on_a_report(db_engine: Engine, plan: Plan, actor: Actor, message: str) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    row = ward_report(db_engine)
    with session_scope(db_engine) as session:
        submit(session, plan, row.id, unit=WARD, note="Báo cáo", now=L("2026-12-01", 9))
    count = len(trail(db_engine, row.id))
    with session_scope(db_engine) as session, pytest.raises(Refused, match=message):
        review(session, plan, row.id, decision=Decision.ACCEPT, note="", now=L("2026-12-01", 10), actor=actor)
    assert len(trail(db_engine, row.id)) == count
    assert ward_report(db_engine).state == "submitted"


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("2026-11-30", "to: hạn mới 30/11/2026 đã qua"),
        ("2026-12-05", "to: hạn mới 07/12/2026 phải sau hạn hiện tại 10/12/2026"),  # 5/12 is a Saturday
        ("2026-12-10", "to: hạn mới 10/12/2026 phải sau hạn hiện tại 10/12/2026"),
        ("2027-12-03", "to: hạn mới 03/12/2027 quá xa: chậm nhất 02/12/2027"),
        ("9999-12-30", "to: hạn mới 30/12/9999 quá xa"),
        ("9999-12-31", "to: hạn mới 31/12/9999 quá xa"),
        ("0001-01-01", "to: hạn mới 01/01/0001 đã qua"),
    ],
)
def test_an_extension_moves_the_deadline_later_within_a_year(db_engine: Engine, plan: Plan, to: str,
                                                             message: str) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    row = ward_report(db_engine)
    with session_scope(db_engine) as session, pytest.raises(InvalidInput, match=message):
        extend(session, plan, row.id, to=D(to), note="Lý do", now=L("2026-12-01", 9))
    assert (ward_report(db_engine).deadline, ward_report(db_engine).version) == (D("2026-12-10"), row.version)
    with session_scope(db_engine) as session:
        assert extend(session, plan, row.id, to=D("2027-12-02"), note="Lý do", now=L("2026-12-01", 9)).deadline == (
            D("2027-12-02"))


def test_a_stale_page_cannot_overwrite_a_decision(db_engine: Engine, plan: Plan) -> None:
    """The web pages send back the version they showed; a decision taken since refuses theirs."""
    from htx_tasks import services

    run_pass(db_engine, plan, M("2026-11-02"))
    row = ward_report(db_engine)
    seen = row.version
    with session_scope(db_engine) as session:
        extend(session, plan, row.id, to=D("2026-12-20"), note="Lần 1", now=L("2026-12-01", 9))
    command = services.ExtendDeadline.parse(occurrence=row.id, to="2026-12-31", note="Lần 2", expected_version=seen)
    stale = rf"nhiệm vụ số {row.id} đã có người xử lý trước \(nay: 'Đang thực hiện'\)"
    with session_scope(db_engine) as session, pytest.raises(Conflict, match=stale):
        services.extend(session, plan, COORDINATOR, command, now=L("2026-12-01", 9, 5))
    assert ward_report(db_engine).deadline == D("2026-12-21")  # 20/12 is a Sunday


def test_a_ward_group_asked_not_ordered_is_never_escalated_to_leadership(db_engine: Engine, tmp_path: Path) -> None:
    """A group with ``assignment: request`` (like the III.7 organisations) makes each member a request."""
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    plan_file = config / "plan.yaml"
    text = plan_file.read_text(encoding="utf-8")
    group = "  - code: ubnd-xa-phuong\n    name: UBND các xã, phường\n    kind: group\n"
    assert group in text
    plan_file.write_text(text.replace(group, f"{group}    assignment: request\n", 1), encoding="utf-8")
    asked, ordered = load_plan(config), load_plan(CONFIG_DIR)
    assert asked.assignment_of(WARD) is Assignment.REQUEST and ordered.assignment_of(WARD) is Assignment.DIRECT
    for day in ("2026-11-02", "2026-12-11", "2026-12-15", "2026-12-18", "2026-12-25"):
        run_pass(db_engine, asked, M(day))
    row = ward_report(db_engine)
    told = {(n.kind, n.recipient) for n in notices(db_engine, row.id)}
    assert ("escalation", "coordinator") in told
    assert [r for _, r in told if r == "leadership"] == []
    # the same ward under the shipped plan (ordered) reaches leadership by then
    steps = [s.to.value for s in ordered.policy_for("xa-tuyen-truyen", WARD).escalation or []]
    assert "leadership" in steps
    assert "leadership" not in [s.to.value for s in asked.policy_for("xa-tuyen-truyen", WARD).escalation or []]
