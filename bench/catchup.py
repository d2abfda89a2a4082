"""Peak memory of a long catch-up: 1, 5 and 20 years without a pass, side by side.

Each gap runs in its own subprocess (so one cannot inherit another's peak) under an address-space
cap (``--cap-gb``, default 4 GB: a regression fails with MemoryError instead of swapping the
machine). The subprocess makes a fresh SQLite database with the real schema and the shipped plan
and runs the first pass (and its dispatch) on the first working morning of ``tracking_from``: the
cursors and first-sight state are then those of a system that was followed on day one and left
alone since. (From an empty database the day-one rule would open only the current periods, so
that is not a catch-up.) Then, measured, it does what ``htx-tasks tick --force --now
<tracking_from + N years>`` does: one engine pass (``run_pass``: sync, open every period of the
gap, advance everything due) and one dispatch to the local inbox. It reports

- with ``--heap``, the Python heap peak of the pass and of the dispatch (``tracemalloc``, reset
  between them; it makes the runs about three times slower),
- the process's peak resident set (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) before the
  catch-up (interpreter, imports and the day-one pass), once the pass is done and at the end
  (pass + dispatch),
- wall time and what was written.

The last two columns divide each gap's peak RSS (after the pass; at the end) by the 1-year one;
the aim is that the 20-year ratio stays under 1.5. Nothing is asserted: the ratios are printed.

    .venv/bin/python bench/catchup.py [--years 1,5,20] [--cap-gb 4] [--heap]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def one(years: int, workdir: Path, cap: int, heap: bool) -> dict:
    """Run in the subprocess: one catch-up of ``years`` and its measurements."""
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import tracemalloc

    from sqlalchemy import func, select

    from htx_tasks.bootstrap import Context
    from htx_tasks.core.zones import at_local
    from htx_tasks.delivery.dispatcher import dispatch
    from htx_tasks.engine import run_pass
    from htx_tasks.plan.office import load_one as load_plan
    from htx_tasks.settings import Settings
    from htx_tasks.store.db import make_engine, upgrade
    from htx_tasks.store.models import Notification, Occurrence

    plan = load_plan(ROOT / "config")
    start = plan.meta.tracking_from
    day = plan.calendar.working_day_on_or_after(start.replace(year=start.year + years))
    now = at_local(day, 9, 0)  # a working morning, so the dispatch really sends
    engine = make_engine(f"sqlite:///{workdir / 'htx.db'}")
    upgrade(engine)
    settings = Settings(database_url=str(engine.url), config_dir=ROOT / "config", var_dir=workdir / "var")
    day_one = at_local(plan.calendar.working_day_on_or_after(start), 9, 0)
    run_pass(engine, plan, day_one)  # followed on day one: every duty and unit has its cursor
    channels = Context(settings, engine=engine).channels
    dispatch(engine, plan, day_one, channels=channels, wall=day_one)
    with engine.connect() as conn:
        seeded = conn.execute(select(func.count()).select_from(Occurrence)).scalar()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    batches = []
    if heap:
        tracemalloc.start()
    started = time.perf_counter()
    result = run_pass(engine, plan, now, progress=lambda r: batches.append(r.advanced))
    pass_s = time.perf_counter() - started
    pass_peak = tracemalloc.get_traced_memory()[1] if heap else 0
    pass_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if heap:
        tracemalloc.reset_peak()
    started = time.perf_counter()
    sent = dispatch(engine, plan, now, channels=channels, wall=now)
    dispatch_s = time.perf_counter() - started
    dispatch_peak = tracemalloc.get_traced_memory()[1] if heap else 0
    tracemalloc.stop()
    with engine.connect() as conn:
        occurrences = conn.execute(select(func.count()).select_from(Occurrence)).scalar()
        outbox = conn.execute(select(func.count()).select_from(Notification)).scalar()
    return {
        "years": years, "now": day.isoformat(), "seeded": seeded, "occurrences": occurrences, "outbox": outbox,
        "opened": result.opened, "advanced": result.advanced, "folded": result.repeats_folded,
        "batches": len(batches), "sent_items": sent.sent, "messages": sent.messages,
        "pass_s": pass_s, "dispatch_s": dispatch_s, "pass_peak": pass_peak, "dispatch_peak": dispatch_peak,
        "rss_before_kb": before, "rss_pass_kb": pass_rss, "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def mb(value: float) -> str:
    return f"{value / 1024 / 1024:,.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="1,5,20")
    parser.add_argument("--cap-gb", type=float, default=4.0)
    parser.add_argument("--heap", action="store_true",
                        help="also trace the Python heap (tracemalloc; about 3x slower)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cap = int(args.cap_gb * 1024 ** 3)
    if args.one is not None:
        print(json.dumps(one(args.one, Path(args.workdir), cap, args.heap)))
        return 0
    rows = []
    for years in [int(y) for y in args.years.split(",")]:
        with tempfile.TemporaryDirectory(prefix="htx-catchup-") as tmp:
            print(f"[{years} năm] chạy bù ...", file=sys.stderr, flush=True)
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(years), "--workdir", tmp, "--cap-gb", str(args.cap_gb)]
                + (["--heap"] if args.heap else []),
                capture_output=True, text=True, check=False, env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
            )
        if done.returncode != 0:
            print(f"[{years} năm] FAILED (exit {done.returncode}):\n{done.stderr[-3000:]}", file=sys.stderr)
            return 1
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = rows[0]["rss_peak_kb"]
    head = ("gap", "now", "day one", "opened", "occurrences", "outbox rows", "repeats folded", "batches", "pass s", "dispatch s",
            "pass heap MB", "dispatch heap MB", "RSS before MB", "RSS after pass MB", "peak RSS MB",
            f"pass RSS / {rows[0]['years']}y", f"peak RSS / {rows[0]['years']}y")
    body = [(f"{r['years']} y", r["now"], f"{r['seeded']:,}", f"{r['opened']:,}",
             f"{r['occurrences']:,}", f"{r['outbox']:,}", f"{r['folded']:,}",
             str(r["batches"]), f"{r['pass_s']:.1f}", f"{r['dispatch_s']:.1f}",
             mb(r["pass_peak"]) if args.heap else "-", mb(r["dispatch_peak"]) if args.heap else "-",
             mb(r["rss_before_kb"] * 1024), mb(r["rss_pass_kb"] * 1024),
             mb(r["rss_peak_kb"] * 1024), f"{r['rss_pass_kb'] / rows[0]['rss_pass_kb']:.2f}x",
             f"{r['rss_peak_kb'] / base:.2f}x") for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    print(f"Catch-up after a day-one pass on tracking_from and none since (SQLite, shipped plan; "
          f"address space capped at {args.cap_gb:g} GB per run)")
    print("  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)))
    for b in body:
        print("  ".join(c.rjust(w) for c, w in zip(b, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
