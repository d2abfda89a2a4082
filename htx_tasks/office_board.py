"""The office-wide board: every plan followed on one page, worst first, above each plan's own board.

Each plan's line is read from that plan's board (``board.build_board``: one rule for "overdue" and
the on-time rate), so the office view and the plan view never disagree. Worst first (``worst_first``,
the coordinator's page orders its plans by it too): the most work past its term, then the most open
work, then the plan's code.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from htx_tasks import board
from htx_tasks.core import wording
from htx_tasks.core.calendar import format_date_vi
from htx_tasks.core.lifecycle import ACTIVE, State
from htx_tasks.core.vntext import sort_key
from htx_tasks.core.zones import local
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import Occurrence

PLAN_BOARD_KEY = "bang-theo-doi-{code}"  # each plan's own board, when the office follows several
OPEN_STATES = tuple(s.value for s in (*ACTIVE, State.SUBMITTED))  # a plan's open work, as `htx-tasks plans` counts it


def worst_first(*, late: int, open_work: int, code: str) -> tuple[int, int, str]:
    """Where a plan stands on every office-wide view (this board, the coordinator's page): the most
    work past its term first, then the most open work, then by code."""
    return -late, -open_work, code


@dataclass
class PlanLine:
    """One plan on the office-wide board, with its own board."""

    plan: Plan
    board: board.Board
    open: int = 0  # the plan's open items, every year (the board's counts are of this year)

    @property
    def overdue(self) -> int:
        return len(self.board.overdue)

    @property
    def escalations(self) -> int:
        return sum(not e.request for e in self.board.escalations)

    @property
    def past_requests(self) -> int:
        """Requests past their date: the plan asks, so they are counted apart from late work."""
        return len(self.board.past_date)

    def units_past(self, *, request: bool = False) -> list[tuple[str, str, int]]:
        """The units with work past its term (or, ``request``, asked and past the date): code, name
        and count, most first."""
        counts = Counter((r.unit, r.unit_name) for r in (self.board.past_date if request else self.board.overdue))
        return sorted(((code, name, n) for (code, name), n in counts.items()), key=lambda u: (-u[2], sort_key(u[1])))

    @property
    def rate(self) -> float | None:
        return self.board.total.on_time_rate

    def worst_first(self) -> tuple[int, int, str]:
        return worst_first(late=self.overdue, open_work=self.open, code=self.plan.meta.code)


def plan_board_key(plan: Plan) -> str:
    return PLAN_BOARD_KEY.format(code=plan.meta.code)


def build_office(session: Session, plans: list[Plan], now: dt.datetime) -> list[PlanLine]:
    """Every plan's board, worst first."""
    query = (select(col(Occurrence.plan_code), func.count()).where(col(Occurrence.state).in_(OPEN_STATES))
             .group_by(col(Occurrence.plan_code)))
    open_work = {code: count for code, count in session.execute(query)}
    lines = [PlanLine(plan, board.build_board(session, plan, now), open_work.get(plan.meta.code, 0)) for plan in plans]
    return sorted(lines, key=PlanLine.worst_first)


def render_office(lines: list[PlanLine], now: dt.datetime) -> str:
    """The office-wide board as Markdown: a line per plan (worst first), then each plan's overdue work."""
    moment = local(now)
    today = moment.date()
    first = lines[0].plan if lines else None
    head = [f"# Bảng theo dõi chung toàn cơ quan — {format_date_vi(today)}", ""]
    if first is not None:
        head += [
            f"{len(lines)} kế hoạch đang theo dõi. Đầu mối theo dõi: {first.meta.coordinator.title}. "
            f"Số liệu tính đến {moment:%H:%M} ngày {today:%d/%m/%Y}. Kế hoạch nhiều nhiệm vụ quá hạn nhất "
            "đứng trước, rồi kế hoạch còn nhiều việc đang mở hơn.",
            "",
        ]
    rows = [
        [
            line.plan.meta.short_title,
            line.board.total.assigned,
            line.overdue,
            line.past_requests,
            line.escalations,
            len(line.board.submitted),
            board.rate_text(line.board.total),
        ]
        for line in lines
    ]
    out = head + board.table(
        ["Kế hoạch", "Được giao trong năm", wording.past_heading(), wording.past_heading(request=True), "Đôn đốc hôm nay",
         "Báo cáo chờ duyệt", "Tỷ lệ đúng hạn"],
        rows,
    )
    for line in lines:
        out += ["", f"## {line.plan.meta.short_title} — quá hạn ({line.overdue})", ""]
        if not line.overdue:
            out.append("Không có nhiệm vụ quá hạn.")
            continue
        out += board.table(
            ["Số", "Đơn vị", "Mục", "Kỳ", "Hạn", "Quá hạn", "Trạng thái"],
            [
                [r.id, r.unit_name, r.ref, r.period, f"{r.deadline:%d/%m/%Y}", r.lateness, r.state_label]
                for r in line.board.overdue
            ],
        )
    return "\n".join(out) + "\n"


def office_summary(lines: list[PlanLine]) -> str:
    """One line for the board run's final state: each plan's overdue count, worst first."""
    return (
        f"{sum(line.overdue for line in lines)} nhiệm vụ quá hạn trong {len(lines)} kế hoạch: "
        + "; ".join(f"{line.plan.meta.label} {line.overdue}" for line in lines)
        + "."
    )
