"""One engine pass over a large table, side by side with the bare indexed SQL that does the same.

For each backend (SQLite, and PostgreSQL when a server answers at 127.0.0.1:5432) and each size
(100k and 1M occurrences by default) the script:

1. creates a throw-away database with the real schema (``htx_tasks.store.db.upgrade``) and fills
   it in bulk (``executemany`` for SQLite, ``COPY`` for PostgreSQL) with open occurrences of the
   shipped plan's real duties and units: deadlines spread over 2027, each opened 7-60 days before
   its deadline, with its "assigned" notice pending (``next_action_at = opened_at``);
2. picks ``now`` at the ``--due-fraction`` quantile of ``next_action_at``, so that about 1% of
   the rows are due, records the plan's units and duties and marks every opening cursor as
   opened through ``now`` (the timed pass then opens nothing new: the due set is all it does);
3. makes a file-level copy of that database (SQLite file copy, PostgreSQL ``CREATE DATABASE ...
   TEMPLATE``), so both measurements start from identical data and layout;
4. times ``htx_tasks.engine.run_pass`` (the real pass: plan sync, transfers, opening, then
   ``advance_due`` in batches of ``BATCH`` until the due set is empty) on the first copy, and
   checks that it touched exactly the due rows;
5. times the bare indexed SQL on the second copy: one transaction that selects the due rows
   (``WHERE next_action_at <= :now ORDER BY next_action_at``) and updates each of them
   (``UPDATE ... SET next_action_at = ?, last_action_at = ? WHERE id = ?`` via executemany),
   committed - the minimum work any implementation must do; it writes no notifications.

Both sides get the same warm-up before timing (one connection opened and the due range of the
index read once). The engine also gets what a long-running worker would have: one empty pass
(query compilation) and the working-day calendar loaded (the ``holidays`` import).
Times are wall-clock seconds (``time.perf_counter``); nothing is asserted about speed.

    .venv/bin/python bench/sweep.py [--sizes 100000,1000000] [--backends sqlite,postgresql]
                                    [--due-fraction 0.01] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select  # noqa: E402

from htx_tasks.clock import at_local, local_date  # noqa: E402
from htx_tasks.engine import BATCH, PassResult, run_pass, sync_plan  # noqa: E402
from htx_tasks.plan.loader import Plan, load_plan  # noqa: E402
from htx_tasks.plan.schema import Every  # noqa: E402
from htx_tasks.store.db import make_engine, session_scope, upgrade  # noqa: E402
from htx_tasks.store.models import Notification, Occurrence, OpeningCursor  # noqa: E402

PG_HOST, PG_PORT, PG_USER, PG_ADMIN_DB = "127.0.0.1", 5432, "postgres", "test"
CHUNK = 50_000
SEED = 20270101
YEAR = 2027
COLUMNS = (
    "duty_code", "unit_code", "period_key", "period_label", "opened_at", "deadline",
    "original_deadline", "state", "escalation_level", "next_action_at",
)
OCC = Occurrence.__table__.c


def log(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------------------- data


def duty_units(plan: Plan) -> list[tuple[str, str]]:
    """Every (duty, unit) pair the plan opens periods for; policy_for works on all of them."""
    return [
        (duty.code, unit)
        for duty in plan.source.duties
        if duty.recurrence.every is not Every.CASE
        for unit in plan.assignees(duty)
    ]


def generate(size: int, pairs: list[tuple[str, str]]) -> Iterator[list[tuple]]:
    """Rows in chunks, same for every backend: naive UTC datetimes, local dates.

    Deadline uniform over the days of 2027; opened 7-60 days earlier at a random second of the
    local day; open, nothing sent yet, the assigned notice due at the opening instant.
    Insertion order is random with respect to ``next_action_at``.
    """
    rng = random.Random(SEED + size)
    first = dt.date(YEAR, 1, 1)
    days = (dt.date(YEAR + 1, 1, 1) - first).days
    # local midnight of ``first`` as naive UTC; the plan's zone (Asia/Ho_Chi_Minh) has no DST
    base = at_local(first).astimezone(dt.UTC).replace(tzinfo=None)
    one_day, one_second = dt.timedelta(days=1), dt.timedelta(seconds=1)
    chunk: list[tuple] = []
    for i in range(size):
        duty, unit = pairs[rng.randrange(len(pairs))]
        offset = rng.randrange(days)
        deadline = first + offset * one_day
        opened = base + (offset - rng.randint(7, 60)) * one_day + rng.randrange(86_400) * one_second
        chunk.append((duty, unit, f"bench-{i}", f"Bench {i}", opened, deadline, deadline, "open", -1, opened))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def sqlite_text(value: dt.datetime) -> str:
    """SQLAlchemy's SQLite storage format for DateTime (always with microseconds)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


# ----------------------------------------------------------------------------------- backends


