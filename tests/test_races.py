"""Two people deciding on one item at once: exactly one wins, the other is told and writes nothing.

Each pair runs from two threads holding two separate database connections (separate engines),
started together at a barrier, 50 pairs per kind of conflict, on SQLite and PostgreSQL. On
PostgreSQL the CLI reproduction of issue 10 also runs as two real processes.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from actions import COORDINATOR, VIA, open_case, submit
from office import SEED_DIR
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from htx_tasks import services
from htx_tasks.core.zones import at_local
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.services import PREEMPTED, Actor, Conflict, Decision
from htx_tasks.store.db import make_engine, session_scope
from htx_tasks.store.models import AuditEvent, Occurrence, Submission

PAIRS = 50
RECEIVED = dt.date(2027, 3, 15)  # a Monday: a registration case is due Thursday 18/03
NOW = at_local(RECEIVED, 10)
TCKH = "phong-tai-chinh-ke-hoach"
UNIT = Actor.of_unit(TCKH, VIA)
CONFIG_DIR = SEED_DIR

Action = Callable[[Session, Plan, int, int], object]  # (session, plan, occurrence id, version)


def _review(decision: Decision) -> Action:
    def act(session, plan, occurrence, version):
        command = services.ReviewReport.parse(occurrence=occurrence, decision=decision, note="Ý kiến",
                                              expected_version=version)
        return services.review(session, plan, COORDINATOR, command, now=NOW)
    return act


def _submit(session, plan, occurrence, version):  # a unit's report from the terminal: --version as shown
    command = services.SubmitReport.parse(occurrence=occurrence, results="Đã cấp giấy chứng nhận",
                                          expected_version=version)
    return services.submit(session, plan, UNIT, command, now=NOW)


def _submit_seen(session, plan, occurrence, version):  # from a page: the version it showed
    command = services.SubmitReport.parse(occurrence=occurrence, results="Đã cấp giấy chứng nhận",
                                          expected_version=version)
    return services.submit(session, plan, Actor.of_unit(TCKH, "link:kiem-thu"), command, now=NOW)


def _waive(session, plan, occurrence, version):
    command = services.Waive.parse(occurrence=occurrence, note="Hồ sơ rút", expected_version=version)
    return services.waive(session, plan, COORDINATOR, command, now=NOW)


def _extend(session, plan, occurrence, version):
    command = services.ExtendDeadline.parse(occurrence=occurrence, to="2027-03-31", note="Chờ bổ sung",
                                            expected_version=version)
    return services.extend(session, plan, COORDINATOR, command, now=NOW)


ACCEPT, RETURN = _review(Decision.ACCEPT), _review(Decision.RETURN)
KINDS = {  # name: (submitted first?, one action, the other)
    "accept/return": (True, ACCEPT, RETURN),
    "accept/accept": (True, ACCEPT, ACCEPT),
    "return/return": (True, RETURN, RETURN),
    "waive/accept": (True, _waive, ACCEPT),
    "submit/submit": (False, _submit, _submit),
    "submit/submit as seen": (False, _submit_seen, _submit_seen),
    "waive/waive": (False, _waive, _waive),
    "extend/extend": (False, _extend, _extend),
    "extend/waive": (False, _extend, _waive),
}


def _cases(engine: Engine, plan: Plan, prefix: str, n: int, submitted: bool) -> list[tuple[int, int]]:
    """``n`` fresh cases (ids and versions), reported by the unit when ``submitted``."""
    out = []
    with session_scope(engine) as session:
        for i in range(n):
            row = open_case(session, plan, "tckh-thu-tuc", unit=TCKH, kind="dang-ky", received=RECEIVED,
                            ref=f"{prefix}-{i}", now=NOW)
            if submitted:
                row = submit(session, plan, row.id, unit=TCKH, note="Báo cáo", now=NOW)
            out.append(row.id)
    with Session(engine) as session:
        return [(i, session.get(Occurrence, i).version) for i in out]


def _race(url: str, plan: Plan, pairs: list[tuple[int, int]], first: Action, second: Action) -> list[tuple]:
    """Run ``first`` and ``second`` on each item at once, from two connections; their outcomes."""
    barrier = threading.Barrier(2)
    outcomes: dict[int, list] = {0: [], 1: []}

    def worker(slot: int, action: Action) -> None:
        engine = make_engine(url)
        try:
            for occurrence, version in pairs:
                barrier.wait(timeout=60)
                try:
                    with session_scope(engine) as session:
                        action(session, plan, occurrence, version)
                    outcomes[slot].append(("ok", ""))
                except Exception as exc:  # noqa: BLE001 (any failure is an outcome the test names)
                    outcomes[slot].append((type(exc).__name__, str(exc)))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker, args=(0, first)), threading.Thread(target=worker, args=(1, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return list(zip(outcomes[0], outcomes[1], strict=True))


def _decisions(engine: Engine, occurrence: int) -> list[str]:
    """The audit rows people wrote on the item after it was set up (open and submit come first)."""
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == occurrence,
                                                     AuditEvent.role != "system").order_by(AuditEvent.id)).all()
    return [a.action for a in rows]


@pytest.mark.parametrize("kind", list(KINDS))
def test_two_people_deciding_at_once_make_exactly_one_decision(db_engine: Engine, plan: Plan, kind: str) -> None:
    submitted, first, second = KINDS[kind]
    pairs = _cases(db_engine, plan, kind, PAIRS, submitted)
    url = db_engine.url.render_as_string(hide_password=False)
    results = _race(url, plan, pairs, first, second)
    assert len(results) == PAIRS
    setup = ["open", "submit"] if submitted else ["open"]
    for (occurrence, _version), outcome in zip(pairs, results, strict=True):
        winners = [o for o in outcome if o[0] == "ok"]
        losers = [o for o in outcome if o[0] != "ok"]
        assert len(winners) == 1, (kind, occurrence, outcome)
        (loser,) = losers
        assert loser[0] == Conflict.__name__, f"{kind}: the second decision failed with {loser}, not a refusal"
        assert f"nhiệm vụ số {occurrence} đã có người xử lý trước" in loser[1], (kind, loser)
        # the loser waited on the row lock for the winner, then was told what the item became; without
        # the lock both read the same row and only the version compare-and-set stops the second
        assert f"{PREEMPTED}; không ghi nhận" not in loser[1], f"{kind}: no row lock, the loser was not told {loser}"
        decisions = _decisions(db_engine, occurrence)
        assert decisions[:len(setup)] == setup and len(decisions) == len(setup) + 1, (kind, decisions)
    if kind.startswith("submit"):
        with Session(db_engine) as session:
            counted = session.exec(select(func.count()).select_from(Submission)).one()
        assert counted == PAIRS  # one report per item, never two


def test_two_receptions_of_one_case_file_open_it_once(db_engine: Engine, plan: Plan) -> None:
    url = db_engine.url.render_as_string(hide_password=False)

    def receive(ref: str) -> Action:
        def act(session, plan, _occurrence, _version):
            command = services.OpenCase.parse(duty="tckh-thu-tuc", unit=TCKH, kind="dang-ky", received=RECEIVED,
                                              ref=ref)
            return services.open_case(session, plan, UNIT, command, now=NOW)
        return act

    for i in range(PAIRS):
        (outcome,) = _race(url, plan, [(0, 0)], receive(f"HS-{i}"), receive(f"HS-{i}"))
        assert sorted(o[0] for o in outcome) == ["Conflict", "ok"], outcome
        assert f"đã có người xử lý trước: hồ sơ 'HS-{i}' đã được mở" in max(o[1] for o in outcome)
    with Session(db_engine) as session:
        assert session.exec(select(func.count()).select_from(Occurrence)).one() == PAIRS
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() == PAIRS


def test_an_extension_approval_and_a_return_at_once_make_exactly_one_decision(db_engine: Engine, plan: Plan) -> None:
    """Issue 17: an approval went through after a concurrent return. Both send the version seen."""
    from htx_tasks.services.extensions import DecideExtension, RequestExtension, decide_extension, request_extension
    from htx_tasks.store.answers import ExtensionRequest

    requests: dict[int, int] = {}
    with session_scope(db_engine) as session:
        for i in range(PAIRS // 2):
            row = open_case(session, plan, "tckh-thu-tuc", unit=TCKH, kind="dang-ky", received=RECEIVED,
                            ref=f"gia-han-{i}", now=NOW)
            asked = request_extension(session, plan, UNIT, RequestExtension.parse(
                occurrence=row.id, proposed="2027-04-15", reason="Chờ bổ sung", expected_version=row.version), now=NOW)
            submit(session, plan, row.id, unit=TCKH, note="Báo cáo", now=NOW)
            requests[row.id] = asked.id
    with Session(db_engine) as session:
        pairs = [(i, session.get(Occurrence, i).version) for i in requests]

    def approve(session, plan, occurrence, version):
        command = DecideExtension.parse(request=requests[occurrence], approve=True, expected_version=version)
        return decide_extension(session, plan, COORDINATOR, command, now=NOW)

    url = db_engine.url.render_as_string(hide_password=False)
    for (occurrence, _), (approved, returned) in zip(pairs, _race(url, plan, pairs, approve, RETURN), strict=True):
        # first, the approval meets a report awaiting review; after the return, a version gone stale
        assert returned == ("ok", ""), (occurrence, returned)
        assert approved[0] in ("Conflict", "Refused") and f"nhiệm vụ số {occurrence}" in approved[1], approved
        with Session(db_engine) as session:
            row = session.get(Occurrence, occurrence)
            asked = session.get(ExtensionRequest, requests[occurrence])
        assert (row.state, row.deadline, asked.decision) == ("returned", dt.date(2027, 3, 18), "pending"), occurrence


@pytest.fixture
def cli_on_postgresql(pg_url: str, tmp_path: Path, plan: Plan):
    """The module's PostgreSQL database after the first pass, and how to start ``htx-tasks`` processes on it."""
    from htx_tasks.store.db import upgrade

    engine = make_engine(pg_url)
    upgrade(engine)
    run_pass(engine, plan, at_local(dt.date(2026, 11, 2), 7, 30))
    env = {**os.environ, "HTX_DATABASE_URL": pg_url, "HTX_CONFIG_DIR": str(CONFIG_DIR),
           "HTX_VAR_DIR": str(tmp_path / "var"), "COLUMNS": "2000"}
    cli = [sys.executable, "-c", "from htx_tasks.cli.main import app; app()"]

    def start(*args: str) -> subprocess.Popen:
        return subprocess.Popen([*cli, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    try:
        yield engine, start
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()


def _finish(runs: dict[str, subprocess.Popen]) -> dict[str, tuple[int, str, str]]:
    return {key: (r.wait(timeout=120), r.stdout.read(), r.stderr.read()) for key, r in runs.items()}


def test_review_accept_and_return_from_two_cli_processes_on_postgresql(cli_on_postgresql) -> None:
    """Issue 10's reproduction: `review N accept & review N return & wait` lost one decision."""
    engine, start = cli_on_postgresql
    with Session(engine) as session:
        ids = list(session.exec(select(Occurrence.id).where(Occurrence.duty_code == "xa-tuyen-truyen")
                                .order_by(Occurrence.id)).all())[:3]
        units = {i: session.get(Occurrence, i).unit_code for i in ids}
    for number in ids:
        with Session(engine) as session:
            shown = str(session.get(Occurrence, number).version)
        submitted = start("submit", str(number), "--unit", units[number], "--note", "Báo cáo", "--version", shown,
                          "--now", "2026-12-01T09:00")
        assert submitted.wait(timeout=120) == 0, submitted.stderr.read()
        with Session(engine) as session:
            seen = str(session.get(Occurrence, number).version)  # both reviewers looked at the same report
        done = _finish({decision: start("review", str(number), decision, "--note", note, "--now", "2026-12-02T09:00",
                                        "--version", seen)
                        for decision, note in (("accept", "A"), ("return", "B"))})
        assert sorted(code for code, _, _ in done.values()) == [0, 1], done
        (lost,) = [err for code, _, err in done.values() if code == 1]
        assert f"Lỗi: nhiệm vụ số {number} đã có người xử lý trước" in lost
        decisions = _decisions(engine, number)
        assert decisions[:1] == ["submit"] and len(decisions) == 2  # the pass opened it, as the system
        with Session(engine) as session:
            row = session.get(Occurrence, number)
            (sub,) = session.exec(select(Submission).where(Submission.occurrence_id == number)).all()
        # the state kept is the decision recorded, on the report and on the item
        assert (sub.decision, row.state) in {("accept", "done_on_time"), ("return", "returned")}
        assert decisions[1] == sub.decision


def test_two_cli_extensions_to_different_dates_on_postgresql_record_one(cli_on_postgresql) -> None:
    """Two coordinators at two terminals extend one item, seen at one version, to different dates."""
    engine, start = cli_on_postgresql
    with Session(engine) as session:
        row = session.exec(select(Occurrence).where(Occurrence.duty_code == "xa-tuyen-truyen")
                           .order_by(Occurrence.id)).first()
        number, seen = row.id, str(row.version)
    done = _finish({to: start("extend", str(number), "--to", to, "--note", f"đến {to}", "--version", seen,
                              "--now", "2026-12-02T09:00")
                    for to in ("2027-01-15", "2027-02-26")})
    assert sorted(code for code, _, _ in done.values()) == [0, 1], done
    (won,) = [to for to, (code, _, _) in done.items() if code == 0]
    (lost,) = [err for code, _, err in done.values() if code == 1]
    assert f"Lỗi: nhiệm vụ số {number} đã có người xử lý trước" in lost
    with Session(engine) as session:
        assert session.get(Occurrence, number).deadline.isoformat() == won
        extensions = session.exec(select(AuditEvent.reason).where(AuditEvent.occurrence_id == number,
                                                                  AuditEvent.action == "extend")).all()
    assert extensions == [f"Gia hạn từ 10/12/2026 đến {dt.date.fromisoformat(won):%d/%m/%Y}: đến {won}"]


def test_two_people_resolving_one_notice_set_aside_resolve_it_once(db_engine: Engine, plan: Plan) -> None:
    from htx_tasks.services import NoticeOutcome
    from htx_tasks.store.models import Notification

    (case,) = _cases(db_engine, plan, "thong-bao", 1, False)
    with session_scope(db_engine) as session:
        for i in range(PAIRS):
            at = NOW + dt.timedelta(minutes=i)
            session.add(Notification(occurrence_id=case[0], kind="reminder", level=-1, due_at=at, recipient=TCKH,
                                     created_at=at, status="review", claimed_at=at, claim_token="mat-tien-trinh"))
    with Session(db_engine) as session:
        ids = list(session.exec(select(Notification.id).order_by(Notification.id)).all())

    def resolve(outcome: NoticeOutcome) -> Action:
        def act(session, plan, notification, _version):
            command = services.ResolveNotice.parse(notification=notification, outcome=outcome, note="Đã kiểm tra")
            return services.resolve_notice(session, plan, COORDINATOR, command, now=NOW)
        return act

    url = db_engine.url.render_as_string(hide_password=False)
    results = _race(url, plan, [(i, 0) for i in ids], resolve(NoticeOutcome.DELIVERED), resolve(NoticeOutcome.RESEND))
    for notification, outcome in zip(ids, results, strict=True):
        assert sorted(o[0] for o in outcome) == ["Conflict", "ok"], outcome
        assert f"thông báo số {notification} đã có người xử lý trước" in max(o[1] for o in outcome)
    with Session(db_engine) as session:
        statuses = set(session.exec(select(Notification.status)).all())
        audited = session.exec(select(AuditEvent.reason).where(AuditEvent.action.like("notice_%"))).all()
    assert statuses <= {"sent", "pending"}
    assert sorted(int(r.split()[3]) for r in audited) == ids  # one audit row per notice, no more
