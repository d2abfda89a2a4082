"""Benchmark: a Monday-morning crowd on the web app, side by side with a bare route (the floor).

    .venv/bin/python bench/web.py [--backend sqlite|postgresql|both] [--clients N] [--posters M]
                                  [--seconds S] [--no-tick] [--database-url URL]

Defaults: SQLite with 50 clients and PostgreSQL with 200, 20 s each, ticks running back to back.

* The app runs as in production: ``htx-tasks web``'s uvicorn settings, one process, on loopback,
  against a database prepared like ``make run`` (the plan, the demo registry, a pass at now).
* N simulated clients (each its own cookies, as a phone) loop as fast as they can: the unit page,
  one item page, and the floor: a bare FastAPI app (none of the app's middleware) in the same
  process, event loop, thread pool and connection pool, whose one route runs one indexed SELECT
  (the unit's open items, index ``ix_occurrence_unit_state``), read-only. The floor runs under the
  same load, so the ratio of the two p95s says what the page costs above the database.
* M of the clients also post a report (the item page first, for its form token and version); one
  more plays the coordinator, returning reports so that items can be reported again (its page and
  its decisions are measured too).
* With ``--tick`` (default) ``htx-tasks tick`` runs back to back in another process (each an hour
  later than the last): the writer a Monday morning has.
* Each client takes its three steps in a new random order each round, so a crowd arriving at once
  hits every route alike; the first 3 s are not timed (errors count from the start).
* An error is anything but the expected answer (200 for pages, 303 for posts), or no answer.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import platform
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEY = "bench-key-" + "x" * 32
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
ROUTES = ["unit page", "item page", "floor", "report POST", "coordinator page", "coordinator POST"]
EXPECTED = {"report POST": 303, "coordinator POST": 303}
WARM_UP = 3.0  # seconds not timed: connections opening, first pages compiled


def prepare(url: str, var: Path) -> dict:
    """The database as ``make run`` leaves it, and a link per unit with open items (and the coordinator)."""
    from sqlmodel import Session, select

    from htx_tasks import clock
    from htx_tasks.engine import run_pass, sync_plan
    from htx_tasks.links import COORDINATOR_SUBJECT, Role, Signer
    from htx_tasks.plan.office import load_one as load_plan
    from htx_tasks.registry.service import load_demo
    from htx_tasks.store.db import make_engine, session_scope, upgrade
    from htx_tasks.store.models import Occurrence

    plan, engine, now = load_plan(ROOT / "config"), make_engine(url), clock.utcnow()
    upgrade(engine)
    with session_scope(engine) as session:
        sync_plan(session, plan)
        load_demo(session, plan, now=now)
    run_pass(engine, plan, now)
    signer = Signer(KEY)
    with Session(engine) as session:
        rows = session.exec(select(Occurrence.id, Occurrence.unit_code).where(
            Occurrence.state.in_(["open", "due_soon", "overdue", "escalated", "returned"]))).all()
        items: dict[str, list[int]] = defaultdict(list)
        for occurrence_id, unit in rows:
            items[unit].append(occurrence_id)
        tokens = {unit: signer.issue(session, Role.UNIT, unit) for unit in items}
        tokens[COORDINATOR_SUBJECT] = signer.issue(session, Role.COORDINATOR, COORDINATOR_SUBJECT)
    engine.dispose()
    return {"items": dict(items), "tokens": tokens, "coordinator": tokens.pop(COORDINATOR_SUBJECT)}


def serve(url: str, var: Path, port: int) -> None:
    """The server process: the app as ``htx-tasks web`` runs it, plus the floor route."""
    import uvicorn
    from fastapi import FastAPI
    from sqlalchemy import text

    from htx_tasks.cli.web import server_options
    from htx_tasks.links import Signer
    from htx_tasks.plan.office import load_one as load_plan
    from htx_tasks.settings import Settings
    from htx_tasks.store.db import make_engine, read_only
    from htx_tasks.web.app import create_app

    settings = Settings.from_env(environ={"HTX_DATABASE_URL": url, "HTX_VAR_DIR": str(var), "HTX_LINK_KEY": KEY,
                                          "HTX_WEB_UNIT_POSTS_PER_HOUR": "1000000",
                                          "HTX_WEB_COORDINATOR_POSTS_PER_HOUR": "1000000"})
    engine = make_engine(url)
    app = create_app(engine, load_plan(ROOT / "config"), Signer(KEY), settings=settings)
    bare = FastAPI()  # none of the app's middleware or handlers
    floor_engine = read_only(engine)  # the same pool; a read like the pages' reads
    floor_sql = text("SELECT id, state, deadline FROM occurrence WHERE unit_code = :u AND state IN "
                     "('open', 'due_soon', 'overdue', 'escalated', 'returned', 'submitted') ORDER BY deadline LIMIT 50")

    @bare.get("/bench/floor/{unit}")
    def floor(unit: str) -> dict[str, int]:
        with floor_engine.connect() as conn:
            return {"items": len(conn.execute(floor_sql, {"u": unit}).all())}

    async def both(scope, receive, send) -> None:  # one process, one event loop, one thread pool, one pool
        chosen = bare if scope["type"] == "http" and scope["path"].startswith("/bench/") else app
        await chosen(scope, receive, send)

    logging.getLogger("htx_tasks.web.audit").setLevel(logging.ERROR)  # a line per post: not what is measured
    uvicorn.run(both, host="127.0.0.1", port=port, log_level="warning", **server_options(settings.web_trusted_proxies))


class Run:
    """Latencies and errors per route, shared by the clients of one run."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.started = time.monotonic()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: dict[str, str] = {}
        self.reportable: deque[int] = deque()
        self.submitted: deque[int] = deque()

    async def hit(self, client, route: str, method: str, path: str, **kw):
        start = time.perf_counter()
        try:
            answer = await client.request(method, path, **kw)
        except Exception as exc:  # noqa: BLE001 - no answer at all is an error of the route
            self.errors[route] += 1
            self.samples.setdefault(route, type(exc).__name__)
            return None
        if time.monotonic() > self.started + WARM_UP:  # errors count from the start, times after warm-up
            self.times[route].append(time.perf_counter() - start)
        if answer.status_code != EXPECTED.get(route, 200):
            self.errors[route] += 1
            title = re.search(r"<title>([^<]*)", answer.text)
            self.samples.setdefault(route, f"{answer.status_code} {title.group(1) if title else answer.text[:80]}")
        return answer


