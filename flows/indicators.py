"""The yearly indicators run: Section I.2 targets from the registry, a table, a chart each, alerts."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_image_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed, State
from sqlmodel import Session

from flows import logs
from flows.common import RUN_ERRORS, Context, ended_badly, opened, run_time
from flows.tasks import deliver
from htx_tasks.core import zones
from htx_tasks.indicators import alerts, charts
from htx_tasks.indicators.service import Kpi, evaluate
from htx_tasks.indicators.wording import gap_text, held_to, ratio_text, value_text
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.files import SYNTHETIC_BANNER
from htx_tasks.store.db import session_scope

FLOW_NAME = "Chỉ tiêu kế hoạch"
TABLE_KEY = "chi-tieu-ke-hoach"


@task(name="Tính chỉ tiêu từ sổ theo dõi", cache_policy=NO_CACHE)
def compute(ctx: Context, plan: Plan, year: int, now: dt.datetime) -> Kpi:
    with Session(ctx.engine) as session:
        return evaluate(session, plan, year, today=zones.local_date(now))


def table(kpi: Kpi) -> list[dict]:
    rows = []
    for r in kpi.results:
        i, m, a = r.indicator, r.point.measure, r.point.assessment
        rows.append({
            "Chỉ tiêu": i.title,
            "Mục tiêu": f"{r.target} năm {i.year}",
            f"Năm {kpi.year}": value_text(i, m),
            "Tử số/mẫu số": ratio_text(m),
            f"Mức cần đạt năm {kpi.year}": held_to(i, kpi.year, a),
            "Chênh lệch": gap_text(i, a.gap),
            "Đánh giá": r.standing.label,
            "Dữ liệu": "minh họa" if kpi.synthetic else "sổ theo dõi",
        })
    return rows


def data_url(path: Path) -> str:
    """The chart inline: the UI shows an image artifact from its URL, and var/ is not served."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@task(name="Công bố bảng và biểu đồ chỉ tiêu", cache_policy=NO_CACHE)
def publish(ctx: Context, plan: Plan, kpi: Kpi) -> dict[str, Path]:
    drawn = charts.draw_all(kpi, ctx.settings.var_dir)
    banner = f"**{SYNTHETIC_BANNER}.** " if kpi.synthetic else ""
    create_table_artifact(
        key=TABLE_KEY if len(ctx.config.plans) == 1 else f"{TABLE_KEY}-{plan.meta.code}", table=table(kpi),
        description=(f"{banner}Chỉ tiêu mục I.2 năm {kpi.year}, sổ theo dõi tại {kpi.on:%d/%m/%Y} "
                     f"({kpi.organisations} tổ chức): {len(kpi.off_track)} chỉ tiêu chệch lộ trình."),
    )
    for code, path in drawn.items():
        result = next(r for r in kpi.results if r.indicator.code == code)
        create_image_artifact(
            image_url=data_url(path), key=f"bieu-do-{code}",
            description=f"{banner}{result.indicator.title}: {result.standing.label} (năm {kpi.year}). Tệp: {path}",
        )
    return drawn


@task(name="Ghi nhận chỉ tiêu chệch lộ trình", cache_policy=NO_CACHE)
def warn(ctx: Context, plan: Plan, kpi: Kpi, now: dt.datetime) -> int:
    """One notification per indicator newly off its path, in the outbox (sent by ``deliver``)."""
    with session_scope(ctx.engine) as session:
        added = alerts.record(session, plan, kpi, now)
    get_run_logger().info("Ghi %s cảnh báo chỉ tiêu.", added)
    return added


def _run_name() -> str:
    params = runtime.flow_run.parameters
    try:
        at = zones.local(run_time(params.get("now")))
    except ValueError:
        return "Chỉ tiêu kế hoạch"
    return f"Chỉ tiêu năm {params.get('year') or at.year} — {at:%d/%m/%Y}"


@flow(name=FLOW_NAME, flow_run_name=_run_name,
      description="Chỉ tiêu mục I.2 của kế hoạch tính từ sổ theo dõi tổ chức kinh tế tập thể.")
def indicators(year: int | None = None, now: str | None = None, plan: str | None = None) -> State:
    """Tính các chỉ tiêu mục I.2 cho một năm, công bố bảng và biểu đồ, báo khi chỉ tiêu chệch lộ trình.

    Args:
        year: Năm tính (để trống: năm của thời điểm tính).
        now: Thời điểm tính (ISO 8601; không ghi múi giờ là giờ Việt Nam). Để trống: giờ chạy theo lịch.
        plan: Mã kế hoạch (để trống: kế hoạch duy nhất, hoặc kế hoạch đầu tiên của cơ quan).
    """
    try:
        at = run_time(now)
        year = year or zones.local_date(at).year
        with opened() as ctx:
            chosen = ctx.plan_named(plan)
            kpi = compute(ctx, chosen, year, at)
            publish(ctx, chosen, kpi)
            warn(ctx, chosen, kpi, at)
            # in working hours now, else with the roles' next digest (the board's run)
            deliver(ctx, at, set(alerts.RECIPIENTS))
    except RUN_ERRORS as error:  # a bad `now`, a database that does not answer: Failed, in the CLI's words
        return ended_badly(error)
    off = kpi.off_track
    message = (f"{len(off)} chỉ tiêu chệch lộ trình: " + "; ".join(r.indicator.title for r in off)) if off \
        else "Mọi chỉ tiêu có số liệu đều đúng lộ trình."
    if kpi.synthetic:
        message += f" ({SYNTHETIC_BANNER})"
    if off:  # off its path is news the coordinator must see: red in the UI, like a unit's failed standing
        logs.expect_failure(message)
        return Failed(name="Chệch lộ trình", message=message)
    return Completed(name="Đúng lộ trình", message=message)
