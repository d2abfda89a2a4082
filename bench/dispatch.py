"""Benchmark: notifications through the outbox vs bare Apprise ``async_notify``, same receiver.

    .venv/bin/python bench/dispatch.py [--messages 10000] [--chunks 10] [--database-url URL]

Both sides send the same number of *messages* (HTTP POSTs of a rendered digest) to one local
``json://`` receiver (a threading HTTP server on 127.0.0.1 in this process), one URL per
recipient (``/<tag>``): every leaf unit of the plan, the coordinator and the leadership.

* Outbox: a digest groups every due row of a recipient into one message, so to count messages
  honestly each dispatch pass must find exactly one due row per recipient. The N rows are
  inserted up front (not timed; one per recipient per "round", round k due at t0 + k s) and
  dispatched in passes at t0, t0 + 1 s, ...: N rows → N messages, each one claimed
  (compare-and-set), rendered (Jinja2), sent through Apprise and recorded (row + per-URL result).
  The channels are loaded once for the run, as bare Apprise builds its object once; a side figure
  shows passes that load ``channels.yaml`` afresh each time, as a flow run does.
* Bare Apprise at its best: one ``Apprise`` object holding the same URLs (tagged), the body
  rendered once, N ``async_notify(tag=...)`` calls (a) awaited one after another, (b) with as
  many in flight as the outbox allows (``IN_FLIGHT``), (c) one round (every recipient) at a time
  with ``asyncio.gather``. The ratio is taken against the fastest of the three.
* The local inbox is disabled (``load_channels(..., inbox_dir=None)``) so both sides do the same
  I/O: one HTTP POST per message. ``respect_hours=False``.
* The sides run interleaved in chunks so load from other processes hits them alike.
* A side figure: N more rows due at once, dispatched in ONE pass (one digest per recipient) —
  rows per second when the digest rule groups them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import apprise  # noqa: E402
from receivers import HttpReceiver  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from htx_tasks.core.policy import COORDINATOR, LEADERSHIP  # noqa: E402
from htx_tasks.core.zones import at_local  # noqa: E402
from htx_tasks.delivery.channels import load_channels  # noqa: E402
from htx_tasks.delivery.dispatcher import IN_FLIGHT, dispatch  # noqa: E402
from htx_tasks.delivery.messages import make_item, render_digest  # noqa: E402
from htx_tasks.engine import run_pass  # noqa: E402
from htx_tasks.plan.office import load_one as load_plan  # noqa: E402
from htx_tasks.settings import Settings  # noqa: E402
from htx_tasks.store.db import make_engine, upgrade  # noqa: E402
from htx_tasks.store.models import Notification, Occurrence  # noqa: E402

NOW = at_local(dt.date(2026, 11, 27), 8, 0)


def setup(work: Path, receiver: HttpReceiver, database_url: str | None):
    config = work / "config"
    config.mkdir()
    for path in (ROOT / "config").glob("*.yaml"):
        shutil.copy(path, config / path.name)
    shutil.copytree(ROOT / "config" / "plans", config / "plans")
    plan = load_plan(config)
    tags = [u.code for u in plan.source.units if not u.members] + [COORDINATOR, LEADERSHIP]
    lines = ["version: 1", "urls:"]
    for tag in tags:
        lines += [f'  - "{receiver.url("/" + tag)}":', f"      - tag: {tag}"]
    (config / "channels.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = load_plan(config)
    url = database_url or f"sqlite:///{work / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    run_pass(engine, plan, NOW)  # real occurrences to hang the rows on
    with Session(engine) as session:
        session.exec(Notification.__table__.delete())  # the pass's own rows are not part of the run
        session.commit()
        occurrences = list(session.exec(select(Occurrence)).all())
    by_unit = {o.unit_code: o for o in occurrences}
    overdue = min(occurrences, key=lambda o: (o.deadline, o.id))  # the roles' rows hang on the earliest
    occurrence_of = {t: (by_unit[t] if t in by_unit else overdue) for t in tags}
    settings = Settings(database_url=url, config_dir=config, var_dir=work / "var")
    channels = load_channels(plan, config, None)  # inbox disabled
    return plan, engine, tags, occurrence_of, settings, channels


def insert_rows(engine, tags, occurrence_of, n: int, t0: dt.datetime, step: dt.timedelta) -> None:
    rows = []
    for i in range(n):
        tag = tags[i % len(tags)]
        due = t0 + step * (i // len(tags))
        occurrence = occurrence_of[tag]
        kind, level = ("escalation", 1) if tag in (COORDINATOR, LEADERSHIP) else ("reminder", -1)
        rows.append(dict(occurrence_id=occurrence.id, kind=kind, level=level, detail=0, due_at=due,
                         recipient=tag, created_at=t0, status="pending", attempts=0, next_attempt_at=due,
                         delivered_urls=""))
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(insert(Notification), rows[start:start + 2000])


def run_outbox(plan, engine, settings, channels, receiver, rounds: range, n_tags: int,
               n_rows: int) -> tuple[float, float, int]:
    """Dispatch passes for ``rounds`` (rows already inserted); returns wall s, CPU s, messages.

    ``channels`` None: each pass loads ``channels.yaml`` afresh (inbox still disabled).
    """
    before = receiver.count()
    sent = messages = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for k in rounds:
        result = dispatch(engine, plan, NOW + dt.timedelta(seconds=k),
                          channels=channels or load_channels(plan, settings.config_dir, None), respect_hours=False)
        sent += result.sent
        messages += result.messages
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    expected = sum(min(n_tags, n_rows - k * n_tags) for k in rounds)
    assert sent == messages == expected, (sent, messages, expected)
    assert receiver.wait_for(before + messages) and receiver.count() == before + messages
    return wall, cpu, messages


def run_digest_pass(plan, engine, tags, occurrence_of, settings, channels, receiver, n: int) -> tuple[float, int, int]:
    t0 = NOW + dt.timedelta(days=1)
    insert_rows(engine, tags, occurrence_of, n, t0, dt.timedelta(microseconds=1))
    before = receiver.count()
    start = time.perf_counter()
    result = dispatch(engine, plan, t0 + dt.timedelta(seconds=1), channels=channels, respect_hours=False)
    elapsed = time.perf_counter() - start
    assert result.sent == n and receiver.count() - before == result.messages
    return elapsed, result.sent, result.messages


class Bare:
    """Bare Apprise: the same URLs in one Apprise object, the digest body rendered once."""

    def __init__(self, plan, tags, occurrence_of, receiver) -> None:
        self.tags, self.receiver = tags, receiver
        self.obj = apprise.Apprise()
        for tag in tags:
            self.obj.add(receiver.url("/" + tag), tag=tag)
        o = occurrence_of[tags[0]]
        item = make_item(plan, occurrence_id=o.id, kind="reminder", level=-1, unit=o.unit_code,
                         duty=o.duty_code, period=o.period_label, deadline=o.deadline, now=NOW)
        self.message = render_digest(plan, tags[0], [item], NOW)

    async def one(self, i: int) -> None:
        result = await self.obj.async_notify(body=self.message.text, title=self.message.title,
                                             tag=self.tags[i % len(self.tags)],
                                             body_format=apprise.NotifyFormat.TEXT)
        assert result, result.status

    def run(self, n: int, mode: str) -> tuple[float, float]:
        """``serial``: one by one; ``bounded``: ``IN_FLIGHT`` at once; ``rounds``: every tag at once."""
        before = self.receiver.count()
        size = len(self.tags)

        async def main() -> None:
            if mode == "rounds":
                for start in range(0, n, size):
                    await asyncio.gather(*(self.one(i) for i in range(start, min(n, start + size))))
            elif mode == "bounded":
                gate = asyncio.Semaphore(IN_FLIGHT)

                async def gated(i: int) -> None:
                    async with gate:
                        await self.one(i)

                await asyncio.gather(*(gated(i) for i in range(n)))
            else:
                for i in range(n):
                    await self.one(i)

        wall, cpu = time.perf_counter(), time.process_time()
        asyncio.run(main())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert self.receiver.wait_for(before + n) and self.receiver.count() == before + n
        return wall, cpu


SIDES = {
    "outbox": "outbox dispatch (claim, render, send, record)",
    "serial": "bare Apprise async_notify, awaited one by one",
    "bounded": f"bare Apprise async_notify, {IN_FLIGHT} in flight",
    "rounds": "bare Apprise async_notify, a round at a time",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--chunks", type=int, default=10, help="interleave the sides in this many chunks")
    parser.add_argument("--database-url", default=os.environ.get("HTX_BENCH_DATABASE_URL"),
                        help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    n = args.messages
    totals = {key: [0.0, 0.0] for key in SIDES}
    with tempfile.TemporaryDirectory() as tmp, HttpReceiver() as receiver:
        plan, engine, tags, occurrence_of, settings, channels = setup(Path(tmp), receiver, args.database_url)
        n_tags = len(tags)
        rounds_total = -(-n // n_tags)
        chunks = max(1, min(args.chunks, rounds_total))
        bare = Bare(plan, tags, occurrence_of, receiver)
        print(f"{n} messages to one local json:// receiver (127.0.0.1:{receiver.port}), {n_tags} recipients "
              f"(one URL each), database {engine.dialect.name}, {os.cpu_count()} CPU cores; inbox disabled on "
              "the outbox side for a fair comparison (one HTTP POST per message on both sides); working hours "
              "not checked.")
        print(f"Outbox: {n} rows inserted up front (not timed), one due row per recipient per round, so each "
              f"dispatched message carries exactly one row ({rounds_total} dispatch passes of up to {n_tags} "
              f"messages, up to {IN_FLIGHT} in flight).")
        print(f"The sides run interleaved in {chunks} chunks (outbox, then the three bare variants) so that "
              "load from other processes on the machine hits them alike; CPU is this process's CPU time "
              "(the receiver thread included, on every side).")
        insert_rows(engine, tags, occurrence_of, n, NOW, dt.timedelta(seconds=1))
        bounds = [rounds_total * c // chunks for c in range(chunks + 1)]
        for c in range(chunks):
            rounds = range(bounds[c], bounds[c + 1])
            wall, cpu, messages = run_outbox(plan, engine, settings, channels, receiver, rounds, n_tags, n)
            totals["outbox"][0] += wall
            totals["outbox"][1] += cpu
            for key in ("serial", "bounded", "rounds"):
                wall, cpu = bare.run(messages, key)
                totals[key][0] += wall
                totals[key][1] += cpu
        # side figure: passes that load channels.yaml each time, beside the best bare side again
        side_rounds = max(1, rounds_total // 5)
        t1 = NOW + dt.timedelta(seconds=rounds_total)
        insert_rows(engine, tags, occurrence_of, side_rounds * n_tags, t1, dt.timedelta(seconds=1))
        reload_wall, _, reload_messages = run_outbox(
            plan, engine, settings, None, receiver, range(rounds_total, rounds_total + side_rounds), n_tags,
            (rounds_total + side_rounds) * n_tags)
        digest_time, digest_rows, digest_messages = run_digest_pass(
            plan, engine, tags, occurrence_of, settings, channels, receiver, n)
        engine.dispose()
    rate = {k: n / v[0] for k, v in totals.items()}
    ms_cpu = {k: 1000 * v[1] / n for k, v in totals.items()}
    best = max(("serial", "bounded", "rounds"), key=lambda k: rate[k])
    for key, label in SIDES.items():
        print(f"  {label:<48} {n:6d} messages in {totals[key][0]:7.2f} s = {rate[key]:7.1f} messages/s "
              f"({ms_cpu[key]:.2f} ms CPU per message)")
    print(f"  ratio outbox / bare Apprise at its best ({best}): {rate['outbox'] / rate[best]:.3f} "
          f"(outbox / one by one: {rate['outbox'] / rate['serial']:.3f}; "
          f"outbox / {IN_FLIGHT} in flight: {rate['outbox'] / rate['bounded']:.3f})")
    reload_rate = reload_messages / reload_wall
    print(f"  side figure, channels.yaml loaded afresh each pass: {reload_messages} messages, "
          f"{reload_rate:.1f} messages/s (ratio to bare at its best: {reload_rate / rate[best]:.3f})")
    print(f"  side figure, {digest_rows} rows due at once: ONE dispatch pass, {digest_messages} digests, "
          f"{digest_time:.2f} s = {digest_rows / digest_time:.0f} rows/s")


if __name__ == "__main__":
    main()