def form_values(html: str, action: str) -> tuple[str, str] | None:
    """The form token and version of the form posting to ``action``."""
    found = re.search(re.escape(action) + r'".*?name="csrf" value="([^"]+)".*?name="version" value="(\d+)"', html, re.S)
    return (found.group(1), found.group(2)) if found else None


async def unit_client(run: Run, base: str, prep: dict, unit: str, poster: bool) -> None:
    import httpx

    token, items, tokens = prep["tokens"][unit], prep["items"][unit], prep["tokens"]
    owner = {i: u for u, ids in prep["items"].items() for i in ids}
    async def unit_page(client) -> None:
        await run.hit(client, "unit page", "GET", f"/u/{token}")

    async def item_page(client) -> None:
        if poster and run.reportable:
            await report(client)
        else:
            await run.hit(client, "item page", "GET", f"/u/{token}/o/{random.choice(items)}")

    async def floor(client) -> None:
        await run.hit(client, "floor", "GET", f"/bench/floor/{unit}")

    async def report(client) -> None:  # the item page (its form token and version), then the post
        item = run.reportable.popleft()
        path = f"/u/{tokens[owner[item]]}/o/{item}"
        page = await run.hit(client, "item page", "GET", path)
        values = form_values(page.text, f"{path}/report") if page is not None else None
        if values is None:
            run.reportable.append(item)
            return
        data = {"csrf": values[0], "version": values[1], "results": "Đã thực hiện, báo cáo kèm đường dẫn",
                "evidence_url": "https://example.org/bien-ban.pdf"}
        posted = await run.hit(client, "report POST", "POST", f"{path}/report", data=data)
        (run.submitted if posted is not None and posted.status_code == 303 else run.reportable).append(item)

    steps = [unit_page, item_page, floor]
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        while time.monotonic() < run.deadline:
            random.shuffle(steps)  # a crowd arriving at once hits every route alike
            for step in steps:
                await step(client)


async def coordinator_client(run: Run, base: str, prep: dict) -> None:
    import httpx

    token = prep["coordinator"]
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        while time.monotonic() < run.deadline:
            if not run.submitted:
                await asyncio.sleep(0.05)
                continue
            page = await run.hit(client, "coordinator page", "GET", f"/c/{token}")
            for _ in range(min(20, len(run.submitted))):
                item = run.submitted.popleft()
                values = form_values(page.text, f"/c/{token}/o/{item}/review") if page is not None else None
                if values is None:
                    run.submitted.append(item)
                    continue
                data = {"csrf": values[0], "version": values[1], "decision": "return", "note": "Bổ sung biên bản"}
                done = await run.hit(client, "coordinator POST", "POST", f"/c/{token}/o/{item}/review", data=data)
                (run.reportable if done is not None and done.status_code == 303 else run.submitted).append(item)


