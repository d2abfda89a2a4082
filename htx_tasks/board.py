"""The coordinator board: the whole plan on one page, as data and as Markdown (Vietnamese).

Per Section III unit, the four outcome classes of the year and the on-time rate to date; every
overdue obligation with its unit and days overdue; the escalations of the day; the reports
waiting for the coordinator's review; and the registry ("Sổ HTX"): each unit's last confirmation
and whether its data is older than its last period (``registry.staleness``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from htx_tasks.core import wording
from htx_tasks.core.calendar import format_date_vi
from htx_tasks.core.lifecycle import Outcome, State
from htx_tasks.core.statuses import NotificationStatus
from htx_tasks.core.vntext import sort_key
from htx_tasks.core.zones import at_local, local, local_date
from htx_tasks.delivery.messages import recipient_name
from htx_tasks.followup import escalation_label, section_units, source_cell, step_words
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import DeadlineSource, Duty
from htx_tasks.readings import is_request
from htx_tasks.registry.staleness import Freshness
from htx_tasks.registry.standing import UnitUpkeep, upkeep_lines
from htx_tasks.reporting.tally import Tracking, period_items, total_of, unit_tally
from htx_tasks.reports import StatusRow, status_rows
from htx_tasks.store.models import Notification, Occurrence

BOARD_KEY = "bang-theo-doi-chung"


@dataclass
class UnitLine:
    """One Section III unit's outcome counts (a group: its members added up)."""

    ref: str
    unit: str
    name: str
    report: Tracking
    members: list[Tracking] = field(default_factory=list)


@dataclass(frozen=True)
class EscalationLine:
    occurrence_id: int
    unit_name: str
    ref: str
    period: str
    deadline: dt.date
    kind: str
    level: int
    at: dt.datetime
    recipients: tuple[str, ...]
    step: str = ""  # who the step reaches, in words ("báo cơ quan thường trực"); empty for a request
    request: bool = False  # an exchange about a request (III.7), not an escalation


@dataclass
class GroupLine:
    """One Section II task group: its duties' outcomes added up."""

    ref: str
    title: str
    duties: int
    report: Tracking


@dataclass
class Board:
    now: dt.datetime
    year: int
    units: list[UnitLine]  # the units the plan directs (giao)
    overdue: list[StatusRow]  # their work past its term
    escalations: list[EscalationLine]
    submitted: list[StatusRow]
    requests: list[UnitLine] = field(default_factory=list)  # the bodies the plan asks (III.7), counted apart
    past_date: list[StatusRow] = field(default_factory=list)  # requests past their date: to liaise, not overdue
    groups: list[GroupLine] = field(default_factory=list)
    ended: list[Duty] = field(default_factory=list)  # duties whose `active` window is over
    registry: list[UnitUpkeep] = field(default_factory=list)  # units keeping the registry current

    @property
    def stale(self) -> list[UnitUpkeep]:
        return [u for u in self.registry if u.standing and u.standing.freshness is Freshness.STALE]

    @property
    def total(self) -> Tracking:
        return total_of([line.report for line in self.units])


def build_board(session: Session, plan: Plan, now: dt.datetime) -> Board:
    """Everything the board shows, computed at ``now`` (obligations due in the current year)."""
    today = local_date(now)
    year = today.year
    reports = unit_tally(session, plan, dt.date(year, 1, 1), dt.date(year, 12, 31), now)
    lines: list[UnitLine] = []
    requests: list[UnitLine] = []
    for unit in section_units(plan):
        members = [reports.get(code) or Tracking(plan.unit_name(code), code=code) for code in plan.members(unit.code)]
        report = members[0] if not unit.members else total_of(members, unit.name, unit.code)
        (requests if is_request(plan, unit.code) else lines).append(UnitLine(
            ref=unit.ref or "", unit=unit.code, name=unit.name, report=report, members=members if unit.members else []))
    rows = status_rows(session, plan, now)
    ordered = sorted((r for r in rows if r.past), key=lambda r: (r.deadline, sort_key(r.unit_name), r.id))
    submitted = [r for r in rows if r.state == State.SUBMITTED.value]
    return Board(now=now, year=year, units=lines, overdue=[r for r in ordered if r.overdue],
                 requests=requests, past_date=[r for r in ordered if r.request],
                 escalations=escalations_on(session, plan, today), submitted=submitted,
                 groups=group_lines(session, plan, year, now),
                 ended=[d for d in plan.source.duties if d.ended(today)],
                 registry=upkeep_lines(session, plan, today))


