"""Test helper: a plan followed to late December 2026 with a few unit reports, for the report's tests."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from htx_tasks import clock
from htx_tasks.engine import run_pass, sync_plan
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.service import load_demo
from htx_tasks.services import Actor, SubmitReport, submit, via_link
from htx_tasks.services.reporting import CompileDraft, compile_draft
from htx_tasks.store.db import session_scope
from htx_tasks.store.drafts import ReportDraft
from htx_tasks.store.models import Occurrence

NOW = clock.parse_instant("2026-12-28T09:00")
COORDINATOR = Actor.coordinator(via_link("kiem-thu"))
REPORTS = {  # unit → what it reported on its first item of the period
    "phong-kinh-te": "Đã hướng dẫn 2 hợp tác xã thành lập mới tại xã Cam Lập",
    "phuong-ba-ngoi": "Đã tuyên truyền Luật Hợp tác xã 2023 tại 4 khu dân cư",
}


def followed(engine: Engine, plan: Plan, reports: dict[str, str] | None = None) -> dict[str, int]:
    """The demonstration registry, a pass on 01/12/2026, each unit's report sent on 02/12/2026 through
    its page (the version it showed), a pass on 28/12/2026. Returns the reported item of each unit."""
    with session_scope(engine) as session:
        sync_plan(session, plan)
        load_demo(session, plan, now=NOW)
    run_pass(engine, plan, clock.parse_instant("2026-12-01T07:30"))
    items = {}
    with session_scope(engine) as session:
        rows = session.exec(select(Occurrence).order_by(Occurrence.deadline, Occurrence.id)).all()
        for unit, note in (REPORTS if reports is None else reports).items():
            row = next(r for r in rows if r.unit_code == unit and r.deadline.year == 2026 and r.deadline.month >= 7)
            submit(
                session,
                plan,
                Actor.of_unit(unit, via_link(f"l-{unit}")),
                SubmitReport.parse(occurrence=row.id, results=note, expected_version=row.version),
                now=clock.parse_instant("2026-12-02T09:00"),
            )
            items[unit] = row.id
    run_pass(engine, plan, NOW)
    return items


def compiled(engine: Engine, plan: Plan, seen: int = 0, *, now=NOW) -> ReportDraft:
    with session_scope(engine) as session:
        draft = compile_draft(session, plan, COORDINATOR, CompileDraft.parse(period="2026-H2", expected_version=seen), now=now)
        session.expunge(draft)
    return draft
