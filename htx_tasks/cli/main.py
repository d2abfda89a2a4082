"""htx-tasks: theo dõi thực hiện kế hoạch — command line entry point."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

import typer
from rich.markup import escape
from sqlmodel import Session

from htx_tasks import clock, services
from htx_tasks.cli import decisions, delivery, deploy, output, planfiles, plans, registry, reporting, standing, web
from htx_tasks.cli.common import (
    ConfigOpt,
    JsonOpt,
    NowOpt,
    PlanOpt,
    active_plans,
    begin,
    context,
    date_of,
    duty_plan,
    errors,
    now_of,
    office_plan,
    office_plans,
    open_config,
    open_engine,
    open_plan,
    within_horizon,
)
from htx_tasks.core import zones
from htx_tasks.core.calendar import format_date_vi
from htx_tasks.core.lifecycle import Outcome
from htx_tasks.delivery.channels import coverage_warnings
from htx_tasks.delivery.messages import notice_label, recipient_name
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import DeadlineSource, DutyOrigin
from htx_tasks.readings import is_request
from htx_tasks.registry.config import load_registry_config
from htx_tasks.reporting.tally import unit_tally
from htx_tasks.reports import status_rows
from htx_tasks.services import Actor, passes, via_cli
from htx_tasks.services.delivery import dispatch as run_dispatch
from htx_tasks.simulate import simulate as run_simulation
from htx_tasks.store.db import session_scope

app = typer.Typer(
    help="Theo dõi thực hiện kế hoạch của UBND: hạn, nhắc việc, đôn đốc và báo cáo.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
calendar_app = typer.Typer(help="Lịch làm việc Việt Nam: ngày làm việc, hạn theo Điều 148 BLDS.")
case_app = typer.Typer(help="Nhiệm vụ phát sinh theo hồ sơ (thủ tục hành chính).")
app.add_typer(calendar_app, name="calendar")
app.add_typer(case_app, name="case")
app.add_typer(delivery.notify_app, name="notify")
app.add_typer(delivery.channels_app, name="channels")
app.command("dispatch")(delivery.dispatch)
app.command("deploy")(deploy.deploy)
app.command("web")(web.serve)
app.add_typer(web.links_app, name="links")
app.add_typer(registry.registry_app, name="registry")
app.add_typer(planfiles.plan_app, name="plan")
app.command("kpi")(registry.kpi)
app.command("plans")(plans.plans)
for _name, _command in plans.PLAN_COMMANDS:  # plan show|activate|close beside plan import|draft
    planfiles.plan_app.command(_name)(_command)
report_app = typer.Typer(help="Báo cáo kết quả theo đơn vị; 'consolidated': báo cáo tổng hợp thực hiện kế hoạch.")
app.add_typer(report_app, name="report")
report_app.command("consolidated")(reporting.consolidated)
for _decision in (decisions.show, decisions.submit, decisions.review, decisions.extend, decisions.waive):
    app.command()(_decision)

@app.callback()
def _setup(command: typer.Context,
           verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Ghi nhật ký chi tiết.")] = False) -> None:
    begin(command)  # this run's context: settings parsed once, when first needed
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def validate(config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Kiểm tra cấu hình: mọi kế hoạch, danh mục đơn vị, lịch và kênh gửi; báo từng lỗi kèm tệp và dòng."""
    with errors():
        loaded = open_config(config)
        summaries, warnings = [], []
        for plan in loaded.plans.values():
            load_registry_config(plan)
            warnings += [w for w in coverage_warnings(plan, loaded.channels) if w not in warnings]
            summaries.append(_summary(plan))
        if json:
            output.print_json({"ok": True, **summaries[0], "plans": summaries, "warnings": warnings})
            return
        for plan, summary in zip(loaded.plans.values(), summaries, strict=True):
            output.say(f"[green]Cấu hình hợp lệ[/]: {escape(plan.meta.short_title)}", markup=True)
            output.say(
                f"  {summary['units']} đơn vị, {summary['duties']} nhiệm vụ, "
                f"{summary['indicators']} chỉ tiêu, {summary['task_groups']} nhóm nhiệm vụ, "
                f"{summary['qualitative']} mục tiêu định tính"
            )
            output.say("  Nguồn của hạn: " + ", ".join(
                f"{count} nhiệm vụ có hạn do {DeadlineSource(src).short} định"
                for src, count in summary["deadline_source"].items()
            ))
            output.say("  Nguồn nhiệm vụ: " + ", ".join(
                f"{count} {DutyOrigin(origin).label.split(',')[0].lower()}" for origin, count in summary["origin"].items()))
        for warning in warnings:
            output.errors.print(f"Cảnh báo: {warning}", highlight=False, markup=False)


