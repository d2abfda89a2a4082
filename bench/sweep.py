"""One engine pass over a large table, side by side with the same writes done set-based and with bare SQL.

For each backend (SQLite, and PostgreSQL when a server answers at 127.0.0.1:5432), each size
(100k and 1M occurrences by default) and each workload (``assigned``: fresh periods, their
"assigned" notices due; ``late``: overdue notices and escalations due, most rows changing state;
see ``bench/sweep_data.py``) the script:

1. creates a throw-away database with the real schema and fills it set-based (one
   ``INSERT … SELECT`` over a generated series), records the plan's units and duties, marks
   every opening cursor as opened through ``now`` and records the week's briefing (the timed pass
   opens nothing new and finds the briefing done, as nearly every pass does);
2. picks ``now`` at the ``--due-fraction`` quantile of ``next_action_at`` (about 1% due);
3. makes file-level copies (SQLite file copy, PostgreSQL ``CREATE DATABASE … TEMPLATE``), so
   every side starts from identical data;
4. times, each on its own copy (``bench/sweep_sides.py``): the engine's ``run_pass`` (in a forked
   child, with its peak RSS), the set-based baseline (the engine's writes in one transaction of raw
   SQL, values computed before the clock starts) and the bare indexed SELECT + UPDATE;
5. checks the engine's end state against the set-based one: the same occurrences changed, the
   same audit lines, the same outbox rows (counts and a hash of every value), nothing left due.

Then the scale curve (PostgreSQL, ``--curve-workload``): the pass with 1,000 rows due and with
1% due at 100k, 1M and 5M stored (``--no-5m`` leaves the largest out), time and peak memory side
by side: with 1,000 due the time should stay flat as the table grows; with 1% it grows with the
due rows, not the stored ones.

Then the many-plans workload (``bench/sweep_plans.py``; ``--only-plans`` runs it alone, ``--no-plans``
leaves it out): the same (duty, unit) pairs held by one plan or spread over ``--plans`` plans sharing
``--plans-units`` units, ``--plans-due`` rows due (N) and 2N; it prints the engine ÷ set-based ratio
of each, and side by side the pass time of the many plans ÷ the one plan at N due (≈ 1 when the
cost follows the due rows, not the plans) and of 2N due ÷ N due (≈ 2).

Every side gets the same warm-up (a connection, the due range of the index read, the working-day
calendar loaded); the engine also one empty pass first (query compilation), as a long-running
worker has. Times are wall-clock (``time.perf_counter``); nothing is asserted about speed.

    .venv/bin/python bench/sweep.py [--sizes 100000,1000000] [--backends sqlite,postgresql]
                                    [--workloads assigned,late] [--due-fraction 0.01] [--no-5m]
                                    [--plans 50] [--plans-due 5000] [--only-plans | --no-plans]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from sweep_data import WORKLOADS, PostgresBackend, SqliteBackend, due_at, prepare  # noqa: E402
from sweep_plans import Scenario, measure_plans, ratios  # noqa: E402
from sweep_sides import EngineWorker, bare, set_based  # noqa: E402

from htx_tasks.engine import BATCH, Plans  # noqa: E402
from htx_tasks.plan.office import load_plans  # noqa: E402

CURVE_SIZES = (100_000, 1_000_000, 5_000_000)
FIXED_DUE = 1_000


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class Row:
    backend: str
    size: int
    workload: str
    fill_s: float = 0.0
    due: int = 0
    engine: dict = field(default_factory=dict)
    set_s: float = 0.0
    bare_s: float = 0.0
    checks: list[str] = field(default_factory=list)
    ok: bool = True


@dataclass
class Point:
    size: int
    due: int
    engine: dict


def measure(backend, size: int, workload: str, plans: Plans, fraction: float, repeat: int,
            fixed_point: bool) -> tuple[Row, list]:
    """One line of the table: the sides interleaved ``repeat`` times (engine, set-based, bare),
    each time on a fresh copy; times are medians, memory the first engine pass's."""
    row, points = Row(backend.name, size, workload), []
    tag = f"[{backend.name} {size:,} {workload}]"
    log(f"{tag} filling ...")
    worker = EngineWorker()
    try:
        url, row.fill_s = prepare(backend, size, workload, plans)
        now, before, row.due = due_at(url, plans, max(1, round(size * fraction)))
        log(f"{tag} filled in {row.fill_s:.1f}s; now={now:%Y-%m-%d %H:%M:%S}Z, {row.due:,} due")
        engines, sets, bares = [], [], []
        for _ in range(repeat):
            engines.append(worker.run(backend.clone("a", "e"), now, before))
            backend.drop("e")
            sets.append(set_based(backend.clone("a", "s"), plans, now))
            backend.drop("s")
            bares.append(bare(backend.clone("a", "b"), plans, now))
            backend.drop("b")
            log(f"{tag} engine {engines[-1]['seconds']:.3f}s, set-based {sets[-1]['seconds']:.3f}s, "
                f"bare {bares[-1]['seconds']:.3f}s")
        row.engine = {**engines[0], "seconds": median(e["seconds"] for e in engines),
                      "full_gc": max(e["full_gc"] for e in engines)}
        row.set_s, row.bare_s = median(x["seconds"] for x in sets), median(x["seconds"] for x in bares)
        for e, sides, plain in zip(engines, sets, bares, strict=True):
            check(row, e, sides, plain)
        for line in dict.fromkeys(row.checks):
            log(f"    {line}")
        points.append(Point(size, row.due, row.engine))
        if fixed_point and size * fraction > FIXED_DUE:  # the 1,000-due point of the curve, on ``a`` itself
            now, before, due = due_at(url, plans, FIXED_DUE)
            fresh = EngineWorker()
            try:
                points.insert(0, Point(size, due, fresh.run(url, now, before)))
            finally:
                fresh.close()
    finally:
        worker.close()
        for label in ("a", "e", "s", "b"):
            backend.drop(label)
    return row, points


