"""The three sides ``bench/sweep.py`` times on copies of one database, and the end-state digest.

- ``engine``: ``htx_tasks.engine.run_pass``, in a process of its own so its peak memory is its
  own (``VmHWM`` reset through ``/proc/self/clear_refs`` just before the pass);
- ``set-based``: the engine's writes done in one transaction of raw SQL: the due rows selected
  as the engine selects them (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), then one UPDATE of the
  occurrences, one INSERT of the audit lines, one INSERT of the outbox rows with the same unique
  key and ``ON CONFLICT DO NOTHING`` (PostgreSQL: one array parameter per column and ``unnest``;
  SQLite: ``executemany``). The values written are computed before the clock starts, by the
  engine's own pure planner (``plan_advances``) on the same rows: the side measures the database
  work alone, the lower bound of any implementation of the same writes;
- ``bare``: the indexed SELECT of the due rows and an ``executemany`` UPDATE of two columns by id,
  no audit, no outbox: the least any pass can do.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select  # noqa: E402

from htx_tasks.core.zones import local_date  # noqa: E402
from htx_tasks.engine import DUE_COLUMNS, PassResult, Plans, plan_advances, run_pass  # noqa: E402
from htx_tasks.plan.office import load_plans  # noqa: E402
from htx_tasks.store.db import make_engine  # noqa: E402
from htx_tasks.store.models import AuditEvent, Notification, Occurrence  # noqa: E402
from htx_tasks.store.writes import ENGINE_ACTOR  # noqa: E402

OCC, AUD, NOTE = Occurrence.__table__.c, AuditEvent.__table__.c, Notification.__table__.c


def scalar(engine: Engine, query) -> object:
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def warm(engine: Engine, plans: Plans, now: dt.datetime) -> None:
    """The same warm-up for every side: a connection open, the due range of the index read, and
    what a long-running worker has loaded already (the holidays package, the day cache)."""
    with engine.connect() as conn:
        conn.execute(select(func.count()).where(OCC.next_action_at <= now)).scalar()
    today = local_date(now)
    for plan in plans.values():
        for offset in range(-60, 400):
            plan.calendar.is_working_day(today + dt.timedelta(days=offset))


def digest(engine: Engine) -> dict:
    """Counts and a hash of what a pass writes: the occurrences it changed (version > 1), every
    audit line and every outbox row, read back through the models' types on both backends; and
    ``items sha256``, the same without the outbox rows of no item (the weekly briefings' counts,
    one per plan), to compare passes over the same items held by different plans."""
    queries = {
        "occurrences changed": select(OCC.id, OCC.state, OCC.escalation_level, OCC.last_action_at,
                                      OCC.next_action_at, OCC.version).where(OCC.version > 1).order_by(OCC.id),
        "audit lines": select(AUD.occurrence_id, AUD.at, AUD.actor, AUD.action, AUD.from_state, AUD.to_state,
                              AUD.reason, AUD.role, AUD.via).order_by(AUD.occurrence_id, AUD.id),
        "outbox rows": select(NOTE.occurrence_id, NOTE.kind, NOTE.level, NOTE.detail, NOTE.due_at, NOTE.recipient,
                              NOTE.created_at, NOTE.status, NOTE.attempts, NOTE.next_attempt_at)
        .order_by(NOTE.occurrence_id, NOTE.kind, NOTE.level, NOTE.due_at, NOTE.recipient),
    }
    out: dict = {}
    with engine.connect() as conn:
        sha, items = hashlib.sha256(), hashlib.sha256()
        for name, query in queries.items():
            rows = conn.execute(query).all()
            out[name] = len(rows)
            for row in rows:
                sha.update(repr(tuple(row)).encode())
                if row[0] is not None:  # the occurrence's id (an outbox row of no item: a briefing)
                    items.update(repr(tuple(row)).encode())
    out["sha256"], out["items sha256"] = sha.hexdigest()[:16], items.hexdigest()[:16]
    return out


def _memory() -> dict[str, int]:
    with open("/proc/self/status") as status:
        return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in status) if k in ("VmHWM", "VmRSS")}


class EngineWorker:
    """A process of its own (this file run as a script) that runs engine passes on request, one
    JSON line in, one out: its memory is its own, and it stays warm between repeats."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)

    def run(self, url: str, now: dt.datetime, before: dt.datetime, config: Path = ROOT / "config") -> dict:
        """One pass at ``now`` over every plan of the configuration folder ``config``."""
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps([url, now.isoformat(), before.isoformat(), str(config)]) + "\n")
        self.process.stdin.flush()
        report = json.loads(self.process.stdout.readline() or '{"error": "the engine process died"}')
        if "error" in report:
            raise RuntimeError(f"engine pass failed: {report['error']}")
        return report

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()


