"""Follow-up of one Section III unit: engine pass, delivery, table artifact, standing as state."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed, State
from sqlmodel import Session

from flows import logs
from flows.common import RUN_ERRORS, Context, ended_badly, opened, pass_time, run_time, worded
from flows.tasks import deliver
from htx_tasks import followup
from htx_tasks.core import zones
from htx_tasks.plan.loader import Plan
from htx_tasks.services import passes

FLOW_NAME = "Theo dõi đơn vị"


@task(name="Đánh giá hạn và ghi nhận nhắc việc", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def evaluate(ctx: Context, plan: Plan, unit: str, now: dt.datetime) -> dict:
    """One engine pass for the unit over every plan (units are shared: whichever of its plans' runs
    comes first records and sends the unit's one digest of the morning, the others find it done):
    open periods, advance what is due, record notifications."""
    with worded(ctx.settings):
        result = passes.follow_up(ctx.engine, plan, unit, now, plans=list(ctx.office_plans().values()))
    get_run_logger().info(
        "Mở %s nhiệm vụ, xét %s, ghi %s thông báo%s.", result.opened, result.advanced, result.notifications,
        f", {len(result.failed)} lỗi" if result.failed else "",
    )
    if result.not_opened:
        get_run_logger().info("Không mở %s kỳ có hạn quá gần lúc bắt đầu theo dõi: %s.", len(result.not_opened),
                              "; ".join(result.not_opened))
    for occurrence_id, error in result.failed:
        get_run_logger().error("Nhiệm vụ số %s không xét được: %s", occurrence_id, error)
    return {"opened": result.opened, "advanced": result.advanced, "notifications": result.notifications,
            "events": dict(result.events), "failed": len(result.failed)}


@task(name="Công bố bảng theo dõi của đơn vị", cache_policy=NO_CACHE)
def publish(ctx: Context, plan: Plan, unit: str, now: dt.datetime) -> followup.UnitStanding:
    """The unit's table of the plan's items (keyed per unit, and per plan when the office follows
    several, so the UI keeps its history)."""
    with worded(ctx.settings), Session(ctx.engine) as session:
        standing = followup.standing(session, plan, unit, now)
    create_table_artifact(
        key=followup.artifact_key(unit, plan.meta.code if len(ctx.config.plans) > 1 else None),
        table=standing.table() or [{"Thông báo": "Chưa có nhiệm vụ nào đang mở."}],
        description=f"**{standing.heading}** — {standing.standing.value}. {standing.message()}",
    )
    return standing


def _run_name() -> str:
    """``phong-kinh-te — 15/12/2026 07:30``: the unit and the instant the run is computed for."""
    params = runtime.flow_run.parameters
    try:
        return f"{params.get('unit', '')} — {zones.local(run_time(params.get('now'))):%d/%m/%Y %H:%M}"
    except ValueError:  # an unreadable `now`: the run itself reports it
        return str(params.get("unit", ""))


@flow(name=FLOW_NAME, flow_run_name=_run_name, description="Theo dõi, đôn đốc một đơn vị của Mục III kế hoạch.")
def follow_up_unit(unit: str, now: str | None = None, force: bool = False, plan: str | None = None) -> State:
    """Một lượt theo dõi đơn vị: tính hạn, ghi nhận và gửi nhắc việc, đôn đốc, công bố bảng theo dõi.

    Args:
        unit: Mã đơn vị trong danh mục đơn vị (config/units.yaml); nhóm xã, phường gồm mọi thành viên.
        now: Thời điểm tính (ISO 8601, ví dụ 2027-01-15T07:30; không ghi múi giờ là giờ Việt Nam), trong
            khoảng năm 1970–2199 và không đi trước đồng hồ quá HTX_HORIZON_DAYS (366 ngày).
            Để trống: giờ chạy theo lịch của lượt này, nên lượt chạy bù được tính cho đúng ngày của nó.
        force: Cho phép now đi trước đồng hồ quá giới hạn, khi thật sự muốn chạy bù đến thời điểm đó.
        plan: Mã kế hoạch (để trống: kế hoạch duy nhất, hoặc kế hoạch đầu tiên của cơ quan).
    """
    try:
        with opened() as ctx:
            chosen = ctx.plan_named(plan)
            chosen.unit(unit)  # a mistyped unit on the form: refused (UnknownCode) before any task runs
            at = pass_time(ctx, now, force=force)
            evaluate(ctx, chosen, unit, at)
            deliver(ctx, at, set(chosen.followed(unit, zones.local_date(at))))
            standing = publish(ctx, chosen, unit, at)
            who = f"{unit} · {chosen.meta.code}" if len(ctx.config.plans) > 1 else unit  # a unit runs once per plan
    except RUN_ERRORS as error:
        return ended_badly(error)
    line = f"{who}: {standing.standing.value} — {standing.message()}"
    logs.RUNS.info(line)
    if standing.standing.failed:
        logs.expect_failure(standing.message())  # red in the UI, but not a crash: no traceback
        return Failed(name=standing.standing.value, message=standing.message())
    return Completed(name=standing.standing.value, message=standing.message())
