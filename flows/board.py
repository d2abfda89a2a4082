"""The coordinator board after the units' runs: one Markdown artifact with the whole plan; with several
plans, the office-wide board (every plan, worst first) and each plan's own board."""

from __future__ import annotations

import datetime as dt

from prefect import flow, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, State
from sqlmodel import Session

from flows.common import RUN_ERRORS, Context, ended_badly, opened, run_time
from flows.tasks import deliver
from htx_tasks import board
from htx_tasks.core import zones
from htx_tasks.core.policy import COORDINATOR, LEADERSHIP
from htx_tasks.office_board import build_office, office_summary, plan_board_key, render_office
from htx_tasks.plan.loader import Plan
from htx_tasks.services.extensions import pending_count
from htx_tasks.services.plans import followed_plans

FLOW_NAME = "Bảng theo dõi chung"


@task(name="Công bố bảng theo dõi chung", cache_policy=NO_CACHE)
def publish(ctx: Context, plan: Plan, now: dt.datetime, key: str = board.BOARD_KEY) -> board.Board:
    return _plan_board(ctx, plan, now, key)


def _plan_board(ctx: Context, plan: Plan, now: dt.datetime, key: str, data: board.Board | None = None) -> board.Board:
    """One plan's board (``data`` when already built), as the artifact ``key``."""
    with Session(ctx.engine) as session:
        data = data or board.build_board(session, plan, now)
        waiting = pending_count(session)
    markdown = board.render_markdown(data, plan)
    markdown += f"\n\n## Đề nghị gia hạn chờ quyết định ({waiting})\n"
    if web_url := ctx.settings.web_url:  # the login page: no credential goes into Prefect
        markdown += f"\n[Duyệt báo cáo và đề nghị gia hạn]({web_url}/dang-nhap)\n"
    create_markdown_artifact(
        key=key,
        markdown=markdown,
        description=(f"Bảng theo dõi chung ngày {zones.local(now):%d/%m/%Y}: {board.summary(data)}" if key == board.BOARD_KEY
                     else f"{plan.meta.label} — bảng theo dõi ngày {zones.local(now):%d/%m/%Y}: {board.summary(data)}"),
    )
    return data


@task(name="Công bố bảng theo dõi toàn cơ quan", cache_policy=NO_CACHE)
def publish_office(ctx: Context, now: dt.datetime) -> str:
    """Every plan followed, worst first (``BOARD_KEY``), and each plan's own board beside it."""
    everyone = ctx.office_plans()
    with Session(ctx.engine) as session:
        plans = list(followed_plans(session, everyone).values())
        lines = build_office(session, plans, now)
    for line in lines:
        _plan_board(ctx, line.plan, now, plan_board_key(line.plan), line.board)
    summary = office_summary(lines)
    create_markdown_artifact(key=board.BOARD_KEY, markdown=render_office(lines, now),
                             description=f"Bảng theo dõi chung toàn cơ quan ngày {zones.local(now):%d/%m/%Y}: {summary}")
    return summary


def _run_name() -> str:
    try:
        return f"Bảng theo dõi — {zones.local(run_time(runtime.flow_run.parameters.get('now'))):%d/%m/%Y %H:%M}"
    except ValueError:  # an unreadable `now`: the run itself reports it
        return "Bảng theo dõi"


@flow(name=FLOW_NAME, flow_run_name=_run_name,
      description="Bảng theo dõi chung của cơ quan thường trực: kết quả, quá hạn, đôn đốc trong ngày.")
def coordinator_board(now: str | None = None, plan: str | None = None) -> State:
    """Bảng theo dõi chung: gửi bản tin trong ngày cho cơ quan thường trực và lãnh đạo, công bố bảng.

    Args:
        now: Thời điểm tính (ISO 8601, ví dụ 2027-01-15T08:00; không ghi múi giờ là giờ Việt Nam).
            Để trống: giờ chạy theo lịch của lượt này.
        plan: Mã kế hoạch: chỉ bảng của kế hoạch đó. Để trống: mọi kế hoạch đang theo dõi (bảng toàn cơ
            quan và bảng của từng kế hoạch).
    """
    try:
        at = run_time(now)
        with opened() as ctx:
            deliver(ctx, at, {COORDINATOR, LEADERSHIP})
            if len(ctx.config.plans) == 1:  # an office following one plan: its board is the board
                summary = board.summary(publish(ctx, ctx.plan_named(None), at))
            elif plan:
                chosen = ctx.plan_named(plan)
                summary = board.summary(publish(ctx, chosen, at, plan_board_key(chosen)))
            else:
                summary = publish_office(ctx, at)
    except RUN_ERRORS as error:  # a bad `now`, a database that does not answer: Failed, in the CLI's words
        return ended_badly(error)
    return Completed(name="Đã cập nhật", message=summary)
