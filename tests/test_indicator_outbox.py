"""Indicator alerts go through the one outbox: notify views, working hours, retries, lease, told
once; and the migration that moved the old table's rows, down and up, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, inspect, select, update
from sqlmodel import Session
from typer.testing import CliRunner

from htx_tasks.bootstrap import Context
from htx_tasks.cli.main import app
from htx_tasks.core.lifecycle import Kind
from htx_tasks.core.zones import at_local
from htx_tasks.delivery import outbox
from htx_tasks.delivery.dispatcher import BACKOFF, MAX_ATTEMPTS, dispatch
from htx_tasks.indicators import alerts
from htx_tasks.indicators.service import evaluate
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.models import CoopVersion
from htx_tasks.registry.service import load_demo
from htx_tasks.settings import Settings
from htx_tasks.store.db import alembic_config, session_scope
from htx_tasks.store.models import LEASE, Delivery, Notification
from htx_tasks.store.types import UTCDateTime
from tests.conftest import CONFIG_DIR

FRIDAY_0900 = at_local(dt.date(2026, 11, 27), 9, 0)
SATURDAY = at_local(dt.date(2026, 11, 28), 16, 0)
OFF = "giai-the-htx-2030"  # off its path in the demonstration registry, 2026 (behind its path)
BAND = "htx-kha-tot-2030"  # below the band it must hold, 2026
SUBJECTS = [f"{BAND}/2026/below_range", f"{OFF}/2026/behind"]
BEFORE = "i9_registry_upkeep"  # the revision before one outbox


def off_path(engine: Engine, plan: Plan, now: dt.datetime, *, real: bool = False) -> int:
    """The demonstration registry's indicators for 2026 recorded as the flow does; returns rows added."""
    with session_scope(engine) as session:
        if load_demo(session, plan, now=FRIDAY_0900) is not None and real:
            session.execute(update(CoopVersion).values(synthetic=False))
    with session_scope(engine) as session:
        kpi = evaluate(session, plan, 2026, today=now.date())
        return alerts.record(session, plan, kpi, now)


def told(engine: Engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.scalars(select(Notification).where(Notification.kind == Kind.INDICATOR.value)
                                    .order_by(Notification.id)).all())


@pytest.fixture
def ctx(db_engine: Engine, tmp_path: Path) -> Context:
    settings = Settings(config_dir=CONFIG_DIR, var_dir=tmp_path / "var", database_url="sqlite://")
    with Context(settings, engine=db_engine) as context:
        yield context


def notify(ctx: Context, view: str) -> list[dict]:
    result = CliRunner().invoke(app, ["notify", view, "--json"], obj=ctx, env={"COLUMNS": "2000"})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_indicator_alert_is_an_ordinary_notification_the_notify_views_list(ctx: Context) -> None:
    assert off_path(ctx.engine, ctx.plan, FRIDAY_0900) == 2  # demonstration figures: the coordinator only
    rows = told(ctx.engine)
    assert [(r.occurrence_id, r.recipient, r.status, r.subject) for r in rows] == [
        (None, "coordinator", "pending", subject) for subject in SUBJECTS]
    assert rows[1].body.startswith("- Số hợp tác xã không còn hoạt động chưa giải thể: 4 hợp tác xã")
    pending = notify(ctx, "pending")
    assert [(p["id"], p["kind"], p["subject"], p["occurrence"]) for p in pending] == [
        (r.id, "indicator", r.subject, None) for r in rows]
    text = CliRunner().invoke(app, ["notify", "pending"], obj=ctx, env={"COLUMNS": "2000"}).stdout
    assert f"chỉ tiêu {OFF}, năm 2026" in text and "Chỉ tiêu chệch lộ trình" in text

    result = dispatch(ctx.engine, ctx.plan, FRIDAY_0900, channels=ctx.channels)
    assert (result.sent, result.messages) == (2, 1)  # one message for the year's indicators
    assert [s["id"] for s in notify(ctx, "sent")] == [r.id for r in rows] and notify(ctx, "pending") == []
    inbox = (ctx.settings.inbox_dir / "coordinator.txt").read_text(encoding="utf-8")
    assert "[KH thực hiện CTr 46-CTr/TU] 2 chỉ tiêu năm 2026 chệch lộ trình" in inbox
    assert "Số hợp tác xã không còn hoạt động chưa giải thể: 4 hợp tác xã" in inbox and "(Dữ liệu minh họa.)" in inbox
    with Session(ctx.engine) as session:  # a delivery row per URL, as for any notice
        deliveries = session.scalars(select(Delivery).where(
            Delivery.notification_ids == ",".join(str(r.id) for r in rows))).all()
    assert [(d.recipient, d.status) for d in deliveries] == [("coordinator", "success")]


