"""The weekly briefing of an office running two plans: the coordinator hears once, and the count
of work still past its term covers every plan whose briefing is due, each plan under its title."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from office import DEMO, SEED, office_folder
from sqlalchemy import Engine

from htx_tasks.config import Config, load_config
from htx_tasks.core.zones import at_local
from htx_tasks.delivery.dispatcher import dispatch
from htx_tasks.engine import run_pass

SEPARATOR = "=" * 72


@pytest.fixture
def config(tmp_path: Path) -> Config:
    folder = office_folder(tmp_path / "config", demo=True)
    return load_config(folder, tmp_path / "inbox")


def briefings(config: Config, tag: str) -> list[str]:
    assert config.channels.inbox_dir is not None
    text = (config.channels.inbox_dir / f"{tag}.txt").read_text(encoding="utf-8")
    return [m for m in text.split(SEPARATOR) if "Tổng hợp tuần (đến" in m]


def test_the_weekly_briefing_counts_the_overdue_work_of_every_plan(db_engine: Engine, config: Config) -> None:
    plans = list(config.plans.values())
    # the demonstration plan's three monthly reports (due 20/11 and 25/11) are never sent, nor the
    # seed plan's monthly report of the culture centre (due 25/11)
    run_pass(db_engine, plans, at_local(dt.date(2026, 11, 16), 7, 30))
    monday = at_local(dt.date(2026, 11, 30), 7, 30)  # the briefing's slot: Monday at work_start
    run_pass(db_engine, plans, monday)
    dispatch(db_engine, config.plans, monday, channels=config.channels)

    demo, seed = (config.plans[c].meta.short_title for c in (DEMO, SEED))
    assert list(config.plans) == [SEED, DEMO]  # plans/ read in file-name order
    count = "\n".join(
        [
            "Tổng hợp tuần (đến Thứ Hai, 30/11/2026): 4 nhiệm vụ quá hạn của 4 đơn vị:",
            f"  {seed}:",
            "  - Trung tâm Văn hóa – Thông tin và Thể thao: 1 nhiệm vụ quá hạn, trong đó 1 đã báo cấp trên",
            f"  {demo}:",
            "  - Phòng Kinh tế: 1 nhiệm vụ quá hạn",
            "  - UBND phường Ba Ngòi: 1 nhiệm vụ quá hạn, trong đó 1 đã báo cấp trên",
            "  - UBND phường Cam Linh: 1 nhiệm vụ quá hạn, trong đó 1 đã báo cấp trên",
        ]
    )
    for tag in ("coordinator", "leadership"):
        (message,) = briefings(config, tag)  # one message, both plans' counts in it
        assert count in message, message
        title = message.splitlines()[1]
        assert "ổng hợp tuần" in title and "4 nhiệm vụ quá hạn của 4 đơn vị" in title, title