def group_lines(session: Session, plan: Plan, year: int, now: dt.datetime) -> list[GroupLine]:
    """Per Section II group: its duties' obligations due in ``year``, by outcome class (requests apart:
    the plan asks, its rates and overdue counts are of the work it directs)."""
    by_duty: dict[str, Tracking] = {}
    for row in period_items(session, plan, dt.date(year, 1, 1), dt.date(year, 12, 31)):
        if not is_request(plan, row.unit_code):
            by_duty.setdefault(row.duty_code, Tracking(row.duty_code)).count(row, now)
    return [
        GroupLine(group.ref, group.title, len(group.duties),
                  total_of([by_duty[d] for d in group.duties if d in by_duty], group.title, group.ref))
        for group in plan.source.task_groups
    ]


def escalations_on(session: Session, plan: Plan, day: dt.date) -> list[EscalationLine]:
    """The plan's overdue notices, escalations and repeats whose time fell on ``day`` (local), one line each."""
    start, end = at_local(day), at_local(day + dt.timedelta(days=1))
    found = session.exec(
        select(Notification, Occurrence)
        .join(Occurrence, col(Occurrence.id) == Notification.occurrence_id)
        .where(col(Occurrence.plan_code) == plan.meta.code, Notification.due_at >= start, Notification.due_at < end,
               col(Notification.kind).in_(wording.ESCALATION_KINDS),
               col(Notification.status).not_in([NotificationStatus.SUPERSEDED, NotificationStatus.CANCELLED]))
        .order_by(col(Notification.due_at), col(Notification.occurrence_id), col(Notification.level), col(Notification.id))
    ).all()
    grouped: dict[tuple, list[str]] = {}
    first: dict[tuple, tuple[Notification, Occurrence]] = {}
    for notification, occurrence in found:
        key = (occurrence.id, notification.kind, notification.level, notification.due_at)
        grouped.setdefault(key, []).append(notification.recipient)
        first.setdefault(key, (notification, occurrence))
    out = []
    for key, recipients in grouped.items():
        notification, occurrence = first[key]
        assert occurrence.id is not None  # read from the database
        duty = plan.duties.get(occurrence.duty_code)
        request = is_request(plan, occurrence.unit_code)
        step = "" if request or duty is None or notification.level <= 0 else \
            step_words(plan, duty.code, occurrence.unit_code, notification.level).removeprefix("đã ")
        out.append(EscalationLine(
            occurrence_id=occurrence.id, unit_name=plan.unit_name(occurrence.unit_code),
            ref=duty.ref if duty else "", period=occurrence.period_label, deadline=occurrence.deadline,
            kind=wording.kind_label(notification.kind, request=request), level=notification.level,
            at=notification.due_at, recipients=tuple(recipient_name(plan, r) for r in dict.fromkeys(recipients)),
            step=step, request=request,
        ))
    return out


def _rate(report: Tracking) -> str:
    rate = report.on_time_rate
    return "—" if rate is None else f"{rate:.1f} %".replace(".", ",")


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return out


OUTCOME_HEADER = [
    Outcome.DONE_ON_TIME.value.capitalize(),
    Outcome.DONE_LATE.value.capitalize(),
    Outcome.PENDING_IN_TIME.value.capitalize(),
    Outcome.PENDING_OVERDUE.value.capitalize(),
]


def _outcomes(report: Tracking) -> list:
    return [report.on_time, report.late, report.pending_in_time, report.past_term]


def _source(plan: Plan, row: StatusRow) -> str:
    duty = plan.duties.get(row.duty)
    return source_cell(duty) if duty else "—"


def provenance_counts(plan: Plan) -> str:
    """``Nguồn của hạn: …; nguồn nhiệm vụ: …``: how many duties of each kind (board, ``validate``)."""
    duties = plan.source.duties
    deadlines = ", ".join(f"{sum(d.deadline_source is src for d in duties)} nhiệm vụ có {src.label.lower()}"
                          for src in DeadlineSource)
    added = sum(d.added for d in duties)
    return (f"Nguồn của hạn: {deadlines}. Nguồn nhiệm vụ: {len(duties) - added} nhiệm vụ Kế hoạch giao, "
            f"{added} nhiệm vụ do cơ quan thường trực bổ sung để theo dõi.")


rate_text, table = _rate, _table  # for the office-wide board (``office_board``)