def test_an_indicator_is_told_once_a_year_to_each_recipient(ctx: Context) -> None:
    assert off_path(ctx.engine, ctx.plan, FRIDAY_0900) == 2
    assert off_path(ctx.engine, ctx.plan, FRIDAY_0900 + dt.timedelta(days=3)) == 0  # a rerun tells nobody
    with session_scope(ctx.engine) as session:  # the same figures become real: leadership hears of them, once
        session.execute(update(CoopVersion).values(synthetic=False))
        kpi = evaluate(session, ctx.plan, 2026, today=FRIDAY_0900.date())
        assert alerts.record(session, ctx.plan, kpi, FRIDAY_0900) == 2
        assert alerts.record(session, ctx.plan, kpi, FRIDAY_0900) == 0
    assert sorted((r.recipient, r.subject) for r in told(ctx.engine)) == [
        (recipient, subject) for recipient in ("coordinator", "leadership") for subject in sorted(SUBJECTS)]


def test_an_alert_moved_from_the_old_table_still_counts_as_told(ctx: Context) -> None:
    with session_scope(ctx.engine) as session:
        session.add(Notification(kind="indicator", level=-1, detail=2026, due_at=FRIDAY_0900, recipient="coordinator",
                                 created_at=FRIDAY_0900, status="sent", subject=f"{OFF}/2026/off_track", body="- cũ"))
    assert off_path(ctx.engine, ctx.plan, FRIDAY_0900) == 1  # the other indicator only
    assert [r.subject for r in told(ctx.engine)] == [f"{OFF}/2026/off_track", f"{BAND}/2026/below_range"]


def test_an_alert_recorded_out_of_hours_waits_for_the_next_working_morning(ctx: Context) -> None:
    off_path(ctx.engine, ctx.plan, SATURDAY)
    weekend = dispatch(ctx.engine, ctx.plan, SATURDAY, channels=ctx.channels)
    assert (weekend.deferred, weekend.sent) == (2, 0) and {r.status for r in told(ctx.engine)} == {"pending"}
    monday = dispatch(ctx.engine, ctx.plan, at_local(dt.date(2026, 11, 30), 8, 0), channels=ctx.channels)
    assert monday.sent == 2 and {r.status for r in told(ctx.engine)} == {"sent"}