def _summary(plan: Plan) -> dict:
    return {
        "plan": plan.meta.code,
        "units": len(plan.source.units),
        "duties": len(plan.source.duties),
        "indicators": sum(i.kind == "target" for i in plan.source.indicators),
        "task_groups": len(plan.source.task_groups),
        "qualitative": sum(i.kind == "qualitative" for i in plan.source.indicators),
        "deadline_source": {src.value: sum(d.deadline_source is src for d in plan.source.duties)
                            for src in DeadlineSource},
        "origin": {origin.value: sum(d.origin is origin for d in plan.source.duties) for origin in DutyOrigin},
    }


@app.command()
def init(config: ConfigOpt = None) -> None:
    """Tạo hoặc nâng cấp cơ sở dữ liệu và nạp kế hoạch."""
    with errors():
        loaded = open_config(config)
        engine = open_engine(config, require_schema=False)
        # a database made before plans were stored followed the folder's first plan
        done = passes.init_database(engine, list(loaded.plans.values()), now=clock.utcnow())
        what = "Đã tạo" if done.previous is None else "Đã cập nhật"
        where = engine.url.render_as_string(hide_password=True)
        if len(loaded.plans) == 1:
            plan = loaded.plan
            output.say(f"{what} cơ sở dữ liệu ({where}) và nạp kế hoạch: {len(plan.source.units)} đơn vị, "
                       f"{len(plan.source.duties)} nhiệm vụ.")
            return
        output.say(f"{what} cơ sở dữ liệu ({where}) và nạp {len(loaded.plans)} kế hoạch:")
        for plan in loaded.plans.values():
            output.say(f"  {plan.meta.code}: {len(plan.source.units)} đơn vị, {len(plan.source.duties)} nhiệm vụ")


@app.command()
def tick(
    config: ConfigOpt = None,
    now: NowOpt = None,
    json: JsonOpt = False,
    no_dispatch: Annotated[bool, typer.Option("--no-dispatch", help="Chỉ ghi nhận, không gửi.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Cho phép --now đi trước đồng hồ quá giới hạn HTX_HORIZON_DAYS (mặc định 366 ngày).")] = False,
    plan_code: PlanOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="Liệt kê từng kỳ không mở.")] = False,
) -> None:
    """Một lượt chạy: mở kỳ mới, đánh giá hạn, ghi nhận nhắc việc và đôn đốc, rồi gửi đi (mọi kế hoạch
    đang theo dõi, hoặc chỉ kế hoạch --plan)."""
    with errors():
        loaded, at = open_config(config), now_of(now)
        long_catch_up = within_horizon(at, config, force=force)
        engine = open_engine(config)
        everyone = office_plans(config)  # the configuration's plans and those activated from a reviewed draft
        if plan_code and plan_code not in everyone:
            loaded.pick(plan_code)  # names the plans there are
        plans = [everyone[plan_code]] if plan_code else list(everyone.values())
        # one pass for the office: every plan's due items advanced together (a draft or closed plan does nothing)
        result = passes.run_pass(engine, plans, at, progress=output.pass_progress if long_catch_up else None)
        sent = None if no_dispatch else run_dispatch(engine, everyone, at, senders=loaded.channels,
                                                     links=context(config).links)
        data = {"now": at, "opened": result.opened, "advanced": result.advanced,
                "notifications": result.notifications, "transferred": result.transferred,
                "events": dict(result.events), "failed": result.failed, "not_opened": result.not_opened,
                "dispatch": vars(sent) if sent else None}
        if json:
            output.print_json(data)
            return
        output.say(
            f"Lượt chạy lúc {zones.local(at):%H:%M %d/%m/%Y}: mở {result.opened} nhiệm vụ, "
            f"xét {result.advanced}, ghi {result.notifications} thông báo"
            + (f", chuyển {result.transferred} sang đơn vị kế thừa" if result.transferred else "")
            + (f", {len(result.failed)} lỗi" if result.failed else "") + "."
        )
        if result.not_opened:  # a fresh install, a new duty or unit: nobody is handed work already late
            output.say(output.not_opened(result.not_opened, verbose=verbose))
        if sent is not None:
            delivery.print_dispatch(sent, json=False)