def ticks(url: str, var: Path, stop: threading.Event, counted: list[float]) -> None:
    """``htx-tasks tick`` back to back, each an hour later than the last, until ``stop``."""
    from htx_tasks import clock
    from htx_tasks.core import zones

    env = {**os.environ, "HTX_DATABASE_URL": url, "HTX_VAR_DIR": str(var), "HTX_CONFIG_DIR": str(ROOT / "config")}
    at = zones.local(clock.utcnow())
    while not stop.is_set():
        at += dt.timedelta(hours=1)
        start = time.perf_counter()
        done = subprocess.run([str(ROOT / ".venv/bin/htx-tasks"), "tick", "--now", at.strftime("%Y-%m-%dT%H:%M")],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"  tick failed: {done.stderr.strip()[-300:]}", file=sys.stderr)
        counted.append(time.perf_counter() - start)


def measure(url: str, clients: int, posters: int, seconds: float, tick: bool) -> tuple[Run, list[float]]:
    var = Path(tempfile.mkdtemp(prefix="htx-bench-web-"))
    try:
        prep = prepare(url, var)
        port = free_port()
        server = subprocess.Popen([sys.executable, __file__, "--serve", url, str(var), str(port)])
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server)
            stop, tick_times = threading.Event(), []
            ticker = threading.Thread(target=ticks, args=(url, var / "tick", stop, tick_times), daemon=True)
            if tick:
                ticker.start()
            run = asyncio.run(drive(base, prep, clients, posters, seconds))
            stop.set()
            if tick:
                ticker.join()
            return run, tick_times
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(var, ignore_errors=True)


async def drive(base: str, prep: dict, clients: int, posters: int, seconds: float) -> Run:
    run = Run(seconds)
    units = sorted(prep["items"])
    run.reportable.extend(i for ids in prep["items"].values() for i in ids)
    random.shuffle(run.reportable)
    tasks = [unit_client(run, base, prep, units[n % len(units)], n < posters) for n in range(clients)]
    if posters:
        tasks.append(coordinator_client(run, base, prep))
    await asyncio.gather(*tasks)
    return run


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(base: str, server: subprocess.Popen) -> None:
    import httpx

    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit("the web server stopped while starting")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the web server did not answer /healthz")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def report(name: str, clients: int, posters: int, run: Run, tick_times: list[float]) -> None:
    elapsed = time.monotonic() - run.started - WARM_UP
    ticks_text = f", {len(tick_times)} ticks (median {pct(tick_times, 50):.1f} s)" if tick_times else ", no tick"
    print(f"\n{name}: {clients} clients ({posters} posting, 1 coordinator){ticks_text}, {elapsed:.0f} s")
    print(f"| {'route':<16} | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print(f"|{'-' * 18}|---------:|------:|-------:|-------:|-------:|-------:|")
    for route in ROUTES:
        times = run.times.get(route, [])
        if not times and not run.errors.get(route):
            continue
        print(f"| {route:<16} | {len(times):8d} | {len(times) / elapsed:5.0f} | {pct(times, 50) * 1000:6.0f} | "
              f"{pct(times, 95) * 1000:6.0f} | {pct(times, 99) * 1000:6.0f} | {run.errors.get(route, 0):6d} |")
    unit, floor = pct(run.times["unit page"], 95), pct(run.times["floor"], 95)
    print(f"unit page p95 / floor p95 = {unit / floor:.2f}x; errors: {sum(run.errors.values())}")
    for route, sample in run.samples.items():
        print(f"  first error on {route}: {sample}")


def postgres_url() -> tuple[str, object]:
    import psycopg

    name = f"htx_bench_web_{secrets.token_hex(4)}"
    admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}", (admin, name)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, help="default: 50 on SQLite, 200 on PostgreSQL")
    parser.add_argument("--posters", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--no-tick", dest="tick", action="store_false")
    args = parser.parse_args()
    print(f"{platform.node()}: {os.cpu_count()} CPU ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}, {dt.date.today():%d/%m/%Y}")
    if args.backend in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="htx-bench-db-"))
        clients = args.clients or 50
        try:
            run, tick_times = measure(f"sqlite:///{folder / 'htx.db'}", clients, args.posters, args.seconds, args.tick)
            report("SQLite", clients, args.posters, run, tick_times)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.backend in ("postgresql", "both"):
        url, (admin, name) = postgres_url()
        clients = args.clients or 200
        try:
            run, tick_times = measure(url, clients, args.posters, args.seconds, args.tick)
            report("PostgreSQL", clients, args.posters, run, tick_times)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


if __name__ == "__main__":
    main()
