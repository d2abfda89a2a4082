"""A database written by main before plans were objects (``tests/data/main_i15.sql.gz``, made by its own
command line: ``tests/data/main_i15.sh``) upgrades onto the seed plan with its history intact, and the
code of today reads it the same: reports, decisions, notices, deliveries."""

from __future__ import annotations

import datetime as dt
import gzip
import sqlite3
from pathlib import Path

import pytest
from office import CONFIG_DIR, SEED
from sqlalchemy import Engine, text
from sqlmodel import Session, select
from test_plan_migration import snapshot

from htx_tasks.board import build_board
from htx_tasks.config import load_config
from htx_tasks.core.zones import at_local
from htx_tasks.engine import run_pass
from htx_tasks.store.db import current_revision, make_engine, read_scope, upgrade
from htx_tasks.store.models import Occurrence, PlanRow, Submission

DUMP = Path(__file__).parent / "data" / "main_i15.sql.gz"
HISTORY = ("occurrence", "submission", "audit_event", "notification", "delivery", "extension_request", "duty", "opening_cursor")


@pytest.fixture
def old(tmp_path: Path) -> Engine:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(gzip.open(DUMP, "rt", encoding="utf-8").read())
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def test_mains_database_upgrades_onto_the_seed_plan_and_reads_the_same(old: Engine) -> None:
    assert current_revision(old) == "i15_one_outbox"
    before = snapshot(old)
    assert len(before["submission"]) == 3 and before["notification"] and before["delivery"]
    decisions = [r for r in before["audit_event"] if "review" in str(r) or "extend" in str(r)]
    assert decisions  # the coordinator's decisions are on record

    upgrade(old)

    assert current_revision(old) != "i15_one_outbox"
    assert snapshot(old) == before  # every row kept as it was
    with old.connect() as conn:
        for table in ("occurrence", "duty", "opening_cursor"):
            assert {c for (c,) in conn.execute(text(f"SELECT DISTINCT plan_code FROM {table}"))} == {SEED}
    seed = load_config(CONFIG_DIR).plans[SEED]
    with Session(old) as session:
        (stored,) = session.exec(select(PlanRow)).all()
        assert (stored.code, stored.status) == (SEED, "active")
        states = {o.id: o.state for o in session.exec(select(Occurrence)).all()}
        reports = session.exec(select(Submission).order_by(Submission.id)).all()
        extended = session.exec(select(Occurrence).where(Occurrence.deadline == dt.date(2027, 2, 26))).one()
    accepted, returned, waiting = (states[s.occurrence_id] for s in reports)
    assert (accepted, waiting) == ("done_on_time", "submitted") and returned in ("returned", "overdue", "escalated")
    assert extended.original_deadline != extended.deadline  # the extension reads as an extension
    with read_scope(old) as session:  # today's board reads the old history under the seed plan
        board = build_board(session, seed, at_local(dt.date(2026, 12, 28), 8, 0))
    assert [s.id for s in board.submitted] == [reports[2].occurrence_id]
    assert board.total.on_time >= 1

    # the last pass main made, run again by today's code: nothing to reopen, nothing told twice
    again = run_pass(old, [seed], at_local(dt.date(2026, 12, 28), 7, 30))
    assert again.opened == 0
    with old.connect() as conn:
        told_twice = conn.execute(
            text(
                "SELECT occurrence_id, kind, level, recipient, count(*) FROM notification WHERE occurrence_id IS NOT NULL "
                "GROUP BY occurrence_id, kind, level, recipient, due_at HAVING count(*) > 1"
            )
        ).all()
    assert told_twice == []
