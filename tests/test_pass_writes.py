"""The pass's bulk writes (array parameters on PostgreSQL, executemany on SQLite) and its row locks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from actions import submit
from sqlalchemy import Engine, event, select, text, update
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session
from storekit import CAM_LINH, L, M, notifications, occurrences, plan_with

from htx_tasks.engine import DUE_COLUMNS, PassResult, plan_advances, record_notifications, run_pass, write_advances
from htx_tasks.plan.loader import Plan
from htx_tasks.store.db import make_engine, session_scope
from htx_tasks.store.models import AuditEvent, Notification, Occurrence

OCC = Occurrence.__table__.c
FOLLOWED = ("id", "state", "escalation_level", "last_action_at", "next_action_at")


def outbox(engine: Engine) -> list[tuple]:
    return [(n.occurrence_id, n.kind, n.level, n.detail, n.due_at, n.recipient, n.created_at, n.status, n.attempts,
             n.next_attempt_at) for n in notifications(engine)]


def test_an_outbox_row_recorded_already_is_left_as_it_is_and_not_counted(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    first = notifications(db_engine)[0]
    with session_scope(db_engine) as session:
        session.execute(update(Notification).where(Notification.id == first.id).values(status="sent"))
    before = len(notifications(db_engine))
    row = dict(occurrence_id=first.occurrence_id, kind=first.kind, level=first.level, detail=first.detail,
               recipient=first.recipient, created_at=M("2026-11-03"), status="pending", next_attempt_at=None)
    later = first.due_at + dt.timedelta(days=1)
    with session_scope(db_engine) as session:  # one old key, two new ones of which the older is superseded
        assert record_notifications(session, [
            {**row, "due_at": first.due_at}, {**row, "due_at": later, "kind": "reminder"},
            {**row, "due_at": later + dt.timedelta(hours=1), "kind": "overdue", "next_attempt_at": later},
        ]) == 2
    rows = notifications(db_engine)
    assert len(rows) == before + 2
    kept = next(n for n in rows if n.id == first.id)
    assert (kept.status, kept.created_at) == ("sent", first.created_at)
    assert [(n.kind, n.status, n.next_attempt_at) for n in rows[-2:]] == [
        ("reminder", "superseded", None), ("overdue", "pending", later)]


def test_a_pass_rerun_over_restored_rows_writes_no_outbox_row_twice(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    run_pass(db_engine, plan, M("2026-12-01"))  # December's periods open: the pass below opens nothing
    with Session(db_engine) as session:
        restore = [dict(zip(FOLLOWED, r, strict=True)) for r in session.execute(select(*(OCC[c] for c in FOLLOWED)))]
    versions = {o.id: o.version for o in occurrences(db_engine)}
    late = L("2026-12-14", 9)  # past the wards' deadline (10/12): overdue notices, escalations, state changes
    first = run_pass(db_engine, plan, late)
    assert first.opened == 0 and first.notifications > 0 and first.events["overdue"] > 0
    written, after = outbox(db_engine), [(o.id, o.state, o.escalation_level, o.next_action_at)
                                         for o in occurrences(db_engine)]
    assert {o.id: o.version for o in occurrences(db_engine)} == {
        i: v + (i in {r["id"] for r in restore if r["next_action_at"] and r["next_action_at"] <= late})
        for i, v in versions.items()}  # every row advanced is one version on: a form read before it is stale
    with session_scope(db_engine) as session:  # as if the pass's state change had been lost, not its outbox
        session.execute(update(Occurrence.__table__).where(OCC.id == text(":b_id")), [
            {**{k: v for k, v in r.items() if k != "id"}, "b_id": r["id"]} for r in restore])
    again = run_pass(db_engine, plan, late)
    assert again.advanced == first.advanced and again.notifications == 0
    assert outbox(db_engine) == written
    assert [(o.id, o.state, o.escalation_level, o.next_action_at) for o in occurrences(db_engine)] == after


def test_advancing_a_row_changed_since_it_was_read_fails_instead_of_overwriting(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    now = L("2026-12-14", 9)
    with pytest.raises(StaleDataError):
        with session_scope(db_engine) as session:
            rows = session.execute(select(*DUE_COLUMNS).where(OCC.next_action_at <= now)).all()
            session.execute(update(Occurrence.__table__).where(OCC.id == rows[0].id).values(version=OCC.version + 1))
            write_advances(session, plan_advances(plan, rows, now, PassResult(now=now)), now)
    assert not [n for n in notifications(db_engine) if n.created_at == now]  # nothing of it stayed


@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_a_merger_waits_for_the_next_pass_while_a_person_decides_on_the_successors_item(
        db_engine: Engine, tmp_path: Path) -> None:
    merged = plan_with(tmp_path, (CAM_LINH, CAM_LINH[:-1] + ", successor: {unit: phuong-cam-loc, on: 2026-12-01}}"))
    run_pass(db_engine, merged, M("2026-11-02"))
    duty = Occurrence.duty_code == "xa-tuyen-truyen"
    (linh,) = occurrences(db_engine, Occurrence.unit_code == "phuong-cam-linh", duty)
    (loc,) = occurrences(db_engine, Occurrence.unit_code == "phuong-cam-loc", duty)
    with session_scope(db_engine) as session:
        submit(session, merged, linh.id, unit="phuong-cam-linh", note="Đã tuyên truyền", evidence=None,
               now=L("2026-11-20", 9))
    passes = make_engine(db_engine.url.render_as_string(hide_password=False))
    event.listen(passes, "connect", lambda conn, _: conn.execute("SET lock_timeout = '3s'"))  # wait = fail
    try:
        with session_scope(db_engine) as person:  # Cam Lộc reports on its own item: its row is locked ...
            submit(person, merged, loc.id, unit="phuong-cam-loc", note="Đã báo cáo", evidence=None,
                   now=L("2026-12-02", 7))
            run_pass(passes, merged, M("2026-12-02"))  # ... while the pass runs: it neither waits nor fails
            (held,) = occurrences(db_engine, Occurrence.id == linh.id)
            assert held.state == "submitted"  # left for the next pass, nothing half-written
            assert not [a for a in _trail(db_engine, linh.id) if a.action == "succeed"]
        run_pass(passes, merged, M("2026-12-02"))
    finally:
        passes.dispose()
    assert occurrences(db_engine, Occurrence.id == linh.id)[0].state == "succeeded"
    assert occurrences(db_engine, Occurrence.id == loc.id)[0].state == "submitted"  # the person's decision stands
    assert [a.action for a in _trail(db_engine, loc.id)] == ["open", "submit"]


def _trail(engine: Engine, occurrence_id: int) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == occurrence_id)
                                 .order_by(AuditEvent.id)).scalars())