def _engine_child(url: str, plans: Plans, now: dt.datetime, before: dt.datetime) -> dict:
    engine = make_engine(url)
    full_collections: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full_collections.append(1)

    try:
        warm(engine, plans, now)
        office = list(plans.values())
        run_pass(engine, office, before)  # an empty pass: connection, compiled queries
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")  # peak RSS := current RSS
        except OSError:
            pass
        gc.collect()  # every side starts its clock with no garbage pending
        rss = _memory()["VmRSS"]
        gc.callbacks.append(count)
        started = time.perf_counter()
        result: PassResult = run_pass(engine, office, now)
        seconds = time.perf_counter() - started
        gc.callbacks.remove(count)
        peak = _memory()["VmHWM"]
        left = scalar(engine, select(func.count()).where(OCC.next_action_at <= now))
        return {
            "seconds": seconds, "rss_mb": rss / 1024, "peak_mb": peak / 1024, "full_gc": len(full_collections),
            "advanced": result.advanced, "notifications": result.notifications, "failed": len(result.failed),
            "opened": result.opened, "transferred": result.transferred, "events": dict(result.events),
            "still_due": left, "digest": digest(engine),
        }
    finally:
        engine.dispose()


def _driver(engine: Engine, values: list) -> list:
    """Datetimes as the driver stores them through ``UTCDateTime``: naive UTC; on SQLite as text."""
    sqlite = engine.dialect.name == "sqlite"
    out = []
    for v in values:
        if isinstance(v, dt.datetime):
            v = v.astimezone(dt.UTC).replace(tzinfo=None)
            if sqlite:
                v = v.isoformat(sep=" ", timespec="microseconds")
        out.append(v)
    return out


def set_based(url: str, plans: Plans, now: dt.datetime) -> dict:
    """Time the engine's writes done set-based (see the module's docstring); returns the digest."""
    engine = make_engine(url)
    try:
        warm(engine, plans, now)
        due = select(*DUE_COLUMNS).where(OCC.next_action_at <= now).order_by(OCC.next_action_at, OCC.id)
        with engine.connect() as conn:
            rows = conn.execute(due).all()
        writes = plan_advances(plans, rows, now, PassResult(now=now))  # untimed: the values to write
        up = {k: _driver(engine, v) for k, v in writes.updates.items()}
        aud = {k: _driver(engine, v) for k, v in writes.audits.items()}
        out = {k: _driver(engine, v) for k, v in writes.outbox.items()}
        at, pg = _driver(engine, [now])[0], engine.dialect.name == "postgresql"
        select_sql = (
            "SELECT id, duty_code, unit_code, opened_at, deadline, state, escalation_level, last_action_at, "
            "submitted_at, version FROM occurrence WHERE next_action_at <= {p} ORDER BY next_action_at, id"
            + (" FOR UPDATE SKIP LOCKED" if pg else "")
        )
        with engine.connect() as conn:  # the statements' first use (parse, catalog), as the engine's empty pass
            _set_based(conn, pg, select_sql, _driver(engine, [dt.datetime(1970, 1, 2, tzinfo=dt.UTC)])[0],
                       {k: [] for k in up}, {k: [] for k in aud}, {k: [] for k in out}, warm_up=True)
            conn.rollback()
        gc.collect()
        started = time.perf_counter()
        with engine.begin() as conn:
            selected, inserted = _set_based(conn, pg, select_sql, at, up, aud, out)
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "selected": len(selected), "inserted": inserted, "digest": digest(engine)}
    finally:
        engine.dispose()


def _set_based(conn, pg: bool, select_sql: str, at, up: dict, aud: dict, out: dict, warm_up: bool = False):
    """The timed transaction's statements; ``warm_up``: each once with no rows (PostgreSQL parses
    and plans them, as the engine's empty pass does for its own)."""
    if pg:
        selected = conn.exec_driver_sql(select_sql.format(p="%(now)s"), {"now": at}).fetchall()
        conn.exec_driver_sql(PG_UPDATE, up)
        if aud["occurrence_id"] or warm_up:
            conn.exec_driver_sql(PG_AUDIT, {**aud, "at": at, "actor": ENGINE_ACTOR})
        inserted = conn.exec_driver_sql(PG_OUTBOX, out).rowcount if out["kind"] or warm_up else 0
        return selected, inserted
    selected = conn.exec_driver_sql(select_sql.format(p="?"), (at,)).fetchall()
    if warm_up:
        return selected, 0
    conn.exec_driver_sql(SQLITE_UPDATE, list(zip(
        up["state"], up["escalation_level"], up["last_action_at"], up["next_action_at"], up["id"], up["version"],
        strict=True)))
    if aud["occurrence_id"]:
        conn.exec_driver_sql(SQLITE_AUDIT, [(o, at, ENGINE_ACTOR, f, t, r) for o, f, t, r in zip(
            aud["occurrence_id"], aud["from_state"], aud["to_state"], aud["reason"], strict=True)])
    outbox = list(zip(*out.values(), strict=True))
    return selected, conn.exec_driver_sql(SQLITE_OUTBOX, outbox).rowcount if outbox else 0