def render_markdown(board: Board, plan: Plan) -> str:
    """The board as Markdown, for the Prefect UI (tables, Vietnamese, dates as dd/mm/yyyy)."""
    moment = local(board.now)
    today = moment.date()
    lines = [
        f"# Bảng theo dõi chung — {format_date_vi(today)}",
        "",
        (f"{plan.meta.short_title}. Đầu mối theo dõi: {plan.meta.coordinator.title}. "
         f"Số liệu tính đến {moment:%H:%M} ngày {today:%d/%m/%Y}."),
        "",
        f"## Kết quả theo đơn vị — nhiệm vụ có hạn trong năm {board.year}",
        "",
        "Tỷ lệ đúng hạn = số hoàn thành đúng hạn / số nhiệm vụ đã hoàn thành hoặc đã quá hạn tính đến hôm nay.",
        "",
    ]
    lines += _table(
        ["Mục", "Đơn vị", "Được giao", *OUTCOME_HEADER, "Tỷ lệ đúng hạn"],
        [[u.ref, u.name, u.report.assigned, *_outcomes(u.report), _rate(u.report)] for u in board.units]
        + [["", "**Tổng cộng**", board.total.assigned, *_outcomes(board.total), _rate(board.total)]],
    )
    lines += request_section(board)
    lines += ["", f"## Kết quả theo nhóm nhiệm vụ của Mục II — hạn trong năm {board.year}", ""]
    lines += _table(
        ["Nhóm", "Nội dung", "Số nhiệm vụ", "Đã đến hạn", "Đúng hạn", "Tỷ lệ đúng hạn", "Đang quá hạn"],
        [[g.ref, g.title, g.duties, g.report.due, g.report.on_time, _rate(g.report), g.report.past_term]
         for g in board.groups],
    )
    lines += ["", provenance_counts(plan)]
    lines += ["", f"## Nhiệm vụ quá hạn ({len(board.overdue)})", ""]
    if board.overdue:
        lines += _table(
            ["Số", "Đơn vị", "Mục", "Kỳ", "Hạn", "Hạn do", "Quá hạn", "Trạng thái", "Đôn đốc"],
            [[r.id, r.unit_name, r.ref, r.period, f"{r.deadline:%d/%m/%Y}", _source(plan, r), r.lateness,
              r.state_label, escalation_label(plan, r)] for r in board.overdue],
        )
    else:
        lines.append("Không có nhiệm vụ nào quá hạn.")
    if board.requests:
        lines += ["", f"## Nội dung đề nghị phối hợp đã qua mốc trao đổi kết quả ({len(board.past_date)})", ""]
        if board.past_date:
            lines += _table(
                ["Số", "Tổ chức", "Mục", "Kỳ", "Mốc", "Đã qua mốc", "Tình trạng", "Trao đổi"],
                [[r.id, r.unit_name, r.ref, r.period, f"{r.deadline:%d/%m/%Y}", r.lateness, r.state_label,
                  escalation_label(plan, r)] for r in board.past_date],
            )
            lines += ["", "Kế hoạch đề nghị, không giao: cơ quan thường trực liên hệ, trao đổi với từng tổ chức."]
        else:
            lines.append("Không có nội dung nào đã qua mốc mà chưa có thông tin kết quả.")
    heading = "Đôn đốc, trao đổi" if any(e.request for e in board.escalations) else "Đôn đốc"
    lines += ["", f"## {heading} trong ngày {today:%d/%m/%Y} ({len(board.escalations)})", ""]
    if board.escalations:
        lines += _table(
            ["Số", "Đơn vị", "Mục", "Kỳ", "Hạn", "Nội dung", "Người nhận"],
            [[e.occurrence_id, e.unit_name, e.ref, e.period, f"{e.deadline:%d/%m/%Y}",
              e.kind + (f" ({e.step})" if e.step else ""), ", ".join(e.recipients)]
             for e in board.escalations],
        )
    else:
        lines.append("Hôm nay không có việc đôn đốc mới.")
    lines += ["", f"## Báo cáo chờ cơ quan thường trực duyệt ({len(board.submitted)})", ""]
    if board.submitted:
        lines += _table(
            ["Số", "Đơn vị", "Mục", "Kỳ", "Hạn"],
            [[r.id, r.unit_name, r.ref, r.period, f"{r.deadline:%d/%m/%Y}"] for r in board.submitted],
        )
        lines += ["", "Duyệt bằng mục **Ghi nhận kết quả** (Chấp nhận báo cáo / Trả lại để hoàn thiện)."]
    else:
        lines.append("Không có báo cáo nào chờ duyệt.")
    lines += registry_section(board)
    lines += ["", f"## Nhiệm vụ đã hết thời gian áp dụng ({len(board.ended)})", ""]
    if board.ended:
        lines += _table(
            ["Mục", "Nhiệm vụ", "Đơn vị", "Áp dụng", "Căn cứ"],
            [[d.ref, d.title, plan.unit_name(d.unit), d.active.label if d.active else "", (d.active and d.active.why) or ""]
             for d in board.ended],
        )
        lines += ["", "Các kỳ ngoài thời gian áp dụng không được mở; nhiệm vụ vẫn ở đây để không mất dấu."]
    else:
        lines.append("Không có nhiệm vụ nào đã hết thời gian áp dụng.")
    for unit in board.units:
        if unit.members:
            lines += ["", f"## {f'{unit.ref} ' if unit.ref else ''}{unit.name}: từng đơn vị", ""]
            lines += _table(
                ["Đơn vị", "Được giao", *OUTCOME_HEADER, "Tỷ lệ đúng hạn"],
                [[m.unit_name, m.assigned, *_outcomes(m), _rate(m)] for m in unit.members],
            )
    return "\n".join(lines) + "\n"


