"""What the pages show, read from the store: a unit's obligations, an item's history, the queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from htx_tasks.core import wording
from htx_tasks.core.calendar import format_date_vi
from htx_tasks.core.lifecycle import ACTIVE, State
from htx_tasks.core.statuses import ExtensionDecision, NotificationStatus
from htx_tasks.core.zones import local
from htx_tasks.office_board import worst_first
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.unitreport import DEFAULT_REPORT, ReportForm
from htx_tasks.readings import is_request, provenance, reading_of
from htx_tasks.services.acknowledgements import latest as latest_acknowledgements
from htx_tasks.services.plans import PlanLine, plan_lines
from htx_tasks.store.answers import Acknowledgement, EvidenceFile, ExtensionRequest, WebAudit, latest_report
from htx_tasks.store.models import AuditEvent, Notification, Occurrence, Submission

SHOWN = [s.value for s in (*ACTIVE, State.SUBMITTED)]
SECURITY_LABELS = {  # web audit actions that are security events → what the coordinator reads
    "link_refused": "Liên kết không dùng được", "cross_unit": "Mở nhiệm vụ hoặc tệp của đơn vị khác",
    "csrf": "Biểu mẫu thiếu hoặc sai mã chống giả mạo", "rate_limited": "Gửi quá nhiều lần trong một giờ",
    "login_failed": "Đăng nhập sai mật khẩu", "login_limited": "Đăng nhập bị tạm dừng (sai nhiều lần)"}
LINK_REASONS = {"signature": "chữ ký sai hoặc liên kết bị sửa", "invalid": "liên kết không hợp lệ", "expired": "hết hạn",
                "revoked": "đã thu hồi", "ended": "phiên đã đăng xuất", "wrong_page": "dùng sai trang",
                "unit_gone": "đơn vị không còn trong kế hoạch"}


def when(value: dt.datetime | None) -> str:
    return f"{local(value):%H:%M %d/%m/%Y}" if value else ""


@dataclass
class ItemView:
    id: int
    unit: str
    unit_name: str
    ref: str
    title: str
    deliverable: str
    period: str
    deadline: str
    deadline_date: dt.date
    timing: str
    state: str  # as of now (``core.itemview``), not the last pass's
    state_label: str  # in the unit's register: a request past its date is not "Quá hạn"
    provenance: str
    overdue: bool  # an assignment past its term (a request past its date is not overdue)
    version: int  # sent back with each form: a page gone stale cannot overwrite a decision
    words: wording.UnitWords = wording.ASSIGNMENT_WORDS  # the page's words in the unit's register
    badge: str = ""  # the state's badge style; a request past its date has a neutral one
    extension: ExtensionRequest | None = None
    submission: Submission | None = None
    files: list[EvidenceFile] = field(default_factory=list)
    acknowledgement: Acknowledgement | None = None  # the unit's latest "đã nhận, đang thực hiện"
    period_line: str = ""  # "Kỳ: quý I/2027", "Hồ sơ: HTX-DAT-07"; empty for a one-off duty
    plan_title: str = ""  # the item's plan, shown when the office follows several plans
    report_form: ReportForm = DEFAULT_REPORT  # what the duty's report asks (figures, difficulties, proposals)

    @property
    def figure_lines(self) -> list[tuple[str, str]]:
        """The figures of the report shown: (label, ``12 hợp tác xã``), in the duty's order."""
        return self.report_form.lines(self.submission.figures) if self.submission else []

    @property
    def can_report(self) -> bool:
        return State(self.state).active

    @property
    def can_acknowledge(self) -> bool:
        return State(self.state).active

    @property
    def can_extend(self) -> bool:
        return State(self.state).active and self.extension is None


def item_view(session: Session, plan: Plan, row: Occurrence, now: dt.datetime) -> ItemView:
    duty = plan.duty(row.duty_code)
    seen = reading_of(plan, row, now)
    assert row.id is not None
    view = ItemView(
        id=row.id, unit=row.unit_code, unit_name=plan.unit_name(row.unit_code), ref=duty.ref,
        title=duty.title, deliverable=duty.deliverable, period=row.period_label,
        deadline=format_date_vi(row.deadline), deadline_date=row.deadline, timing=seen.timing,
        state=seen.state.value, state_label=seen.label, provenance=provenance(plan, row.duty_code),
        overdue=seen.overdue, version=row.version, words=wording.unit_words(request=seen.request),
        badge="past" if seen.past and seen.request else seen.state.value,
        period_line=wording.period_line(row.period_label), report_form=duty.report,
    )
    view.acknowledgement = latest_acknowledgements(session, [row.id]).get(row.id)
    view.extension = session.exec(select(ExtensionRequest).where(
        ExtensionRequest.occurrence_id == row.id, ExtensionRequest.decision == ExtensionDecision.PENDING)).first()
    if seen.state is State.SUBMITTED:
        view.submission = latest_report(session, row.id)
        if view.submission is not None:
            view.files = list(session.exec(select(EvidenceFile).where(
                EvidenceFile.submission_id == view.submission.id)).all())
    return view


@dataclass(frozen=True)
class PlanItems:
    """One plan's part of a page: its title and its items."""

    title: str
    items: list[ItemView]


