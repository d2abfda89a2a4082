"""Throw-away databases for ``bench/sweep.py``: SQLite files and PostgreSQL databases, filled set-based.

Both backends get the same rows from the same integer formulas (a recursive CTE on SQLite,
``generate_series`` on PostgreSQL), so a million rows take seconds and five million stay within
a minute; the occurrence table's secondary indexes are dropped for the fill and rebuilt after.

Workloads (every row is an occurrence of one of the given (plan, duty, unit) triples: the shipped
plan's real (duty, unit) pairs, or the many-plans office of ``bench/sweep_plans.py``; its deadline
``day`` spread over 2027):

- ``assigned``: open, nothing sent yet, the "assigned" notice due at the opening instant
  (``next_action_at = opened_at``, 7-60 days before the deadline);
- ``late``: due soon, the last reminder sent on the morning before the deadline, the next action
  0-12 days after the deadline ended: a pass finds overdue notices and escalations (to the
  coordinator, to leadership) due, and most rows change state (audit lines).
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, select  # noqa: E402

from htx_tasks.briefing import record_briefing  # noqa: E402
from htx_tasks.core.recurrence import Every  # noqa: E402
from htx_tasks.core.zones import local_date  # noqa: E402
from htx_tasks.engine import Plans, sync_plan  # noqa: E402
from htx_tasks.store.db import make_engine, session_scope, upgrade  # noqa: E402
from htx_tasks.store.models import Occurrence, OpeningCursor  # noqa: E402

OCC = Occurrence.__table__.c

PG_HOST, PG_PORT, PG_USER, PG_ADMIN_DB = "127.0.0.1", 5432, "postgres", "test"
WORKLOADS = ("assigned", "late")
COLUMNS = ("duty_code", "unit_code", "period_key", "period_label", "opened_at", "deadline", "original_deadline",
           "state", "escalation_level", "last_action_at", "next_action_at", "plan_code")
BASE = "2026-12-31 17:00:00"  # local midnight of 1/1/2027 (Asia/Ho_Chi_Minh, no DST) as naive UTC
FIRST_DAY = "2027-01-01"
MORNING = 27_000  # 07:30 local, in seconds after local midnight


Triple = tuple[str, str, str]  # (plan, duty, unit)


def fill_sql(dialect: str, size: int, workload: str, pairs: list[Triple]) -> str:
    """One ``WITH … INSERT … SELECT`` writing ``size`` rows of ``workload``; row ``i`` is an occurrence
    of the ``i % len(pairs)``-th (plan, duty, unit)."""
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}")
    values = ", ".join(f"({n}, '{plan}', '{duty}', '{unit}')" for n, (plan, duty, unit) in enumerate(pairs))
    if dialect == "postgresql":
        series = f"s(i) AS (SELECT generate_series(1::bigint, {size}::bigint))"

        def ts(days: str, secs: str) -> str:
            return f"(timestamp '{BASE}' + make_interval(days => CAST({days} AS int), secs => {secs}))"

        def day(days: str) -> str:
            return f"(date '{FIRST_DAY}' + CAST({days} AS int))"
    else:
        series = f"s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {size})"

        def ts(days: str, secs: str) -> str:  # SQLAlchemy's SQLite storage format for DateTime
            return f"(strftime('%Y-%m-%d %H:%M:%S', '{BASE}', ({days}) || ' days', ({secs}) || ' seconds') || '.000000')"

        def day(days: str) -> str:
            return f"date('{FIRST_DAY}', ({days}) || ' days')"
    opened = ts("v.d - v.lead", "v.sec")
    if workload == "assigned":
        state, last, nxt = "'open'", "NULL", opened
    else:
        state, last, nxt = "'due_soon'", ts("v.d - 1", str(MORNING)), ts("v.d + 1", "v.late")
    return f"""
WITH RECURSIVE {series},
pair(n, plan, duty, unit) AS (VALUES {values}),
v AS (SELECT i, (i * 7919) % 365 AS d, 7 + (i * 104729) % 54 AS lead, (i * 15485863) % 86400 AS sec,
             (i * 7877) % 1036800 AS late, i % {len(pairs)} AS n FROM s)
INSERT INTO occurrence ({", ".join(COLUMNS)})
SELECT p.duty, p.unit, 'bench-' || v.i, 'Bench ' || v.i, {opened}, {day("v.d")}, {day("v.d")},
       {state}, -1, {last}, {nxt}, p.plan