PG_UPDATE = """
UPDATE occurrence AS o SET state = u.s, escalation_level = u.l, last_action_at = u.la, next_action_at = u.na,
                           version = o.version + 1
FROM unnest(%(id)b::int[], %(version)b::int[], %(state)b::text[], %(escalation_level)b::int[],
            %(last_action_at)b::timestamp[], %(next_action_at)b::timestamp[]) AS u(id, v, s, l, la, na)
WHERE o.id = u.id AND o.version = u.v"""
PG_AUDIT = """
INSERT INTO audit_event (occurrence_id, at, actor, action, from_state, to_state, reason, role)
SELECT o, %(at)b, %(actor)b, 'clock', f, t, r, 'system'
FROM unnest(%(occurrence_id)b::int[], %(from_state)b::text[], %(to_state)b::text[], %(reason)b::text[]) AS a(o, f, t, r)"""
PG_OUTBOX = """
INSERT INTO notification (occurrence_id, kind, level, detail, due_at, recipient, created_at, status, attempts,
                          next_attempt_at)
SELECT o, k, l, d, due, r, c, s, 0, n
FROM unnest(%(occurrence_id)b::int[], %(kind)b::text[], %(level)b::int[], %(detail)b::int[], %(due_at)b::timestamp[],
            %(recipient)b::text[], %(created_at)b::timestamp[], %(status)b::text[], %(next_attempt_at)b::timestamp[])
     AS t(o, k, l, d, due, r, c, s, n)
ON CONFLICT (occurrence_id, kind, level, due_at, recipient) DO NOTHING"""
SQLITE_UPDATE = ("UPDATE occurrence SET state = ?, escalation_level = ?, last_action_at = ?, next_action_at = ?, "
                 "version = version + 1 WHERE id = ? AND version = ?")
SQLITE_AUDIT = ("INSERT INTO audit_event (occurrence_id, at, actor, action, from_state, to_state, reason, role) "
                "VALUES (?, ?, ?, 'clock', ?, ?, ?, 'system')")
SQLITE_OUTBOX = ("INSERT INTO notification (occurrence_id, kind, level, detail, due_at, recipient, created_at, status, "
                 "next_attempt_at, attempts, delivered_urls) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '') "
                 "ON CONFLICT (occurrence_id, kind, level, due_at, recipient) DO NOTHING")


def bare(url: str, plans: Plans, now: dt.datetime) -> dict:
    """Time the bare indexed SELECT + executemany UPDATE of the due rows (no audit, no outbox)."""
    engine = make_engine(url)
    try:
        warm(engine, plans, now)
        at, p = _driver(engine, [now])[0], "?" if engine.dialect.name == "sqlite" else "%s"
        select_sql = f"SELECT id, next_action_at FROM occurrence WHERE next_action_at <= {p} ORDER BY next_action_at"
        update_sql = f"UPDATE occurrence SET next_action_at = {p}, last_action_at = {p} WHERE id = {p}"
        later = _driver(engine, [now + dt.timedelta(days=400)])[0]  # out of the due set
        with engine.connect() as conn:  # the statements' first use, as for the other sides
            conn.exec_driver_sql(select_sql, (_driver(engine, [dt.datetime(1970, 1, 2, tzinfo=dt.UTC)])[0],)).all()
            conn.exec_driver_sql(update_sql, (later, at, -1))
            conn.rollback()
        gc.collect()
        started = time.perf_counter()
        with engine.begin() as conn:  # SQLite: the same BEGIN IMMEDIATE as the engine's sessions
            due = conn.exec_driver_sql(select_sql, (at,)).fetchall()
            if due:
                conn.exec_driver_sql(update_sql, [(later, at, r.id) for r in due])
        seconds = time.perf_counter() - started
        touched = scalar(engine, select(func.count()).where(OCC.last_action_at == now))
        left = scalar(engine, select(func.count()).where(OCC.next_action_at <= now))
        return {"seconds": seconds, "selected": len(due), "touched": touched, "still_due": left}
    finally:
        engine.dispose()


if __name__ == "__main__":  # the engine worker: [url, now, before, config] per line in, a JSON report per line out
    offices: dict[str, Plans] = {}  # loaded once per configuration folder, as a long-running worker has them
    for line in sys.stdin:
        target, at, earlier, folder = json.loads(line)
        try:
            if folder not in offices:
                offices[folder] = load_plans(folder)
            out = _engine_child(target, offices[folder], dt.datetime.fromisoformat(at), dt.datetime.fromisoformat(earlier))
        except Exception:  # reported to the bench, which stops
            out = {"error": traceback.format_exc()}
        print(json.dumps(out), flush=True)
