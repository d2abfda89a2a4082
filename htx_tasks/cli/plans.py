"""``htx-tasks plans`` and ``htx-tasks plan show|activate|close CODE``: the office's plans."""

from __future__ import annotations

from typing import Annotated

import typer

from htx_tasks.cli import output
from htx_tasks.cli.common import ConfigOpt, JsonOpt, NowOpt, errors, now_of, office_plans, open_config, open_engine
from htx_tasks.core import wording
from htx_tasks.core.lifecycle import State
from htx_tasks.core.statuses import PlanStatus
from htx_tasks.services import Actor, UnknownCode, via_cli
from htx_tasks.services.draftplan import activate_draft
from htx_tasks.services.drafts import ActivateDraft, DraftView, draft_view
from htx_tasks.services.plans import ClosePlan, PlanLine, activate_plan, close_plan, plan_lines
from htx_tasks.store.db import read_scope, session_scope

CodeArg = Annotated[str, typer.Argument(help="Mã kế hoạch (xem 'htx-tasks plans').")]
NoteOpt = Annotated[str, typer.Option("--note", help="Lý do (ghi vào nhật ký).")]
VersionOpt = Annotated[str | None, typer.Option(
    "--version", help="Kế hoạch nháp đưa vào cơ sở dữ liệu: phiên bản bản nháp đã xem ('htx-tasks plan show').")]


def _as_json(line: PlanLine) -> dict:
    return {"code": line.code, "title": line.title, "document": line.document, "issuer": line.issuer,
            "status": line.status.value if line.status else None, "status_label": line.status_label,
            "configured": line.configured, "open": line.open, "late": line.late,
            "past_requests": line.past_requests, "done": line.done,
            "states": dict(line.states), "request_states": dict(line.request_states)}


def _lines(config) -> list[PlanLine]:  # type: ignore[no-untyped-def]
    plans, engine = office_plans(config), open_engine(config)
    with read_scope(engine) as session:
        return plan_lines(session, plans)


def _draft(config, code: str) -> DraftView | None:  # type: ignore[no-untyped-def]
    """A plan in draft that lives in the database (``plan import|draft --into-db``), or None."""
    with read_scope(open_engine(config)) as session:
        return draft_view(session, code)


def _show_draft(view: DraftView) -> None:
    output.say(f"  Bản nháp từ tệp {view.head.get('file', '')}, phiên bản {view.row.version} (ghi ở --version khi kích hoạt)")
    output.print_table("Các dòng của bản nháp", ["Dòng", "Mục", "Nhiệm vụ", "Chủ trì", "Hạn", "Cần xem"], [
        [r.position, r.ref, r.title[:60], (r.unit_code or "—") + ("" if r.unit_sure else " (?)"),
         "bỏ" if r.dropped else (r.deadline_note[:40] if r.recurrence else "chưa có"), r.flags.replace("\n", " ")]
        for r in view.rows])


def _where(line: PlanLine) -> str:
    if line.configured:
        return ""
    return " (bản nháp chờ rà soát)" if line.status is PlanStatus.DRAFT else " (không còn trong cấu hình)"


def plans(config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Các kế hoạch của cơ quan: trạng thái và số nhiệm vụ."""
    with errors():
        lines = _lines(config)
        if json:
            output.print_json([_as_json(line) for line in lines])
            return
        heads = ["Mã", "Kế hoạch", "Trạng thái", "Đang mở", "Quá hạn", "Đề nghị đã qua mốc", "Đã xong"]
        output.print_table("Các kế hoạch", heads, [
            [line.code, line.title + _where(line), line.status_label,
             line.open, line.late, line.past_requests, line.done] for line in lines], whole=[0])


def show(code: CodeArg, config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Một kế hoạch: văn bản ban hành, trạng thái, số nhiệm vụ theo tình trạng."""
    with errors():
        line = next((x for x in _lines(config) if x.code == code), None)
        if line is None:
            raise UnknownCode(f"không có kế hoạch mã '{code}'")
        view = _draft(config, code) if line.status is PlanStatus.DRAFT else None
        if json:
            output.print_json({**_as_json(line), **({"version": view.row.version} if view else {})})
            return
        output.say(f"{line.title} ({line.code})")
        if line.issuer:
            output.say(f"  Cơ quan ban hành: {line.issuer}")
        if line.document:
            output.say(f"  Văn bản: {line.document}")
        output.say(f"  Trạng thái: {line.status_label}")
        output.say(f"  Đang mở: {line.open}, quá hạn: {line.late}, đề nghị đã qua mốc: {line.past_requests}, "
                   f"đã xong: {line.done}")
        for states, request in ((line.states, False), (line.request_states, True)):
            for state, count in sorted(states.items()):
                output.say(f"  - {State(state).label_for(request=request)}: {count}")
        if view is not None:
            _show_draft(view)


def activate(code: CodeArg, config: ConfigOpt = None, now: NowOpt = None, version: VersionOpt = None) -> None:
    """Bắt đầu theo dõi một kế hoạch (dự thảo → đang theo dõi) từ lượt chạy kế tiếp."""
    with errors():
        loaded, engine, at = open_config(config), open_engine(config), now_of(now)
        if code not in loaded.plans and _draft(config, code) is not None:  # reviewed in the database
            command = ActivateDraft.parse(plan=code, expected_version=version)
            with session_scope(engine) as session:
                plan = activate_draft(session, next(iter(loaded.plans.values())), Actor.coordinator(via_cli()), command,
                                      now=at)
        else:
            plan = loaded.pick(code)
            with session_scope(engine) as session:
                activate_plan(session, plan, Actor.coordinator(via_cli()), now=at)
        output.say(f"Đã bắt đầu theo dõi kế hoạch {plan.meta.short_title} ({code}).")


def close(code: CodeArg, note: NoteOpt, config: ConfigOpt = None, now: NowOpt = None, json: JsonOpt = False) -> None:
    """Kết thúc một kế hoạch: các nhiệm vụ còn mở kết thúc theo, thông báo chưa gửi bị hủy."""
    with errors():
        command = ClosePlan.parse(plan=code, note=note)
        plans, engine, at = office_plans(config), open_engine(config), now_of(now)
        plan = plans[code] if code in plans else open_config(config).pick(code)
        with session_scope(engine) as session:
            closed = close_plan(session, plan, Actor.coordinator(via_cli()), command, now=at)
        if json:
            output.print_json(vars(closed))
            return
        output.say(wording.plan_closed(plan.meta.short_title, code, ended=closed.ended, reports=closed.reports,
                                       cancelled=closed.cancelled))


PLAN_COMMANDS = (("show", show), ("activate", activate), ("close", close))  # under `htx-tasks plan`