FROM v JOIN pair p ON p.n = v.n
"""


class SqliteBackend:
    name = "sqlite"

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="htx-bench-"))

    def available(self) -> str | None:
        return None

    def path(self, label: str) -> Path:
        return self.tmp / (label + ".db")

    def url(self, label: str) -> str:
        return f"sqlite:///{self.path(label)}"

    def create(self, label: str) -> str:
        return self.url(label)

    def fill(self, label: str, size: int, workload: str, pairs: list[Triple]) -> None:
        # a connection of its own: its bulk-load pragmas never reach the engine's pooled ones
        conn = sqlite3.connect(self.path(label), isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA cache_size=-262144")
            indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                   "AND tbl_name = 'occurrence' AND sql IS NOT NULL").fetchall()
            conn.execute("BEGIN")
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            conn.execute(fill_sql("sqlite", size, workload, pairs))
            for _, sql in indexes:
                conn.execute(sql)
            conn.execute("COMMIT")
            conn.execute("ANALYZE")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def clone(self, source: str, target: str) -> str:
        shutil.copyfile(self.path(source), self.path(target))
        return self.url(target)

    def drop(self, label: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path(label)) + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class PostgresBackend:
    name = "postgresql"

    def __init__(self) -> None:
        self.prefix = f"htx_bench_{secrets.token_hex(4)}"
        self.created: set[str] = set()
        self.admin = None

    def available(self) -> str | None:
        import psycopg

        try:
            self.admin = psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_ADMIN_DB,
                                         autocommit=True, connect_timeout=3)
        except Exception as exc:  # any failure to reach it means: skip
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"no server at {PG_HOST}:{PG_PORT} as {PG_USER} (db {PG_ADMIN_DB}): {first}"
        return None

    def dbname(self, label: str) -> str:
        return f"{self.prefix}_{label}"

    def url(self, label: str) -> str:
        return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.dbname(label)}"

    def connect(self, label: str, **kw):
        import psycopg

        return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=self.dbname(label), **kw)

    def create(self, label: str) -> str:
        self.admin.execute(f'CREATE DATABASE "{self.dbname(label)}"')
        self.created.add(label)
        return self.url(label)

    def fill(self, label: str, size: int, workload: str, pairs: list[Triple]) -> None:
        with self.connect(label) as conn:
            conn.execute("SET maintenance_work_mem = '256MB'")
            indexes = conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'occurrence' AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = 'occurrence'::regclass)").fetchall()
            uniques = conn.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                   "WHERE conrelid = 'occurrence'::regclass AND contype = 'u'").fetchall()
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            for name, _ in uniques:
                conn.execute(f'ALTER TABLE occurrence DROP CONSTRAINT "{name}"')
            conn.execute(fill_sql("postgresql", size, workload, pairs))
            for name, definition in uniques:
                conn.execute(f'ALTER TABLE occurrence ADD CONSTRAINT "{name}" {definition}')
            for _, definition in indexes:
                conn.execute(definition)
            conn.commit()
        # what autovacuum would do sooner or later; done now so it cannot start during a timing
        with self.connect(label, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    def clone(self, source: str, target: str) -> str:
        self.admin.execute(f'CREATE DATABASE "{self.dbname(target)}" TEMPLATE "{self.dbname(source)}"')
        self.created.add(target)
        return self.url(target)

    def drop(self, label: str) -> None:
        if label in self.created:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{self.dbname(label)}" WITH (FORCE)')
            self.created.discard(label)

    def close(self) -> None:
        if self.admin is not None:
            for label in list(self.created):
                self.drop(label)
            self.admin.close()


def triples(plans: Plans) -> list[Triple]:
    """Every (plan, duty, unit) the plans open periods for; policy_for works on all of them."""
    return [(plan.meta.code, duty.code, unit) for plan in plans.values() for duty in plan.source.duties
            if duty.recurrence.every is not Every.CASE for unit in plan.assignees(duty)]


def prepare(backend, size: int, workload: str, plans: Plans, label: str = "a") -> tuple[str, float]:
    """Database ``label`` created, filled with occurrences of the plans and settled; returns its URL
    and the fill time."""
    url = backend.create(label)
    engine = make_engine(url)
    try:
        upgrade(engine)
        started = time.perf_counter()
        backend.fill(label, size, workload, triples(plans))
        filled = time.perf_counter() - started
    finally:
        engine.dispose()
    return url, filled


def due_at(url: str, plans: Plans, k: int) -> tuple[dt.datetime, dt.datetime, int]:
    """(now with about ``k`` rows due, an instant before every row, how many are due at now); the
    database brought to the steady state of a pass at now: the plans recorded, every opening cursor
    moved to now's day, the weekly briefings of ``before`` and now recorded (a pass records each
    once a week; the timed pass finds them done, as nearly every pass does)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            now = conn.execute(select(OCC.next_action_at).order_by(OCC.next_action_at).offset(k - 1).limit(1)).scalar()
            earliest = conn.execute(select(func.min(OCC.next_action_at))).scalar()
            due = conn.execute(select(func.count()).where(OCC.next_action_at <= now)).scalar()
        assert isinstance(now, dt.datetime) and isinstance(earliest, dt.datetime) and isinstance(due, int)
        before = earliest - dt.timedelta(seconds=1)
        with session_scope(engine) as session:
            for plan in plans.values():
                sync_plan(session, plan)  # steady state: the plan's units and duties already recorded
            session.execute(delete(OpeningCursor))
            for plan_code, duty, unit in triples(plans):
                session.add(OpeningCursor(plan_code=plan_code, duty_code=duty, unit_code=unit,
                                          opened_through=local_date(now)))
        for at in (before, now):
            with session_scope(engine) as session:
                for plan in plans.values():
                    record_briefing(session, plan, at)
    finally:
        engine.dispose()
    return now, before, due