REQUEST_HEADER = ["Mục", "Tổ chức", "Nội dung đề nghị", "Đã đến mốc", "Đã có thông tin kết quả",
                  "Chưa có thông tin, đã qua mốc", "Chưa đến mốc"]


def request_section(board: Board) -> list[str]:
    """The bodies the plan asks (III.7), apart from the units it directs: no rate, nothing "overdue"."""
    if not board.requests:
        return []
    lines = ["", f"## Nội dung đề nghị phối hợp — mốc trao đổi kết quả trong năm {board.year}", "",
             "Kế hoạch đề nghị Mặt trận Tổ quốc và các tổ chức chính trị – xã hội phối hợp; không tính vào tỷ lệ "
             "đúng hạn của các đơn vị được giao.", ""]
    rows = []
    for line in board.requests:
        for member in line.members or [line.report]:
            rows.append([line.ref, member.unit_name, *_exchanges(member)])
    return lines + _table(REQUEST_HEADER, rows)


def _exchanges(report: Tracking) -> list:
    return [report.assigned, report.due, report.done, report.past_term, report.pending_in_time]


FRESHNESS_MARK = {Freshness.CURRENT: "Đã cập nhật", Freshness.DUE: "Chưa cập nhật",
                  Freshness.STALE: "**Quá hạn cập nhật**"}


def registry_section(board: Board) -> list[str]:
    """"Sổ HTX": each unit's last confirmation or update and whether it is older than its last period."""
    if not board.registry:
        return []
    lines = ["", f"## Sổ HTX: đơn vị cập nhật sổ theo dõi hợp tác xã ({len(board.stale)} đơn vị quá hạn cập nhật)",
             "",
             "Mỗi kỳ, đơn vị xác nhận danh sách hợp tác xã mình theo dõi không thay đổi hoặc sửa thông tin. "
             "Quá hạn cập nhật: lần cập nhật gần nhất trước ngày đầu của kỳ đã qua hạn; chưa cập nhật: "
             "kỳ hiện tại chưa cập nhật, còn trong hạn.", ""]
    rows = []
    for u in board.registry:
        s = u.standing
        rows.append([u.duty.ref, u.unit_name, u.organisations, f"{u.last:%d/%m/%Y}" if u.last else "Chưa có",
                     s.period.label if s else "—", f"{s.period.due:%d/%m/%Y}" if s else "—",
                     FRESHNESS_MARK[s.freshness] if s else "Chưa đến kỳ theo dõi", f"`{u.seen}`"])
    return lines + _table(["Mục", "Đơn vị", "Số tổ chức theo dõi", "Cập nhật gần nhất", "Kỳ", "Hạn cập nhật",
                           "Tình trạng", "Dấu danh sách (để xác nhận)"], rows)


def summary(board: Board) -> str:
    """One line for the board run's final state."""
    total = board.total
    liaised = sum(e.request for e in board.escalations)
    asked = (f"{len(board.past_date)} nội dung đề nghị phối hợp đã qua mốc ({liaised} việc trao đổi hôm nay), "
             if board.past_date or liaised else "")
    return (
        f"{len(board.overdue)} nhiệm vụ quá hạn, {len(board.escalations) - liaised} việc đôn đốc hôm nay, {asked}"
        f"{len(board.submitted)} báo cáo chờ duyệt; tỷ lệ đúng hạn năm {board.year}: {_rate(total)}"
        + (f"; {len(board.stale)} đơn vị quá hạn cập nhật sổ HTX." if board.stale else ".")
    )
