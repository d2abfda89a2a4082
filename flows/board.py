"""The coordinator board: one Markdown artifact with the whole plan, after the units' runs."""

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
from htx_tasks.services.extensions import pending_count

FLOW_NAME = "Bảng theo dõi chung"


@task(name="Công bố bảng theo dõi chung", cache_policy=NO_CACHE)
def publish(ctx: Context, now: dt.datetime) -> board.Board:
    with Session(ctx.engine) as session:
        data = board.build_board(session, ctx.plan, now)
        waiting = pending_count(session)
    markdown = board.render_markdown(data, ctx.plan)
    markdown += f"\n\n## Đề nghị gia hạn chờ quyết định ({waiting})\n"
    if web_url := ctx.settings.web_url:  # the login page: no credential goes into Prefect
        markdown += f"\n[Duyệt báo cáo và đề nghị gia hạn]({web_url}/dang-nhap)\n"
    create_markdown_artifact(
        key=board.BOARD_KEY,
        markdown=markdown,
        description=f"Bảng theo dõi chung ngày {zones.local(now):%d/%m/%Y}: {board.summary(data)}",
    )
    return data


def _run_name() -> str:
    try:
        return f"Bảng theo dõi — {zones.local(run_time(runtime.flow_run.parameters.get('now'))):%d/%m/%Y %H:%M}"
    except ValueError:  # an unreadable `now`: the run itself reports it
        return "Bảng theo dõi"


@flow(name=FLOW_NAME, flow_run_name=_run_name,
      description="Bảng theo dõi chung của cơ quan thường trực: kết quả, quá hạn, đôn đốc trong ngày.")
def coordinator_board(now: str | None = None) -> State:
    """Bảng theo dõi chung: gửi bản tin trong ngày cho cơ quan thường trực và lãnh đạo, công bố bảng.

    Args:
        now: Thời điểm tính (ISO 8601, ví dụ 2027-01-15T08:00; không ghi múi giờ là giờ Việt Nam).
            Để trống: giờ chạy theo lịch của lượt này.
    """
    try:
        at = run_time(now)
        with opened() as ctx:
            deliver(ctx, at, {COORDINATOR, LEADERSHIP})
            data = publish(ctx, at)
    except RUN_ERRORS as error:  # a bad `now`, a database that does not answer: Failed, in the CLI's words
        return ended_badly(error)
    return Completed(name="Đã cập nhật", message=board.summary(data))