def _views(session: Session, plans: Mapping[str, Plan], rows, now: dt.datetime) -> list[ItemView]:
    """Each row read under its own plan's duties (rows of a plan not shown are left out); the plan's
    title on each when there are several plans."""
    views = []
    for row in rows:
        plan = plans.get(row.plan_code)
        if plan is not None:
            view = item_view(session, plan, row, now)
            view.plan_title = plan.meta.short_title if len(plans) > 1 else ""
            views.append(view)
    return views


def unit_items(session: Session, plans: Mapping[str, Plan], unit: str, now: dt.datetime) -> list[PlanItems]:
    """The unit's open obligations and reports awaiting review in every plan, each under its own
    plan (in the order of ``plans``), soonest deadline first; plans with nothing for the unit left out."""
    rows = session.exec(select(Occurrence).where(
        Occurrence.unit_code == unit, col(Occurrence.state).in_(SHOWN), col(Occurrence.plan_code).in_(list(plans))
    ).order_by(col(Occurrence.deadline), col(Occurrence.id))).all()
    groups = []
    for code, plan in plans.items():
        items = _views(session, {code: plan}, [r for r in rows if r.plan_code == code], now)
        if items:
            groups.append(PlanItems(plan.meta.short_title, items))
    return groups


@dataclass(frozen=True)
class HistoryLine:
    at: str
    what: str
    detail: str


def history(session: Session, plan: Plan, occurrence_id: int) -> list[HistoryLine]:
    """Reminders received, reports, requests and decisions, oldest first."""
    lines: list[tuple[dt.datetime, HistoryLine]] = []
    row = session.get(Occurrence, occurrence_id)
    request = row is not None and is_request(plan, row.unit_code)
    for event in session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == occurrence_id)).all():
        label = State(event.to_state).label_for(request=request) if event.to_state else ""
        what = wording.action_label(event.action, request=request)
        lines.append((event.at, HistoryLine(when(event.at), what, event.reason or label)))
    for note in session.exec(select(Notification).where(
            Notification.occurrence_id == occurrence_id, Notification.status == NotificationStatus.SENT)).all():
        lines.append((note.sent_at or note.due_at, HistoryLine(
            when(note.sent_at or note.due_at), f"Thông báo: {wording.kind_label(note.kind, request=request)}",
            f"gửi {plan.unit_name(note.recipient) if note.recipient in plan.units else 'cơ quan thường trực/lãnh đạo'}")))
    lines.sort(key=lambda pair: pair[0])
    return [line for _, line in lines]


def review_queue(session: Session, plans: Mapping[str, Plan], now: dt.datetime) -> list[ItemView]:
    rows = session.exec(select(Occurrence).where(Occurrence.state == State.SUBMITTED.value)
                        .order_by(col(Occurrence.submitted_at), col(Occurrence.id))).all()
    return _views(session, plans, rows, now)


def acknowledged(session: Session, plans: Mapping[str, Plan], now: dt.datetime) -> list[ItemView]:
    """Open items whose unit said it has the work in hand, the latest word first (the coordinator's page)."""
    rows = session.exec(select(Occurrence).join(Acknowledgement, col(Acknowledgement.occurrence_id) == Occurrence.id)
                        .where(col(Occurrence.state).in_(SHOWN)).order_by(col(Acknowledgement.id).desc())).all()
    unique: dict[int | None, Occurrence] = {}
    for row in rows:  # each item once, where its latest acknowledgement puts it
        unique.setdefault(row.id, row)
    return _views(session, plans, unique.values(), now)


def extension_queue(session: Session, plans: Mapping[str, Plan], now: dt.datetime) -> list[ItemView]:
    rows = session.exec(select(Occurrence).join(ExtensionRequest, col(ExtensionRequest.occurrence_id) == Occurrence.id)
                        .where(ExtensionRequest.decision == ExtensionDecision.PENDING, col(Occurrence.state).in_(SHOWN))
                        .order_by(col(ExtensionRequest.requested_at))).all()
    return _views(session, plans, rows, now)


@dataclass(frozen=True)
class SecurityLine:
    at: str
    what: str
    who: str
    client: str
    detail: str


def office_lines(session: Session, plans: Mapping[str, Plan]) -> list[PlanLine]:
    """Every plan shown, worst first as on the office-wide board: the most work past its term, then the
    most open work, then by code."""
    lines = [line for line in plan_lines(session, dict(plans)) if line.configured]
    return sorted(lines, key=lambda line: worst_first(late=line.late, open_work=line.open, code=line.code))


def security_events(session: Session, plan: Plan, limit: int = 20) -> list[SecurityLine]:
    """The latest security events of the web audit, newest first."""
    rows = session.exec(select(WebAudit).where(col(WebAudit.action).in_(list(SECURITY_LABELS)))
                        .order_by(col(WebAudit.id).desc()).limit(limit)).all()

    def who(subject: str) -> str:
        if subject in plan.units:
            return plan.unit_name(subject)
        return "Cơ quan thường trực" if subject == "coordinator" else "không rõ"

    return [SecurityLine(when(r.at), SECURITY_LABELS[r.action], who(r.subject), r.client,
                         LINK_REASONS.get(r.detail or "", r.detail or "")) for r in rows]