def test_a_failing_channel_is_retried_with_backoff_then_listed_as_failed(ctx: Context, tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    (config / "channels.yaml").write_text(  # nobody answers on port 9
        'version: 1\nurls:\n  - "json://127.0.0.1:9/hook":\n      - tag: coordinator\n', encoding="utf-8")
    broken = ctx.with_config_dir(config)
    off_path(broken.engine, broken.plan, FRIDAY_0900)
    at = FRIDAY_0900
    for attempt in range(MAX_ATTEMPTS):
        result = dispatch(broken.engine, broken.plan, at, channels=broken.channels)
        assert result.sent == 0
        if attempt < len(BACKOFF):
            assert notify(broken, "pending")[0]["attempts"] == attempt + 1
            assert dispatch(broken.engine, broken.plan, at + BACKOFF[attempt] - dt.timedelta(seconds=1),
                            channels=broken.channels).retrying == 0  # not before its backoff
            at += BACKOFF[attempt]
    failed = notify(broken, "failed")
    assert [(f["kind"], f["attempts"], f["subject"]) for f in failed] == [
        ("indicator", MAX_ATTEMPTS, subject) for subject in SUBJECTS]


def test_an_alert_whose_sender_stopped_mid_send_is_set_aside_under_the_lease(ctx: Context) -> None:
    off_path(ctx.engine, ctx.plan, FRIDAY_0900)
    with session_scope(ctx.engine) as session:  # claimed, then the process died
        outbox.claim(session, FRIDAY_0900, ["coordinator"], FRIDAY_0900)
    assert [s["subject"] for s in notify(ctx, "sending")] == SUBJECTS
    later = FRIDAY_0900 + LEASE + dt.timedelta(minutes=1)
    result = dispatch(ctx.engine, ctx.plan, later, channels=ctx.channels, wall=later)
    assert (result.review, result.sent) == (2, 0)
    assert [r["subject"] for r in notify(ctx, "review")] == SUBJECTS


OLD_ROWS = [  # (status, attempts, sent) in the old indicator_alert table
    ("sent", 1, True), ("pending", 2, False), ("sending", 1, False), ("failed", 5, False),
]


def test_the_migration_moves_the_old_tables_alerts_into_the_outbox_and_back(ctx: Context) -> None:
    from alembic import command

    engine = ctx.engine
    command.downgrade(alembic_config(engine), BEFORE)
    assert inspect(engine).has_table("indicator_alert")
    assert "subject" not in {c["name"] for c in inspect(engine).get_columns("notification")}
    with engine.begin() as conn:
        conn.execute(insert(_old_table(engine)), [
            dict(indicator=f"chi-tieu-{i}", year=2026, recipient="coordinator", text=f"- dòng {i}",
                 created_at=FRIDAY_0900, status=status, attempts=attempts, claim_token="t" if status == "sending" else None,
                 sent_at=FRIDAY_0900 if sent else None, last_error=None if sent else "lỗi cũ")
            for i, (status, attempts, sent) in enumerate(OLD_ROWS)])

    command.upgrade(alembic_config(engine), "head")
    assert not inspect(engine).has_table("indicator_alert")
    moved = told(engine)
    assert [(r.subject, r.status, r.attempts, r.body, r.occurrence_id) for r in moved] == [
        ("chi-tieu-0/2026/off_track", "sent", 1, "- dòng 0", None),
        ("chi-tieu-1/2026/off_track", "pending", 2, "- dòng 1", None),
        ("chi-tieu-2/2026/off_track", "review", 1, "- dòng 2", None),  # nobody knows whether it went
        ("chi-tieu-3/2026/off_track", "failed", 5, "- dòng 3", None),
    ]
    assert moved[1].next_attempt_at == FRIDAY_0900 and moved[0].sent_at == FRIDAY_0900
    assert [r["subject"] for r in notify(ctx, "review")] == ["chi-tieu-2/2026/off_track"]
    assert [r["subject"] for r in notify(ctx, "failed")] == ["chi-tieu-3/2026/off_track"]

    command.downgrade(alembic_config(engine), BEFORE)  # and back: the table and its rows, nothing sent twice
    with engine.connect() as conn:
        old = _old_table(engine)
        back = conn.execute(select(old).order_by(old.c.id)).mappings().all()
    assert [(r["indicator"], r["status"], r["attempts"], r["text"]) for r in back] == [
        ("chi-tieu-0", "sent", 1, "- dòng 0"), ("chi-tieu-1", "pending", 2, "- dòng 1"),
        ("chi-tieu-2", "failed", 1, "- dòng 2"), ("chi-tieu-3", "failed", 5, "- dòng 3")]
    assert "occurrence_id" in {c["name"] for c in inspect(engine).get_columns("notification")}
    assert not next(c for c in inspect(engine).get_columns("notification") if c["name"] == "occurrence_id")["nullable"]
    command.upgrade(alembic_config(engine), "head")
    assert len(told(engine)) == 4


def _old_table(engine: Engine):
    """The old table's columns, times as the store keeps them (naive UTC)."""
    from sqlalchemy import Integer, String, column, table

    return table("indicator_alert", *(column(name, Integer()) for name in ("id", "year", "attempts")),
                 *(column(name, String()) for name in ("indicator", "recipient", "text", "status", "claim_token",
                                                        "last_error")),
                 column("created_at", UTCDateTime()), column("sent_at", UTCDateTime()))
