"""Plans on the office-wide views (the board and the coordinator's page) stand in one order: the most
work past its term first, then the most open work, then by code (``office_board.worst_first``)."""

from __future__ import annotations

from pathlib import Path

from office import SEED
from sqlalchemy import Engine
from sqlmodel import Session
from test_demo_plan import DEMO, M
from test_plan_pages import config, site, visible  # noqa: F401  (config: the fixture)

from htx_tasks.config import Config
from htx_tasks.links import COORDINATOR_SUBJECT
from htx_tasks.office_board import build_office, render_office, worst_first
from htx_tasks.web.queries import office_lines


def test_worst_first_is_late_work_then_open_work_then_code() -> None:
    plans = {"c-ke-hoach": (0, 3), "a-ke-hoach": (0, 3), "b-ke-hoach": (0, 9), "z-ke-hoach": (1, 0)}
    order = sorted(plans, key=lambda code: worst_first(late=plans[code][0], open_work=plans[code][1], code=code))
    assert order == ["z-ke-hoach", "b-ke-hoach", "a-ke-hoach", "c-ke-hoach"]


def test_with_no_late_work_the_plan_with_more_open_work_comes_first_on_board_and_page(
        db_engine: Engine, config: Config, tmp_path: Path) -> None:  # noqa: F811
    client, token = site(db_engine, config, tmp_path, config.plans)  # a pass on 16/11; nothing late on 17/11
    with Session(db_engine) as session:
        board = build_office(session, list(config.plans.values()), M("2026-11-17"))
        page = office_lines(session, config.plans)
    assert [line.overdue for line in board] == [0, 0] and [line.late for line in page] == [0, 0]
    assert [line.plan.meta.code for line in board] == [SEED, DEMO]  # by title the demonstration plan came first
    assert board[0].open > board[1].open > 0
    assert [line.code for line in page] == [SEED, DEMO]  # the same order on the coordinator's page
    assert [(line.open) for line in page] == [line.open for line in board]
    seed, demo = (config.plans[c].meta.short_title for c in (SEED, DEMO))
    markdown = render_office(board, M("2026-11-17"))
    assert markdown.index(f"| {seed} |") < markdown.index(f"| {demo} |")
    html = visible(client.get(f"/c/{token(COORDINATOR_SUBJECT)}").text)
    assert html.index(f"{seed} · 0 quá hạn") < html.index(f"{demo} · 0 quá hạn")
