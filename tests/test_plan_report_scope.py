"""Two active plans (the seed plan and the demonstration plan): the consolidated report of one plan
reads only its own items, never the other plan's reports, extensions or difficulties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from office import SEED, office_folder
from sqlalchemy import Engine, select
from sqlmodel import Session
from test_demo_plan import DEMO, M

from htx_tasks.config import Config, load_config
from htx_tasks.engine import run_pass
from htx_tasks.reporting.data import gather
from htx_tasks.services import Actor, ExtendDeadline, SubmitReport, extend, submit, via_cli
from htx_tasks.services.reporting import parse_period
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Occurrence

DEMO_NOTE = "Khó khăn (minh họa): hai hợp tác xã chưa gửi số liệu tháng"
DEMO_REASON = "Chờ số liệu tháng của phường (minh họa)"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The shipped configuration with the demonstration plan beside the seed plan (both active)."""
    folder = office_folder(tmp_path / "config", demo=True)
    return load_config(folder, tmp_path / "inbox")


def test_the_report_of_one_plan_leaves_out_the_other_plans_items(db_engine: Engine, config: Config) -> None:
    for plan in config.plans.values():
        run_pass(db_engine, plan, M("2026-11-16"))
    demo = config.plans[DEMO]
    with session_scope(db_engine) as session:
        rows = session.execute(select(Occurrence).where(Occurrence.plan_code == DEMO)
                               .order_by(Occurrence.id)).scalars().all()
        summary = next(r for r in rows if r.unit_code == "phong-kinh-te")  # owner of a qualitative indicator
        ward = next(r for r in rows if r.unit_code == "phuong-ba-ngoi")
        submit(session, demo, Actor.of_unit("phong-kinh-te", via_cli()),
               SubmitReport.parse(occurrence=summary.id, results=DEMO_NOTE, expected_version=summary.version),
               now=M("2026-11-17"))
        extend(session, demo, Actor.coordinator(via_cli()),
               ExtendDeadline.parse(occurrence=ward.id, to=dt.date(2026, 12, 10), note=DEMO_REASON,
                                    expected_version=ward.version),
               now=M("2026-11-17"))
    now = M("2026-12-28")
    with Session(db_engine) as session:
        seed_report = gather(session, config.plans[SEED], parse_period("2026-H2"), now)
        demo_report = gather(session, demo, parse_period("2026-H2"), now)
    seed_texts = [n.text for n in seed_report.difficulties]
    seed_texts += [n.text for _, notes in seed_report.qualitative for n in notes]
    assert not [t for t in seed_texts if DEMO_NOTE in t or DEMO_REASON in t]
    assert all("mh-" not in n.ref for n in seed_report.difficulties)
    # the demonstration plan's own report has them, under its duties' references
    found = sorted((n.ref, n.source, n.text) for n in demo_report.difficulties)
    assert [(ref, source) for ref, source, _ in found] == [("III.1", "xin gia hạn"), ("III.3", "báo cáo")]
    assert DEMO_REASON in found[0][2] and found[1][2] == DEMO_NOTE
    assert seed_report.total.assigned > 0 and demo_report.total.assigned == len(rows)