class SqliteBackend:
    name = "sqlite"

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="htx-bench-"))

    def available(self) -> str | None:
        return None

    def url(self, label: str) -> str:
        return f"sqlite:///{self.tmp / (label + '.db')}"

    def path(self, label: str) -> Path:
        return self.tmp / (label + ".db")

    def create(self, label: str) -> str:
        return self.url(label)

    def fill(self, label: str, chunks: Iterator[list[tuple]]) -> None:
        # a connection of its own: its bulk-load pragmas never reach the engine's pooled ones
        conn = sqlite3.connect(self.path(label), isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA cache_size=-262144")
            sql = f"INSERT INTO occurrence ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
            for chunk in chunks:
                conn.execute("BEGIN")
                conn.executemany(sql, [
                    (d, u, k, lab, sqlite_text(o), dl.isoformat(), od.isoformat(), s, lvl, sqlite_text(n))
                    for d, u, k, lab, o, dl, od, s, lvl, n in chunk
                ])
                conn.execute("COMMIT")
        finally:
            conn.close()

    def settle(self, label: str) -> None:
        conn = sqlite3.connect(self.path(label), isolation_level=None)
        try:
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

    def bind(self, value: dt.datetime) -> object:
        return sqlite_text(value.astimezone(dt.UTC).replace(tzinfo=None))

    def unbind(self, value: object) -> dt.datetime:
        return dt.datetime.fromisoformat(value)  # type: ignore[arg-type]

    placeholder = "?"


class PostgresBackend:
    name = "postgresql"
    placeholder = "%s"

    def __init__(self) -> None:
        self.prefix = f"htx_bench_{secrets.token_hex(4)}"
        self.created: set[str] = set()
        self.admin = None

    def available(self) -> str | None:
        import psycopg

        try:
            self.admin = psycopg.connect(
                host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_ADMIN_DB,
                autocommit=True, connect_timeout=3,
            )
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

    def fill(self, label: str, chunks: Iterator[list[tuple]]) -> None:
        with self.connect(label) as conn:
            for chunk in chunks:
                with conn.cursor() as cur:
                    with cur.copy(f"COPY occurrence ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                        for row in chunk:
                            copy.write_row(row)
                conn.commit()

    def settle(self, label: str) -> None:
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

    def bind(self, value: dt.datetime) -> object:
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def unbind(self, value: object) -> dt.datetime:
        return value  # type: ignore[return-value]


# -------------------------------------------------------------------------------- measurement


@dataclass
class Row:
    backend: str
    size: int
    fill_s: float = 0.0
    due: int = 0
    engine_s: float = 0.0
    bare_s: float = 0.0
    checks: list[str] = field(default_factory=list)
    ok: bool = True


def scalar(engine: Engine, query) -> object:
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def prepare(backend, size: int, plan: Plan, fraction: float, row: Row) -> tuple[dt.datetime, dt.datetime]:
    """Database ``a`` filled and settled; returns (now, an instant before every row)."""
    url = backend.create("a")
    engine = make_engine(url)
    try:
        upgrade(engine)
        started = time.perf_counter()
        backend.fill("a", generate(size, duty_units(plan)))
        row.fill_s = time.perf_counter() - started
        k = max(1, round(size * fraction))
        now = scalar(engine, select(OCC.next_action_at).order_by(OCC.next_action_at).offset(k - 1).limit(1))
        earliest = scalar(engine, select(func.min(OCC.next_action_at)))
        row.due = scalar(engine, select(func.count()).where(OCC.next_action_at <= now))
        with session_scope(engine) as session:
            sync_plan(session, plan)  # steady state: the plan's units and duties already recorded
            today = local_date(now)
            for duty, unit in duty_units(plan):
                session.add(OpeningCursor(duty_code=duty, unit_code=unit, opened_through=today))
    finally:
        engine.dispose()
    backend.settle("a")
    return now, earliest - dt.timedelta(seconds=1)


def warm_index(engine: Engine, now: dt.datetime) -> None:
    """The same warm-up for both sides: a connection open and the due range of the index read."""
    with engine.connect() as conn:
        conn.execute(select(func.count()).where(OCC.next_action_at <= now)).scalar()


def warm_calendar(plan: Plan, now: dt.datetime) -> None:
    """What a long-running worker has loaded already: the holidays package and the day cache.

    Pure calls, no database: without them the first size measured would pay the one-off
    import of ``holidays`` (~0.15 s) and the others would not.
    """
    today = local_date(now)
    for offset in range(-60, 400):
        plan.calendar.is_working_day(today + dt.timedelta(days=offset))


def time_engine(backend, url: str, plan: Plan, now: dt.datetime, before: dt.datetime,
                row: Row, profile: bool) -> None:
    engine = make_engine(url)
    try:
        warm_index(engine, now)
        warm_calendar(plan, now)
        run_pass(engine, plan, before)  # an empty pass: connection, compiled queries
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result: PassResult = run_pass(engine, plan, now)
        if profiler:
            profiler.disable()
        row.engine_s = time.perf_counter() - started
        touched = scalar(engine, select(func.count()).where(OCC.last_action_at.is_not(None)))
        left = scalar(engine, select(func.count()).where(OCC.next_action_at <= now))
        outbox = scalar(engine, select(func.count()).select_from(Notification.__table__))
        good = result.advanced == row.due and touched == row.due and left == 0 and not result.failed \
            and result.opened == 0 and result.transferred == 0
        row.ok &= good
        row.checks.append(
            f"engine: advanced={result.advanced} rows_with_last_action_changed={touched} "
            f"still_due={left} failed={len(result.failed)} opened={result.opened} "
            f"notifications={result.notifications} (outbox rows {outbox}) "
            f"events={dict(result.events)} -> {'exactly the due rows' if good else 'MISMATCH'}"
        )
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            log(f"\n--- cProfile of the engine pass, {backend.name} {row.size:,} rows ---")
            log(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
            log(out.getvalue())
    finally:
        engine.dispose()


def time_bare(backend, url: str, now: dt.datetime, row: Row) -> None:
    p = backend.placeholder
    select_sql = (
        "SELECT id, duty_code, unit_code, opened_at, deadline, state, escalation_level, "
        f"last_action_at, next_action_at, submitted_at FROM occurrence WHERE next_action_at <= {p} "
        "ORDER BY next_action_at"
    )
    update_sql = f"UPDATE occurrence SET next_action_at = {p}, last_action_at = {p} WHERE id = {p}"
    shift = dt.timedelta(days=400)  # a per-row next time, out of the due set
    engine = make_engine(url)
    try:
        warm_index(engine, now)
        bound_now = backend.bind(now)
        started = time.perf_counter()
        with engine.begin() as conn:  # SQLite: the same BEGIN IMMEDIATE as the engine's sessions
            due = conn.exec_driver_sql(select_sql, (bound_now,)).fetchall()
            params = [
                (backend.bind((backend.unbind(r.next_action_at) + shift).replace(tzinfo=dt.UTC)), bound_now, r.id)
                for r in due
            ]
            if params:
                conn.exec_driver_sql(update_sql, params)
        row.bare_s = time.perf_counter() - started
        touched = scalar(engine, select(func.count()).where(OCC.last_action_at.is_not(None)))
        left = scalar(engine, select(func.count()).where(OCC.next_action_at <= now))
        good = len(due) == row.due and touched == row.due and left == 0
        row.ok &= good
        row.checks.append(
            f"bare:   selected={len(due)} rows_with_last_action_changed={touched} still_due={left} "
            f"-> {'exactly the due rows' if good else 'MISMATCH'}"
        )
    finally:
        engine.dispose()


def measure(backend, size: int, plan: Plan, fraction: float, profile: bool) -> Row:
    row = Row(backend.name, size)
    log(f"[{backend.name} {size:,}] filling ...")
    try:
        now, before = prepare(backend, size, plan, fraction, row)
        log(f"[{backend.name} {size:,}] filled in {row.fill_s:.1f}s; now={now:%Y-%m-%d %H:%M:%S}Z, "
            f"{row.due:,} due; copying ...")
        url_a = backend.url("a")
        url_b = backend.clone("a", "b")
        time_engine(backend, url_a, plan, now, before, row, profile)
        log(f"[{backend.name} {size:,}] engine pass {row.engine_s:.3f}s")
        time_bare(backend, url_b, now, row)
        log(f"[{backend.name} {size:,}] bare SQL {row.bare_s:.3f}s")
        for line in row.checks:
            log(f"    {line}")
    finally:
        backend.drop("a")
        backend.drop("b")
    return row


def print_table(rows: list[Row], fraction: float) -> None:
    head = ("backend", "rows", "fill s", "due rows", "engine pass s", "bare SQL s", "engine/bare", "checked")
    body = [
        (
            r.backend, f"{r.size:,}", f"{r.fill_s:.1f}", f"{r.due:,}", f"{r.engine_s:.3f}",
            f"{r.bare_s:.3f}", f"{r.engine_s / r.bare_s:.1f}x" if r.bare_s else "-",
            "ok" if r.ok else "MISMATCH",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = "  ".join("-" * w for w in widths)
    log(f"\nOne pass with a due set of {fraction:.2%} (engine = htx_tasks.engine.run_pass, BATCH={BATCH}; "
        "bare = one transaction: indexed SELECT of the due rows + executemany UPDATE by id, "
        "no notifications). Each side runs on its own file-level copy of the same data.")
    log(line)
    log("  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(head, widths, strict=True))))
    log(line)
    for b in body:
        log("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(b, widths, strict=True))))
    log(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="occurrence counts, comma-separated")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite and/or postgresql")
    parser.add_argument("--due-fraction", type=float, default=0.01, help="share of rows due at now")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each engine pass")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(names) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    plan = load_plan(ROOT / "config")
    started = time.perf_counter()
    rows: list[Row] = []
    for name in names:
        backend = SqliteBackend() if name == "sqlite" else PostgresBackend()
        try:
            reason = backend.available()
            if reason:
                log(f"[{name}] skipped: {reason}")
                continue
            for size in sizes:
                rows.append(measure(backend, size, plan, args.due_fraction, args.profile))
        finally:
            backend.close()
    if rows:
        print_table(rows, args.due_fraction)
    log(f"total run time {time.perf_counter() - started:.0f}s")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    sys.exit(main())