@app.command()
def status(
    config: ConfigOpt = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Chỉ đơn vị này (hoặc nhóm).")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Chỉ nhiệm vụ quá hạn.")] = False,
    now: NowOpt = None,
    json: JsonOpt = False,
    plan_code: PlanOpt = None,
) -> None:
    """Bảng theo dõi: nhiệm vụ đang mở, hạn, trạng thái; nhiều kế hoạch mà không ghi --plan: tình hình toàn cơ quan."""
    with errors():
        followed = active_plans(config) if plan_code is None and unit is None else {}
        if len(followed) > 1:  # every plan, worst first, as the office-wide board counts them
            standing.office_status(followed, open_engine(config), now_of(now), json=json)
            return
        plan, engine, at = open_plan(config, plan_code), open_engine(config), now_of(now)
        if unit:
            plan.unit(unit)
        with Session(engine) as session:
            rows = status_rows(session, plan, at, unit=unit, overdue_only=overdue)
        if json:
            output.print_json([r.as_json() for r in rows])
            return
        output.print_table(
            f"Tình hình thực hiện — {zones.local(at):%d/%m/%Y}",
            ["Số", "Đơn vị", "Mục", "Kỳ", "Hạn", "Trạng thái", "Còn/quá", "Phiên bản"],
            [
                (r.id, r.unit_name, r.ref, r.period, r.deadline.strftime("%d/%m/%Y"), r.state_label,
                 r.timing or r.cell, r.version)
                for r in rows
            ],
        )


@case_app.command("open")
def case_open(
    duty: Annotated[str, typer.Argument(help="Mã nhiệm vụ loại hồ sơ, ví dụ tckh-thu-tuc.")],
    unit: Annotated[str, typer.Option("--unit", help="Đơn vị tiếp nhận.")],
    received: Annotated[str, typer.Option("--received", help="Ngày nhận hồ sơ hợp lệ (YYYY-MM-DD).")],
    ref: Annotated[str, typer.Option("--ref", help="Số hồ sơ.")],
    kind: Annotated[str | None, typer.Option("--kind", help="Loại hồ sơ (case_kinds trong kế hoạch).")] = None,
    config: ConfigOpt = None,
    now: NowOpt = None,
    json: JsonOpt = False,
    plan_code: PlanOpt = None,
) -> None:
    """Mở nhiệm vụ cho một hồ sơ nhận được; hạn tính theo ngày làm việc."""
    with errors():
        plan, engine, at = duty_plan(config, duty, plan_code), open_engine(config), now_of(now)
        command = services.OpenCase.parse(duty=duty, unit=unit, kind=kind, received=received, ref=ref)
        with session_scope(engine) as session:
            row = services.open_case(session, plan, Actor.of_unit(unit, via_cli()), command, now=at)
        if json:
            output.print_json({"id": row.id, "deadline": row.deadline, "unit": row.unit_code})
            return
        output.say(f"Đã mở nhiệm vụ số {row.id} cho hồ sơ {row.case_ref}; hạn giải quyết {format_date_vi(row.deadline)}.")


@app.command()
def simulate(
    start: Annotated[str, typer.Option("--from", help="Từ ngày (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Đến ngày (YYYY-MM-DD).")],
    config: ConfigOpt = None,
    json: JsonOpt = False,
    plan_code: PlanOpt = None,
    noise_only: Annotated[bool, typer.Option("--noise", help="Chỉ in bảng số thư mỗi người nhận.")] = False,
) -> None:
    """Chạy thử kế hoạch trong khoảng thời gian (giả định không ai báo cáo), trên CSDL nháp."""
    with errors():
        plan = open_plan(config, plan_code)
        first, last = date_of(start, "--from"), date_of(end, "--to")
        if last < first:
            raise services.BadInput("--to phải sau --from")
        result = run_simulation(plan, first, last)
        coverage = result.coverage(plan)
        noise = result.noise(plan)
        if json:
            output.print_json({
                "from": first, "to": last, "events": [e.as_json() for e in result.events],
                "opened": result.opened, "coverage": coverage,
                "briefings": [{"at": at.isoformat(), "recipient": r} for at, r in result.briefings],
                "noise": [n.as_json() for n in noise],
            })
            return
        if noise_only:
            _print_noise(first, last, noise, plan.calendar.working_days_between(first - dt.timedelta(days=1), last))
            return
        output.print_table(
            f"Mô phỏng {first:%d/%m/%Y} – {last:%d/%m/%Y}: {len(result.events)} thông báo",
            ["Thời điểm", "Loại", "Người nhận", "Bậc", "Đơn vị", "Mục", "Kỳ", "Hạn"],
            [
                (f"{e.at:%d/%m/%Y %H:%M}", notice_label(plan, e.kind, e.recipient, e.unit), recipient_name(plan, e.recipient),
                 e.level if e.level >= 0 else "", plan.unit_name(e.unit), e.ref, e.period,
                 e.deadline.strftime("%d/%m/%Y"))
                for e in result.events
            ],
        )
        _print_noise(first, last, noise, plan.calendar.working_days_between(first - dt.timedelta(days=1), last))


