"""Long catch-ups, runaway dates and a database that goes away: bounded work, clear words, resumption.

Peak memory in the gap is measured by ``bench/catchup.py``; here: what a batched pass writes is
what one transaction would have written, weekly repeats of a long gap are folded into the newest,
``tick`` refuses a date far ahead unless forced, and a pass cut by a terminated PostgreSQL
backend reports it in Vietnamese and is finished by the next pass exactly as an uncut one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import takewhile

import psycopg
import pytest
from sqlalchemy import Engine, event, exc
from sqlmodel import Session, select

from htx_tasks import clock
from htx_tasks.core import zones
from htx_tasks.core.lifecycle import Kind, Snapshot, State, events
from htx_tasks.core.zones import at_local
from htx_tasks.engine import base as engine_module  # the batch sizes, read at call time
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.store.db import make_engine, upgrade
from htx_tasks.store.models import AuditEvent, Notification, Occurrence

START = at_local(dt.date(2026, 11, 2), 7, 30)
YEAR_LATER = at_local(dt.date(2027, 11, 2), 9, 0)


def state_of(engine: Engine) -> tuple[Counter, Counter, Counter]:
    """Everything a pass writes, keyed by natural keys (ids differ after a rolled-back batch)."""
    with Session(engine) as session:
        occ = {o.id: (o.duty_code, o.unit_code, o.period_key) for o in session.exec(select(Occurrence))}
        rows = Counter(
            (*occ[o.id], o.state, o.escalation_level, o.next_action_at, o.last_action_at)
            for o in session.exec(select(Occurrence))
        )
        outbox = Counter(
            (*occ[n.occurrence_id], n.kind, n.level, n.detail, n.due_at, n.recipient, n.status)
            for n in session.exec(select(Notification))
        )
        trail = Counter((*occ[a.occurrence_id], a.action, a.to_state) for a in session.exec(select(AuditEvent)))
    return rows, outbox, trail


def test_a_pass_in_small_batches_writes_what_one_big_batch_writes(db_engine: Engine, another_db_engine,
                                                                   plan: Plan, monkeypatch) -> None:
    whole = another_db_engine()
    run_pass(whole, plan, YEAR_LATER)
    monkeypatch.setattr(engine_module, "OPEN_BATCH", 7)
    monkeypatch.setattr(engine_module, "BATCH", 5)
    seen: list[tuple[int, int]] = []
    result = run_pass(db_engine, plan, YEAR_LATER, progress=lambda r: seen.append((r.opened, r.advanced)))
    assert state_of(db_engine) == state_of(whole)
    # one report per committed batch, counts only growing, ending at the totals
    assert len(seen) >= result.opened // 7 + result.advanced // 5
    assert seen == sorted(seen) and seen[-1] == (result.opened, result.advanced)


def test_a_long_catch_up_records_only_the_newest_repeat_and_closes_what_the_next_period_replaced(
        db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, at_local(dt.date(2026, 11, 2), 7, 30))  # in use since tracking started
    result = run_pass(db_engine, plan, YEAR_LATER)
    assert result.repeats_folded > 0
    with Session(db_engine) as session:
        repeats = Counter((n.occurrence_id, n.recipient) for n in session.exec(
            select(Notification).where(Notification.kind == Kind.REPEAT.value)))
        assert repeats and set(repeats.values()) == {1}
        # a monthly report unanswered when the next month's came due closed as "Không báo cáo"
        missed = session.exec(select(Occurrence).where(Occurrence.duty_code == "ttvhtt-tuyen-truyen",
                                                       Occurrence.period_key == "2026-M11")).one()
        assert missed.state == State.MISSED.value and missed.closed_at == YEAR_LATER
        assert missed.next_action_at is None
        kept = session.exec(select(Notification, Occurrence).join(
            Occurrence, Occurrence.id == Notification.occurrence_id).where(
            Notification.kind == Kind.REPEAT.value)).all()
    folded = 0
    for n, row in kept:  # the one kept is the newest, and its number counts the repeats of the whole gap
        fresh = Snapshot(opened_at=row.opened_at, deadline=row.deadline, state=State.OPEN, escalation_level=0,
                         last_action_at=None, submitted_at=None)
        policy = plan.policy_for(row.duty_code, row.unit_code)
        in_gap = [e for e in takewhile(lambda e: e.at <= YEAR_LATER, events(fresh, policy, plan.calendar))
                  if e.kind is Kind.REPEAT]
        assert n.detail == len(in_gap) <= (policy.repeat_limit or 0)
        assert n.due_at == in_gap[-1].at and n.status == "pending"
        folded += len(in_gap) > 1
    assert folded


def test_tick_refuses_a_now_beyond_the_horizon_unless_forced(run_cli, tmp_path) -> None:
    assert run_cli("init").exit_code == 0
    far = zones.local(clock.utcnow() + dt.timedelta(days=400)).strftime("%Y-%m-%dT09:00")
    refused = run_cli("tick", "--now", far, "--no-dispatch")
    assert refused.exit_code == 1
    assert "quá giới hạn 366 ngày" in refused.stderr and "--force" in refused.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with Session(engine) as session:
        assert session.exec(select(Occurrence)).all() == []
    allowed = run_cli("tick", "--now", far, "--no-dispatch", env={"HTX_HORIZON_DAYS": "500"})
    assert allowed.exit_code == 0, allowed.output
    assert "…" not in allowed.stderr  # no progress lines within the horizon
    further = zones.local(clock.utcnow() + dt.timedelta(days=800)).strftime("%Y-%m-%dT09:00")
    forced = run_cli("tick", "--now", further, "--no-dispatch", "--force")
    assert forced.exit_code == 0, forced.output
    assert "… đã mở" in forced.stderr and "đã xét" in forced.stderr
    bad = run_cli("tick", "--now", far, env={"HTX_HORIZON_DAYS": "mot nam"})
    assert bad.exit_code == 2 and "HTX_HORIZON_DAYS phải là số ngày" in bad.stderr


@pytest.mark.parametrize("command", [["tick"], ["status"], ["submit", "1", "--unit", "x", "--note", "y"]])
def test_a_now_out_of_any_calendar_is_refused_in_vietnamese(run_cli, command) -> None:
    assert run_cli("init").exit_code == 0
    result = run_cli(*command, "--now", "9999-12-31")
    assert result.exit_code == 2
    assert "nằm ngoài khoảng năm 1970–2199" in result.stderr
    assert "out of range" not in result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("url, reason", [
    ("postgresql://htx:mat-khau-bi-mat@127.0.0.1:1/test", "máy chủ không nhận kết nối"),
    ("postgresql://khong-co-ai:mat-khau-bi-mat@127.0.0.1:5432/test", "tài khoản đăng nhập không tồn tại"),
    ("postgresql://postgres:mat-khau-bi-mat@127.0.0.1:5432/khong_co_csdl", "cơ sở dữ liệu không tồn tại"),
    ("postgresql://postgres:mat-khau-bi-mat@khong-co-may.invalid:5432/test", "không tìm thấy máy chủ"),
    ("sqlite:////etc/hostname/x.db", "không mở được tệp cơ sở dữ liệu"),
])
@pytest.mark.parametrize("command", ["init", "tick", "status"])
def test_an_unusable_database_gets_a_vietnamese_message_with_the_url_masked(run_cli, url, reason, command) -> None:
    result = run_cli(command, env={"HTX_DATABASE_URL": url})
    assert result.exit_code == 3, result.output
    assert reason in result.stderr
    assert "mat-khau-bi-mat" not in result.output
    if url.startswith("postgresql"):
        assert ":***@" in result.stderr
    assert isinstance(result.exception, SystemExit)
    assert "OperationalError" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("url, reason", [
    ("khong-phai-url", "HTX_DATABASE_URL không phải địa chỉ cơ sở dữ liệu"),
    ("postgresql://htx:mat-khau-bi-mat@may-chu:cong/test", "nhận được 'postgresql://htx:***@may-chu:cong/test'"),
    ("oracle2://htx:mat-khau-bi-mat@may-chu/test", "HTX_DATABASE_URL không có loại cơ sở dữ liệu 'oracle2'"),
])
def test_a_database_address_that_is_not_one_is_a_setting_refused_before_anything_runs(run_cli, url, reason) -> None:
    result = run_cli("init", env={"HTX_DATABASE_URL": url})
    assert result.exit_code == 2, result.output
    assert "biến môi trường không hợp lệ (1 lỗi)" in result.stderr and reason in result.stderr
    assert "mat-khau-bi-mat" not in result.output and "Traceback" not in result.output


class Terminator:
    """Terminates the PostgreSQL backend of the pass's connection at the n-th outbox insert."""

    def __init__(self, admin_url: str, at: int) -> None:
        self.admin_url, self.at, self.seen, self.fired = admin_url, at, 0, False

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.fired or not statement.lstrip().upper().startswith("INSERT INTO NOTIFICATION"):
            return
        self.seen += 1
        if self.seen == self.at:
            self.fired = True
            pid = conn.connection.dbapi_connection.info.backend_pid
            with psycopg.connect(self.admin_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_a_pass_cut_by_a_terminated_backend_is_finished_by_the_next_pass(
        db_engine: Engine, another_db_engine, plan: Plan, pg_url: str, monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "BATCH", 20)
    uncut = another_db_engine()
    run_pass(uncut, plan, YEAR_LATER)
    killer = Terminator(pg_url.replace("+psycopg", ""), at=3)
    event.listen(db_engine, "before_cursor_execute", killer)
    try:
        with pytest.raises(exc.OperationalError, match="terminating connection|server closed|consuming input"):
            run_pass(db_engine, plan, YEAR_LATER)
    finally:
        event.remove(db_engine, "before_cursor_execute", killer)
    assert killer.fired
    cut = state_of(db_engine)
    assert cut != state_of(uncut)  # the pass really stopped part-way ...
    assert sum(cut[1].values()) > 0  # ... after committing its first batches
    run_pass(db_engine, plan, YEAR_LATER)
    assert state_of(db_engine) == state_of(uncut)


def test_tick_cut_by_a_terminated_backend_says_so_and_the_next_tick_finishes(run_cli, pg_url: str,
                                                                            monkeypatch) -> None:
    env = {"HTX_DATABASE_URL": pg_url}
    monkeypatch.setattr(engine_module, "BATCH", 20)
    engine = make_engine(pg_url)
    try:
        upgrade(engine)
        killer = Terminator(pg_url.replace("+psycopg", ""), at=2)
        event.listen(Engine, "before_cursor_execute", killer)
        try:
            cut = run_cli("tick", "--now", "2027-11-02T09:00", "--no-dispatch", env=env)
        finally:
            event.remove(Engine, "before_cursor_execute", killer)
        assert killer.fired
        assert cut.exit_code == 3, cut.output
        assert "máy chủ đã ngắt kết nối giữa chừng" in cut.stderr
        assert "chạy lại khi cơ sở dữ liệu sẵn sàng" in cut.stderr
        assert "postgresql+psycopg://postgres@127.0.0.1:5432/" in cut.stderr
        assert "Traceback" not in cut.output and "OperationalError" not in cut.output
        again = run_cli("tick", "--now", "2027-11-02T09:00", "--no-dispatch", "--json", env=env)
        assert again.exit_code == 0, again.output
        assert '"advanced": 0' not in again.stdout  # it carried on with the rows left due
        last = run_cli("tick", "--now", "2027-11-02T09:00", "--no-dispatch", "--json", env=env)
        assert '"opened": 0' in last.stdout and '"advanced": 0' in last.stdout
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
