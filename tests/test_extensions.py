"""Requests for more time as services: who may ask and decide, the rules, and decisions that race."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlmodel import Session, select

from htx_tasks.core.lifecycle import State
from htx_tasks.engine import run_pass
from htx_tasks.services import Actor, Conflict, InvalidInput, Refused
from htx_tasks.services.extensions import DecideExtension, RequestExtension, decide_extension, request_extension
from htx_tasks.store.answers import ExtensionRequest
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent, Notification, Occurrence

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
WARD, OTHER = "phuong-ba-ngoi", "phuong-cam-linh"
VIA = "cli:kiem-thu"
COORDINATOR = Actor.coordinator(VIA)


@pytest.fixture
def item(db_engine, plan) -> Occurrence:
    run_pass(db_engine, plan, NOW)
    with Session(db_engine) as session:
        return session.exec(select(Occurrence).where(Occurrence.unit_code == WARD).order_by(Occurrence.id)).first()


def ask(engine, plan, occurrence_id, *, actor=None, proposed=dt.date(2027, 1, 10), **extra):
    with session_scope(engine) as session:
        extra.setdefault("expected_version", session.get(Occurrence, occurrence_id).version)  # as the page showed
        command = RequestExtension.parse(occurrence=occurrence_id, proposed=proposed, reason="Chờ số liệu", **extra)
        return request_extension(session, plan, actor or Actor.of_unit(WARD, VIA), command, now=NOW)


def decide(engine, plan, request_id, *, approve=True, note="", actor=COORDINATOR, hours=1):
    with session_scope(engine) as session:
        asked = session.get(ExtensionRequest, request_id)
        version = session.get(Occurrence, asked.occurrence_id).version if asked else 1  # what the coordinator saw
        command = DecideExtension.parse(request=request_id, approve=approve, note=note, expected_version=version)
        return decide_extension(session, plan, actor, command, now=NOW + dt.timedelta(hours=hours))


def count(engine, model) -> int:
    with Session(engine) as session:
        return len(session.exec(select(model)).all())


@pytest.mark.parametrize(("who", "message"), [
    (Actor.of_unit(OTHER, VIA), "không phụ trách nhiệm vụ số"),
    (COORDINATOR, "không đề nghị gia hạn thay đơn vị"),
])
def test_only_the_owning_unit_may_ask(db_engine, plan, item, who, message):
    with pytest.raises(Refused, match=message):
        ask(db_engine, plan, item.id, actor=who)
    assert count(db_engine, ExtensionRequest) == 0


def test_a_unit_never_decides_on_its_own_request(db_engine, plan, item):
    request = ask(db_engine, plan, item.id)
    audits = count(db_engine, AuditEvent)
    with pytest.raises(Refused, match="không có quyền quyết định đề nghị gia hạn"):
        decide(db_engine, plan, request.id, actor=Actor.of_unit(WARD, VIA))
    assert count(db_engine, AuditEvent) == audits


def test_request_rules(db_engine, plan, item):
    with pytest.raises(InvalidInput, match="phải sau hạn hiện tại"):
        ask(db_engine, plan, item.id, proposed=item.deadline)
    with pytest.raises(InvalidInput, match="quá xa"):
        ask(db_engine, plan, item.id, proposed=dt.date(2030, 1, 1))
    with pytest.raises(InvalidInput, match="không được để trống"):
        RequestExtension.parse(occurrence=item.id, proposed="2027-01-10", reason="  ")
    with pytest.raises(Conflict, match="đã có người xử lý trước"):
        ask(db_engine, plan, item.id, expected_version=item.version + 1)
    ask(db_engine, plan, item.id)
    with pytest.raises(Conflict, match="đang chờ quyết định"):
        ask(db_engine, plan, item.id)
    assert count(db_engine, ExtensionRequest) == 1


def test_refusal_keeps_the_deadline_and_tells_the_unit_and_reminders_go_on(db_engine, plan, item):
    request = ask(db_engine, plan, item.id)
    with pytest.raises(InvalidInput, match="cần ghi rõ lý do"):
        decide(db_engine, plan, request.id, approve=False)
    decided = decide(db_engine, plan, request.id, approve=False, note="Giữ nguyên hạn")
    assert (decided.decision, decided.decision_note, decided.new_deadline) == ("refused", "Giữ nguyên hạn", None)
    with Session(db_engine) as session:
        row = session.get(Occurrence, item.id)
        assert row.deadline == item.deadline and State(row.state).active and row.next_action_at is not None
        told = session.exec(select(Notification).where(Notification.kind == "ext_refused")).one()
        trail = session.exec(select(AuditEvent).where(AuditEvent.action == "refuse_extension")).one()
    assert told.recipient == WARD and (trail.role, trail.via) == ("coordinator", VIA)


def test_two_decisions_at_once_one_wins_and_the_other_writes_nothing(db_engine, plan, item):
    for attempt in range(10 if db_engine.dialect.name == "postgresql" else 3):
        with session_scope(db_engine) as session:  # a fresh item for each round
            row = session.get(Occurrence, item.id)
            if not State(row.state).active:
                break
        request = ask(db_engine, plan, item.id, proposed=row.deadline + dt.timedelta(days=7))
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def run(approve: bool, barrier=barrier, request_id=request.id, hours=1 + attempt,
                outcomes=outcomes) -> None:
            barrier.wait()
            try:
                decide(db_engine, plan, request_id, approve=approve, note="ý kiến", hours=hours)
                outcomes.append("won")
            except Conflict:
                outcomes.append("lost")

        threads = [threading.Thread(target=run, args=(flag,)) for flag in (True, False)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["lost", "won"]
        with Session(db_engine) as session:
            decisions = session.exec(select(AuditEvent).where(
                AuditEvent.occurrence_id == item.id,
                AuditEvent.action.in_(["extend", "refuse_extension"]))).all()
            told = session.exec(select(Notification).where(Notification.kind.in_(["ext_approved", "ext_refused"]),
                                                           Notification.occurrence_id == item.id)).all()
        assert len(decisions) == attempt + 1 and len(told) == attempt + 1
