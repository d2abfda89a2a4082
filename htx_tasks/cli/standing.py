"""``htx-tasks status`` without ``--plan`` when the office follows several plans: the office-wide
standing, read from the office-wide board (``office_board``: every plan's own board, worst first),
so the command, the board and its artifact count alike."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from htx_tasks import board
from htx_tasks.cli import output
from htx_tasks.core import wording, zones
from htx_tasks.office_board import PlanLine, build_office
from htx_tasks.plan.loader import Plan
from htx_tasks.store.db import read_scope


def _units(line: PlanLine, *, request: bool) -> list[dict]:
    return [{"unit": code, "name": name, "count": n} for code, name, n in line.units_past(request=request)]


def _as_json(line: PlanLine) -> dict:
    return {"code": line.plan.meta.code, "title": line.plan.meta.short_title, "overdue": line.overdue,
            "past_requests": line.past_requests, "escalations_today": line.escalations,
            "submitted": len(line.board.submitted), "on_time_rate": line.rate,
            "units_overdue": _units(line, request=False), "units_past_requests": _units(line, request=True)}


def _names(line: PlanLine, *, request: bool) -> str:
    return ", ".join(f"{name} ({n})" for _, name, n in line.units_past(request=request))


def office_status(plans: dict[str, Plan], engine: Engine, now: dt.datetime, *, json: bool) -> None:
    """Every plan followed, worst first, with its counts and the units that have late work."""
    with read_scope(engine) as session:
        lines = build_office(session, list(plans.values()), now)
    if json:
        output.print_json({"now": now, "plans": [_as_json(line) for line in lines]})
        return
    late, asked = wording.past_heading(), wording.past_heading(request=True)
    output.print_table(
        f"Tình hình thực hiện toàn cơ quan — {zones.local(now):%d/%m/%Y} ({len(lines)} kế hoạch, kế hoạch nhiều "
        "nhiệm vụ quá hạn nhất đứng trước)",
        ["Kế hoạch", "Mã", late, asked, "Đôn đốc hôm nay", "Báo cáo chờ duyệt", "Tỷ lệ đúng hạn"],
        [[line.plan.meta.short_title, line.plan.meta.code, line.overdue, line.past_requests, line.escalations,
          len(line.board.submitted), board.rate_text(line.board.total)] for line in lines],
    )
    for line in lines:
        output.say(f"\n{line.plan.meta.short_title} ({line.plan.meta.code})")
        output.say(f"  {late}: {_names(line, request=False)}" if line.overdue else "  Không có nhiệm vụ quá hạn.")
        if line.past_requests:
            output.say(f"  {asked}: {_names(line, request=True)}")
    output.say("\nXem việc của một kế hoạch: htx-tasks status --plan <mã>")
