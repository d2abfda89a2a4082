"""The consolidated implementation report as a flow: three files under var/ and a Markdown artifact."""

from __future__ import annotations

import datetime as dt

from prefect import flow, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, State

from flows.common import FLOW_LABELS, RUN_ERRORS, BadParameter, Context, ended_badly, opened, run_time
from htx_tasks.core import zones
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.files import SYNTHETIC_BANNER
from htx_tasks.reporting import render
from htx_tasks.reporting.data import Period
from htx_tasks.services import Actor, InvalidInput
from htx_tasks.services.reporting import parse_period, publish

FLOW_NAME = "Báo cáo tổng hợp"
REPORT_KEY = "bao-cao-tong-hop"


def default_period(now: dt.datetime) -> str:
    """In the first half of the year the half-year report, in the second the annual one."""
    today = zones.local_date(now)
    return f"{today.year}-H1" if today.month <= 6 else str(today.year)


@task(name="Lập báo cáo tổng hợp", cache_policy=NO_CACHE)
def compose(ctx: Context, plan: Plan, period: Period, now: dt.datetime) -> dict[str, str]:
    several = len(ctx.config.plans) > 1  # each plan's files and artifact apart
    out = ctx.settings.var_dir / "reports" / (f"{plan.meta.code}/{period.code}" if several else period.code)
    report, files = publish(ctx.engine, plan, Actor.system("flow:bao-cao"), period, out, now=now,
                           var_dir=ctx.settings.var_dir)
    banner = f"**{SYNTHETIC_BANNER}** (phần chỉ tiêu). " if report.synthetic else ""
    listing = "\n".join(f"- `{path}`" for path in files.values())
    create_markdown_artifact(
        key=f"{REPORT_KEY}-{plan.meta.code}" if several else REPORT_KEY,
        markdown=f"{render.markdown(report)}\n---\nTệp đã ghi:\n\n{listing}\n",
        description=f"{banner}Báo cáo tổng hợp {period.label}.",
    )
    return {kind: str(path) for kind, path in files.items()}


def _run_name() -> str:
    params = runtime.flow_run.parameters
    try:
        at = run_time(params.get("now"))
    except ValueError:
        return FLOW_NAME
    return f"Báo cáo {params.get('period') or default_period(at)} — {zones.local(at):%d/%m/%Y}"


@flow(name=FLOW_NAME, flow_run_name=_run_name,
      description="Báo cáo tổng hợp kết quả thực hiện kế hoạch của cơ quan thường trực (6 tháng, năm).")
def consolidated_report(period: str | None = None, now: str | None = None, plan: str | None = None) -> State:
    """Lập báo cáo tổng hợp: dự thảo (giữ phần đã biên tập), Word và PDF theo Nghị định 30/2020/NĐ-CP, Markdown (artifact), Excel.

    Args:
        period: Kỳ báo cáo: 2026-H1, 2026-H2 hoặc 2026 (cả năm). Để trống: 6 tháng đầu năm nếu chạy
            trong tháng 1–6, cả năm nếu chạy trong tháng 7–12.
        now: Thời điểm tính (ISO 8601; không ghi múi giờ là giờ Việt Nam). Để trống: giờ chạy.
        plan: Mã kế hoạch (để trống: kế hoạch duy nhất, hoặc kế hoạch đầu tiên của cơ quan).
    """
    try:
        at = run_time(now)
        try:
            chosen = parse_period(period or default_period(at))
        except InvalidInput as exc:
            raise BadParameter(exc.render(FLOW_LABELS)) from None
        with opened() as ctx:
            files = compose(ctx, ctx.plan_named(plan), chosen, at)
    except RUN_ERRORS as error:  # a bad `now`, a database that does not answer: Failed, in the CLI's words
        return ended_badly(error)
    return Completed(name="Đã lập báo cáo", message=", ".join(files.values()))