def _print_noise(first: dt.date, last: dt.date, noise: list, working_days: int) -> None:
    """Per person: how many messages, on how many days, how long, how often one item comes back."""
    output.print_table(
        f"Số thư mỗi người nhận, {first:%d/%m/%Y} – {last:%d/%m/%Y} ({working_days} ngày làm việc; không ai báo cáo)",
        ["Người nhận", "Số thư", "Ngày có thư", "Nhiều thư nhất trong một ngày", "Thư mỗi tháng",
         "Lượt nêu nhiệm vụ", "Một nhiệm vụ nêu nhiều nhất", "Thư dài nhất (nhiệm vụ)", "Thư tổng hợp tuần"],
        [(n.name, n.messages, n.days, n.most_in_a_day, " ".join(str(v) for v in n.per_month.values()),
          n.items, n.most_per_item, n.busiest, n.briefings) for n in noise],
    )


@report_app.callback(invoke_without_command=True)
def report(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--from", help="Hạn từ ngày (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Hạn đến ngày (YYYY-MM-DD).")] = None,
    config: ConfigOpt = None,
    now: NowOpt = None,
    json: JsonOpt = False,
    csv: Annotated[bool, typer.Option("--csv", help="In dạng CSV.")] = False,
    plan_code: PlanOpt = None,
) -> None:
    """Báo cáo kết quả theo đơn vị: bốn nhóm kết quả và tỷ lệ đúng hạn."""
    if ctx.invoked_subcommand:
        return
    with errors():
        if start is None or end is None:
            raise services.BadInput("cần cả --from và --to (hoặc lệnh con: htx-tasks report consolidated)")
        plan, engine, at = open_plan(config, plan_code), open_engine(config), now_of(now)
        first, last = date_of(start, "--from"), date_of(end, "--to")
        with Session(engine) as session:
            rows = list(unit_tally(session, plan, first, last, at).values())
        asked = [r for r in rows if is_request(plan, r.code)]  # III.7: asked, not assigned; counted apart
        header = ["Đơn vị", "Được giao", "Đến hạn", Outcome.DONE_ON_TIME.value.capitalize(),
                  Outcome.DONE_LATE.value.capitalize(), Outcome.PENDING_IN_TIME.value.capitalize(),
                  Outcome.PENDING_OVERDUE.value.capitalize(), "Tỷ lệ đúng hạn (%)"]
        table = [(r.unit_name, r.assigned, r.due, r.on_time, r.late, r.pending_in_time,
                  r.past_term, "" if r.on_time_rate is None else r.on_time_rate) for r in rows if r not in asked]
        if json:
            output.print_json([{**r.as_json(), "request": r in asked} for r in rows])
        elif csv:
            output.print_csv(header, table)
        else:
            output.print_table(f"Kết quả thực hiện, hạn từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}", header, table)
            if asked:
                output.print_table(
                    "Nội dung đề nghị phối hợp (không tính vào tỷ lệ đúng hạn)",
                    ["Tổ chức", "Nội dung đề nghị", "Đã đến mốc", "Đã có thông tin kết quả", "Chưa có thông tin kết quả"],
                    [(r.unit_name, r.assigned, r.due, r.done, r.assigned - r.done)
                     for r in asked])


@calendar_app.command("deadline")
def calendar_deadline(date: str, config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Hạn thực tế khi hạn rơi vào ngày nghỉ (Điều 148 Bộ luật Dân sự 2015)."""
    with errors():
        day = office_plan(config).calendar.deadline(date_of(date, "DATE"))
        output.print_json({"date": date, "deadline": day}) if json else output.say(day.isoformat())


@calendar_app.command("add-working-days", context_settings={"ignore_unknown_options": True})  # DAYS may be -3
def calendar_add(date: str, days: int, config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Cộng (hoặc trừ) N ngày làm việc."""
    with errors():
        day = office_plan(config).calendar.add_working_days(date_of(date, "DATE"), days)
        output.print_json({"date": date, "days": days, "result": day}) if json else output.say(day.isoformat())


@calendar_app.command("is-working-day")
def calendar_is_working(date: str, config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Ngày làm việc hay ngày nghỉ (kèm lý do)."""
    with errors():
        cal = office_plan(config).calendar
        day = date_of(date, "DATE")
        working = cal.is_working_day(day)
        reason = cal.working_day_reason(day) if working else (cal.holiday_name(day) or "Ngày nghỉ cuối tuần")
        if json:
            output.print_json({"date": date, "working_day": working, "reason": reason})
        else:
            output.say(("yes" if working else "no") + (f" ({reason})" if reason else ""))
