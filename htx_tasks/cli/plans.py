"""``htx-tasks plans`` and ``htx-tasks plan show|activate|close CODE``: the office's plans."""

from __future__ import annotations

from typing import Annotated

import typer

from htx_tasks.cli import output
from htx_tasks.cli.common import ConfigOpt, JsonOpt, NowOpt, errors, now_of, open_config, open_engine
from htx_tasks.core.lifecycle import State
from htx_tasks.services import Actor, via_cli
from htx_tasks.services.plans import ClosePlan, PlanLine, activate_plan, close_plan, plan_lines
from htx_tasks.store.db import read_scope, session_scope

CodeArg = Annotated[str, typer.Argument(help="Mã kế hoạch (xem 'htx-tasks plans').")]
NoteOpt = Annotated[str, typer.Option("--note", help="Lý do (ghi vào nhật ký).")]


def _as_json(line: PlanLine) -> dict:
    return {"code": line.code, "title": line.title, "document": line.document,
            "status": line.status.value if line.status else None, "status_label": line.status_label,
            "configured": line.configured, "open": line.open, "late": line.late, "done": line.done,
            "states": dict(line.states)}


def _lines(config) -> list[PlanLine]:  # type: ignore[no-untyped-def]
    loaded, engine = open_config(config), open_engine(config)
    with read_scope(engine) as session:
        return plan_lines(session, loaded.plans)


def plans(config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Các kế hoạch của cơ quan: trạng thái và số nhiệm vụ."""
    with errors():
        lines = _lines(config)
        if json:
            output.print_json([_as_json(line) for line in lines])
            return
        output.print_table("Các kế hoạch", ["Mã", "Kế hoạch", "Trạng thái", "Đang mở", "Quá hạn", "Đã xong"], [
            [line.code, line.title + ("" if line.configured else " (không còn trong cấu hình)"), line.status_label,
             line.open, line.late, line.done] for line in lines])


def show(code: CodeArg, config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Một kế hoạch: văn bản ban hành, trạng thái, số nhiệm vụ theo tình trạng."""
    with errors():
        line = next((x for x in _lines(config) if x.code == code), None)
        if line is None:
            raise ValueError(f"không có kế hoạch mã '{code}'")
        if json:
            output.print_json(_as_json(line))
            return
        output.say(f"{line.title} ({line.code})")
        if line.document:
            output.say(f"  Văn bản: {line.document}")
        output.say(f"  Trạng thái: {line.status_label}")
        output.say(f"  Đang mở: {line.open}, quá hạn: {line.late}, đã xong: {line.done}")
        for state, count in sorted(line.states.items()):
            output.say(f"  - {State(state).label}: {count}")


def activate(code: CodeArg, config: ConfigOpt = None, now: NowOpt = None) -> None:
    """Bắt đầu theo dõi một kế hoạch (dự thảo → đang theo dõi) từ lượt chạy kế tiếp."""
    with errors():
        plan, engine, at = open_config(config).pick(code), open_engine(config), now_of(now)
        with session_scope(engine) as session:
            activate_plan(session, plan, Actor.coordinator(via_cli()), now=at)
        output.say(f"Đã bắt đầu theo dõi kế hoạch {plan.meta.short_title} ({code}).")


def close(code: CodeArg, note: NoteOpt, config: ConfigOpt = None, now: NowOpt = None, json: JsonOpt = False) -> None:
    """Kết thúc một kế hoạch: các nhiệm vụ còn mở kết thúc theo, thông báo chưa gửi được hủy."""
    with errors():
        command = ClosePlan.parse(plan=code, note=note)
        plan, engine, at = open_config(config).pick(code), open_engine(config), now_of(now)
        with session_scope(engine) as session:
            closed = close_plan(session, plan, Actor.coordinator(via_cli()), command, now=at)
        if json:
            output.print_json(vars(closed))
            return
        output.say(f"Đã kết thúc kế hoạch {plan.meta.short_title} ({code}): {closed.ended} nhiệm vụ còn mở kết thúc "
                   f"theo, {closed.reports} báo cáo chờ duyệt đóng lại, {closed.cancelled} thông báo chưa gửi được hủy.")


PLAN_COMMANDS = (("show", show), ("activate", activate), ("close", close))  # under `htx-tasks plan`