def check(row: Row, e: dict, sides: dict, plain: dict) -> None:
    same = e["digest"] == sides["digest"]
    good = (same and e["advanced"] == row.due == sides["selected"] and e["digest"]["occurrences changed"] == row.due
            and e["still_due"] == 0 and not e["failed"] and e["opened"] == 0 and e["transferred"] == 0
            and e["notifications"] == sides["inserted"])  # the digest holds the briefing recorded before
    row.ok &= good
    row.checks.append(f"engine:    advanced={e['advanced']} failed={e['failed']} opened={e['opened']} still_due="
                      f"{e['still_due']} notifications={e['notifications']} events={e['events']}")
    row.checks.append(f"end state: engine {e['digest']} / set-based {sides['digest']} -> "
                      + ("the same writes" if good else "MISMATCH"))
    bare_good = plain["selected"] == plain["touched"] == row.due and plain["still_due"] == 0
    row.ok &= bare_good
    row.checks.append(f"bare:      selected={plain['selected']} touched={plain['touched']} still_due="
                      f"{plain['still_due']} -> {'exactly the due rows' if bare_good else 'MISMATCH'}")


def table(head: tuple[str, ...], body: list[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = "  ".join("-" * w for w in widths)
    log(line)
    log("  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(head, widths, strict=True))))
    log(line)
    for b in body:
        log("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(b, widths, strict=True))))
    log(line)


def print_tables(rows: list[Row], points: list[Point], fraction: float, curve_workload: str) -> None:
    log(f"\nOne pass with a due set of {fraction:.2%} (engine = htx_tasks.engine.run_pass, BATCH={BATCH}; set-based = "
        "the engine's writes as raw SQL in one transaction; bare = indexed SELECT + UPDATE of the due rows, "
        "no audit, no outbox). Each side on its own copy of the same data.")
    table(("backend", "rows", "workload", "fill s", "due rows", "engine s", "set-based s", "bare s",
           "engine/set-based", "engine/bare", "full GCs", "pass peak MB", "checked"), [
        (r.backend, f"{r.size:,}", r.workload, f"{r.fill_s:.1f}", f"{r.due:,}", f"{r.engine['seconds']:.3f}",
         f"{r.set_s:.3f}", f"{r.bare_s:.3f}", f"{r.engine['seconds'] / r.set_s:.2f}x",
         f"{r.engine['seconds'] / r.bare_s:.2f}x", str(r.engine["full_gc"]),
         f"{r.engine['peak_mb'] - r.engine['rss_mb']:.0f}", "ok" if r.ok else "MISMATCH")
        for r in rows
    ])
    if points:
        log(f"\nScale curve (PostgreSQL, workload {curve_workload}): the pass by rows stored and rows due; "
            "peak MB = peak RSS during the pass minus RSS before it.")
        table(("stored", "due rows", "pass s", "ms per 1k due", "pass peak MB", "RSS before MB"), [
            (f"{p.size:,}", f"{p.due:,}", f"{p.engine['seconds']:.3f}",
             f"{p.engine['seconds'] * 1e6 / max(p.due, 1):.0f}", f"{p.engine['peak_mb'] - p.engine['rss_mb']:.0f}",
             f"{p.engine['rss_mb']:.0f}")
            for p in points
        ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="occurrence counts, comma-separated")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite and/or postgresql")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="assigned and/or late")
    parser.add_argument("--due-fraction", type=float, default=0.01, help="share of rows due at now")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side per table line (median)")
    parser.add_argument("--curve-workload", default="late", choices=WORKLOADS)
    parser.add_argument("--no-curve", action="store_true", help="no scale curve")
    parser.add_argument("--no-5m", action="store_true", help="scale curve without the 5M point")
    many = parser.add_argument_group("many plans (bench/sweep_plans.py)")
    many.add_argument("--plans", type=int, default=50, help="plans sharing the units")
    many.add_argument("--plans-units", type=int, default=100, help="units of the office")
    many.add_argument("--plans-duties", type=int, default=10, help="duties per plan")
    many.add_argument("--plans-stored", type=int, default=100_000, help="occurrences stored")
    many.add_argument("--plans-due", type=int, default=5_000, help="N: rows due (and 2N)")
    many.add_argument("--plans-workload", default="late", choices=WORKLOADS)
    many.add_argument("--no-plans", action="store_true", help="no many-plans workload")
    many.add_argument("--only-plans", action="store_true", help="the many-plans workload alone")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    if set(names) - {"sqlite", "postgresql"} or set(workloads) - set(WORKLOADS):
        parser.error("unknown backend or workload")
    plans = load_plans(ROOT / "config")
    started = time.perf_counter()
    rows: list[Row] = []
    points: list[Point] = []
    offices: list[tuple[str, tuple[Scenario, Scenario, Scenario]]] = []
    curve = not args.no_curve and "postgresql" in names and not args.only_plans
    for name in names:
        backend = SqliteBackend() if name == "sqlite" else PostgresBackend()
        try:
            reason = backend.available()
            if reason:
                log(f"[{name}] skipped: {reason}")
                continue
            on_curve = curve and name == "postgresql"
            for size in sizes if not args.only_plans else ():
                for workload in workloads:
                    fixed = on_curve and workload == args.curve_workload and size in CURVE_SIZES
                    row, found = measure(backend, size, workload, plans, args.due_fraction, args.repeat, fixed)
                    rows.append(row)
                    points += found if fixed else []
            for size in CURVE_SIZES if on_curve else ():
                if size in sizes or (size == 5_000_000 and args.no_5m):
                    continue
                points += curve_points(backend, size, args.curve_workload, plans, args.due_fraction)
            if not args.no_plans:
                offices.append((name, measure_plans(
                    backend, ROOT / "config", plans=args.plans, units=args.plans_units, duties=args.plans_duties,
                    stored=args.plans_stored, due=args.plans_due, workload=args.plans_workload, repeat=args.repeat,
                    log=log)))
        finally:
            backend.close()
    if rows:
        print_tables(rows, sorted(points, key=lambda p: (p.size, p.due)), args.due_fraction, args.curve_workload)
    if offices:
        print_plans(offices, args.plans_workload)
    log(f"total run time {time.perf_counter() - started:.0f}s")
    return 0 if all(r.ok for r in rows) and all(s.ok for _, found in offices for s in found) else 1


def print_plans(offices: list[tuple[str, tuple[Scenario, Scenario, Scenario]]], workload: str) -> None:
    """The many-plans table (medians), then the ratios that matter, measured side by side."""
    log(f"\nMany plans, one office (workload {workload}; bench/sweep_plans.py): the same (duty, unit) pairs in one "
        "plan or spread over many plans sharing the units; each side on its own copy.")
    log("Times are medians; the ratios below are medians of the ratios of runs made in the same round.")
    table(("backend", "plans", "stored", "due rows", "engine s", "set-based s", "engine/set-based", "checked"), [
        (name, str(s.plans), f"{s.stored:,}", f"{s.due:,}", f"{s.engine_s:.3f}", f"{s.set_s:.3f}",
         f"{s.engine_s / s.set_s:.2f}x", "ok" if s.ok else "MISMATCH")
        for name, found in offices for s in found
    ])
    for name, (one, many, double) in offices:
        table((f"{name}: ratio", "measured", "expected"), ratios(one, many, double))


def curve_points(backend, size: int, workload: str, plans: Plans, fraction: float) -> list[Point]:
    """A curve point on one database: the pass with 1,000 due, then on from there with ~1% due,
    each in a fresh engine process."""
    tag = f"[{backend.name} {size:,} {workload}]"
    log(f"{tag} filling (scale curve) ...")
    try:
        url, filled = prepare(backend, size, workload, plans)
        log(f"{tag} filled in {filled:.1f}s")
        out = []
        for k in (FIXED_DUE, round(size * fraction)):
            now, before, due = due_at(url, plans, k)
            worker = EngineWorker()
            try:
                out.append(Point(size, due, worker.run(url, now, before)))
            finally:
                worker.close()
            log(f"{tag} {due:,} due: pass {out[-1].engine['seconds']:.3f}s")
        return out
    finally:
        backend.drop("a")


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    sys.exit(main())
