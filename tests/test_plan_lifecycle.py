"""A plan's life: a draft is started, an active plan is ended. Ending a plan ends its open items
(audited), closes its reports awaiting review and stops its messages; another plan's items are
untouched (SQLite and PostgreSQL). ``htx-tasks plans`` and ``plan show|activate|close``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from actions import submit
from sqlalchemy import Engine, select
from sqlmodel import Session

from htx_tasks.core.policy import Assignment
from htx_tasks.core.zones import at_local
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.services import Actor, Conflict, InvalidInput, Refused
from htx_tasks.services.plans import ClosePlan, activate_plan, close_plan, plan_lines
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent, Notification, Occurrence, PlanRow, Submission

D = dt.date.fromisoformat
OTHER = "ke-hoach-thu-hai"
COORDINATOR = Actor.coordinator("cli:kiem-thu")


def M(day: str) -> dt.datetime:
    return at_local(D(day), 7, 30)


def other_plan(plan: Plan, status: str = "active") -> Plan:
    meta = plan.source.plan.model_copy(update={"code": OTHER, "short_title": "Kế hoạch thứ hai", "status": status,
                                               "label": "KH thứ hai"})
    return dataclasses.replace(plan, source=plan.source.model_copy(update={"plan": meta}))


def items(engine: Engine, code: str) -> dict[int, tuple]:
    with Session(engine) as session:
        rows = session.execute(select(Occurrence).where(Occurrence.plan_code == code)).scalars()
        return {o.id: (o.state, o.version, o.next_action_at) for o in rows}


def notices(engine: Engine, code: str) -> list[str]:
    with Session(engine) as session:
        return list(session.execute(select(Notification.status).join(Occurrence, Occurrence.id == Notification.occurrence_id)
                                    .where(Occurrence.plan_code == code)).scalars())


def test_ending_a_plan_ends_its_items_and_its_messages_and_nothing_else(db_engine: Engine, plan: Plan) -> None:
    second = other_plan(plan)
    for each in (plan, second):
        run_pass(db_engine, each, M("2026-11-02"))
    with session_scope(db_engine) as session:
        waiting = session.execute(select(Occurrence).where(Occurrence.plan_code == OTHER,
                                                           Occurrence.duty_code == "xa-tuyen-truyen")).scalars().first()
        assert waiting is not None
        submit(session, second, waiting.id, unit=waiting.unit_code, note="Đã làm", now=M("2026-11-10"))
    seed_before, seed_notices = items(db_engine, plan.meta.code), notices(db_engine, plan.meta.code)
    assert "pending" in notices(db_engine, OTHER)
    open_before = len(items(db_engine, OTHER))

    with session_scope(db_engine) as session:
        closed = close_plan(session, second, COORDINATOR, ClosePlan.parse(plan=OTHER, note="Thay bằng kế hoạch mới"),
                            now=M("2026-11-12"))
    assert (closed.ended, closed.reports) == (open_before, 1) and closed.cancelled > 0
    assert {state for state, *_ in items(db_engine, OTHER).values()} == {"waived"}
    assert all(nxt is None for *_, nxt in items(db_engine, OTHER).values())
    assert "pending" not in notices(db_engine, OTHER)
    with Session(db_engine) as session:
        trail = session.execute(select(AuditEvent).where(AuditEvent.action == "close_plan")).scalars().all()
        report = session.execute(select(Submission).where(Submission.occurrence_id == waiting.id)).scalars().one()
        stored = session.get(PlanRow, OTHER)
    assert len(trail) == open_before + 1  # each item, and the plan
    assert all("KH thứ hai kết thúc: Thay bằng kế hoạch mới" in (e.reason or "") for e in trail)
    assert {e.actor for e in trail} == {COORDINATOR.name} and {e.via for e in trail} == {"cli:kiem-thu"}
    assert report.decision == "waive"
    assert stored is not None and stored.status == "closed" and stored.status_at == M("2026-11-12")
    # the seed plan's items and notices are as they were
    assert items(db_engine, plan.meta.code) == seed_before and notices(db_engine, plan.meta.code) == seed_notices

    # later passes: the ended plan opens and tells nothing; the seed plan goes on
    later = run_pass(db_engine, second, M("2027-01-05"))
    assert (later.opened, later.advanced, later.notifications) == (0, 0, 0)
    assert run_pass(db_engine, plan, M("2027-01-05")).notifications > 0
    with session_scope(db_engine) as session, pytest.raises(Conflict, match="đã kết thúc"):
        close_plan(session, second, COORDINATOR, ClosePlan.parse(plan=OTHER, note="lần nữa"), now=M("2027-01-05"))
    with session_scope(db_engine) as session, pytest.raises(Refused, match="không theo dõi lại"):
        activate_plan(session, second, COORDINATOR, now=M("2027-01-05"))


def test_a_draft_is_started_by_the_coordinator_only(db_engine: Engine, plan: Plan) -> None:
    draft = other_plan(plan, status="draft")
    assert run_pass(db_engine, draft, M("2026-11-02")).opened == 0
    with session_scope(db_engine) as session, pytest.raises(Refused, match="không có quyền"):
        activate_plan(session, draft, Actor.of_unit("phuong-ba-ngoi", "cli:kiem-thu"), now=M("2026-11-02"))
    with session_scope(db_engine) as session, pytest.raises(InvalidInput, match="note"):
        close_plan(session, draft, COORDINATOR, ClosePlan.parse(plan=OTHER, note="  "), now=M("2026-11-02"))
    with session_scope(db_engine) as session:
        activate_plan(session, draft, COORDINATOR, now=M("2026-11-02"))
    assert run_pass(db_engine, draft, M("2026-11-02")).opened > 0
    with session_scope(db_engine) as session:
        lines = {line.code: line for line in plan_lines(session, {OTHER: draft})}
    assert lines[OTHER].status_label == "đang theo dõi" and lines[OTHER].open == len(items(db_engine, OTHER))


def test_the_cli_lists_shows_and_ends_a_plan(run_cli) -> None:
    assert run_cli("init").exit_code == 0
    assert run_cli("tick", "--now", "2026-11-02T07:30", "--no-dispatch").exit_code == 0
    listed = json.loads(run_cli("plans", "--json").stdout)
    assert [(p["code"], p["status"]) for p in listed] == [("kh-46-ctr-tu-cam-ranh", "active")]
    assert listed[0]["open"] > 0 and listed[0]["done"] == 0
    shown = run_cli("plan", "show", "kh-46-ctr-tu-cam-ranh")
    assert shown.exit_code == 0 and "Trạng thái: đang theo dõi" in shown.stdout
    unknown = run_cli("tick", "--plan", "khong-co", "--no-dispatch")
    assert unknown.exit_code == 2 and "không có kế hoạch mã 'khong-co'" in unknown.stderr
    no_note = run_cli("plan", "close", "kh-46-ctr-tu-cam-ranh", "--note", " ")
    assert no_note.exit_code == 2
    ended = run_cli("plan", "close", "kh-46-ctr-tu-cam-ranh", "--note", "Kết thúc giai đoạn", "--now", "2026-11-05T08:00",
                    "--json")
    assert ended.exit_code == 0, ended.output
    assert json.loads(ended.stdout)["ended"] == listed[0]["open"]
    after = json.loads(run_cli("plans", "--json").stdout)[0]
    assert (after["status"], after["open"]) == ("closed", 0)
    tick = json.loads(run_cli("tick", "--now", "2026-12-28T07:30", "--no-dispatch", "--json").stdout)
    assert (tick["opened"], tick["notifications"]) == (0, 0)


def test_a_request_past_its_date_is_not_counted_late(db_engine: Engine, plan: Plan) -> None:
    """The plans list and the office's page say "quá hạn" of directed work only; what the plan asks
    of the Front and the organisations is counted apart, as requests past their date."""
    for day in ("2026-11-02", "2027-01-05", "2027-07-05"):
        run_pass(db_engine, plan, M(day))
    late = ("overdue", "escalated")
    with session_scope(db_engine) as session:
        rows = session.execute(select(Occurrence.unit_code, Occurrence.state)).all()
        line = plan_lines(session, {plan.meta.code: plan})[0]
    asked = [s for u, s in rows if s in late and plan.assignment_of(u) is Assignment.REQUEST]
    directed = [s for u, s in rows if s in late and plan.assignment_of(u) is not Assignment.REQUEST]
    assert asked and directed, "the scenario must hold both kinds past their date"
    assert (line.late, line.past_requests) == (len(directed), len(asked))
    assert line.open == sum(1 for _, s in rows if s in ("open", "due_soon", "overdue", "escalated", "returned", "submitted"))


def test_the_cli_words_requests_past_their_date_as_requests(run_cli) -> None:
    assert run_cli("init").exit_code == 0
    for day in ("2026-11-02", "2027-01-05", "2027-07-05"):
        assert run_cli("tick", "--now", f"{day}T07:30", "--no-dispatch").exit_code == 0
    code = "kh-46-ctr-tu-cam-ranh"
    listed = {p["code"]: p for p in json.loads(run_cli("plans", "--json").stdout)}[code]
    assert listed["past_requests"] > 0 and listed["late"] > 0  # both kinds are past their date here
    shown = run_cli("plan", "show", code)
    assert f"đề nghị đã qua mốc: {listed['past_requests']}" in shown.stdout
    assert "- Đã qua mốc" in shown.stdout
