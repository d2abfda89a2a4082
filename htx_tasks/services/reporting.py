"""The consolidated report: ask for a period, compile its draft, edit it, export it for signing.

The draft is one per plan and period (``store.drafts``). Every change is a compare-and-set on
its version: a page that showed an older version is refused ("đã có người xử lý trước") and
nothing is written. A compilation never overwrites the coordinator's edits: an edited part is
kept and the new text is offered beside it. Each action writes an audit line.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationInfo, field_validator
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, delete

from htx_tasks.core.refusals import Conflict, Refused
from htx_tasks.plan.loader import Plan
from htx_tasks.reporting import draft as d
from htx_tasks.reporting.data import Consolidated, Period
from htx_tasks.reporting.results import gather
from htx_tasks.reporting.service import default_recipients, export, place_of, stored_parts, write
from htx_tasks.services.actors import Act, Actor, authorize
from htx_tasks.services.decisions import PREEMPTED, require_seen
from htx_tasks.services.errors import InvalidInput
from htx_tasks.services.inputs import NOTE_MAX, Command, check_date, check_version, clean_text
from htx_tasks.store.db import session_scope
from htx_tasks.store.drafts import ReportDraft, ReportPart, claim_version, find_draft, parts_of
from htx_tasks.store.writes import audit

PERIOD = re.compile(r"^(\d{4})(?:-(H[12]))?$")
PART_MAX = 2 * NOTE_MAX  # characters of one part of the report (a unit's words are at most a note)
LINE_MAX = 200  # characters of a recipient, the place, the parent body
RECIPIENTS_MAX = 40


def parse_period(text: str) -> Period:
    """``2026-H1`` (first half), ``2026-H2`` (second half) or ``2026`` (the year).

    Anything else is ``InvalidInput`` on the field ``period``, for each front end to name in its words.
    """
    match = PERIOD.match(text.strip())
    if not match:
        raise InvalidInput.one("period", f"kỳ báo cáo không hợp lệ '{text}' (ví dụ 2026-H1, 2026-H2 hoặc 2026)")
    year, half = int(match[1]), match[2]
    if half == "H1":
        return Period(text, dt.date(year, 1, 1), dt.date(year, 6, 30), f"6 tháng đầu năm {year}")
    if half == "H2":
        return Period(text, dt.date(year, 7, 1), dt.date(year, 12, 31), f"6 tháng cuối năm {year}")
    return Period(text, dt.date(year, 1, 1), dt.date(year, 12, 31), f"năm {year}")


class DraftCommand(Command):
    """An action on the draft of ``period``; ``expected_version`` is the draft's version the page
    showed (0: the page showed no draft yet)."""

    period: str

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: object) -> str:
        if not isinstance(value, str) or not PERIOD.match(value.strip()):
            raise ValueError(f"kỳ báo cáo không hợp lệ '{value}' (ví dụ 2026-H1, 2026-H2 hoặc 2026)")
        return value.strip()

    @field_validator("expected_version", mode="before")
    @classmethod
    def _expected_version(cls, value: object, info: ValidationInfo) -> int | None:
        if value in (0, "0"):
            return 0
        return check_version(value, required=False)


class CompileDraft(DraftCommand):
    pass


class ExportDraft(DraftCommand):
    pass


class EditDraft(DraftCommand):
    texts: dict[str, str] = {}  # part key → what the report says there
    take: list[str] = []  # parts whose offered text (a new compilation's) replaces theirs
    parent: str = ""
    number: str = ""
    place: str = ""
    signed_on: dt.date | None = None
    recipients: list[str] = []
    filed_with: str = ""

    @field_validator("texts", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> dict[str, str]:
        return {str(k): clean_text(v, limit=PART_MAX, multiline=True, required=False) for k, v in (value or {}).items()}

    @field_validator("parent", "place", "filed_with", mode="before")
    @classmethod
    def _line(cls, value: object) -> str:
        return clean_text(value, limit=LINE_MAX, multiline=False, required=False)

    @field_validator("number", mode="before")
    @classmethod
    def _number(cls, value: object) -> str:
        text = clean_text(value, limit=16, multiline=False, required=False)
        if text and not text.isdigit():
            raise ValueError("chỉ gồm chữ số (văn thư cấp số khi phát hành), ví dụ 15")
        return text

    @field_validator("signed_on", mode="before")
    @classmethod
    def _signed_on(cls, value: object) -> dt.date | None:
        return None if value in (None, "") else check_date(value)

    @field_validator("recipients", mode="before")
    @classmethod
    def _recipients(cls, value: object) -> list[str]:
        lines = value.splitlines() if isinstance(value, str) else list(value or [])  # type: ignore[call-overload]
        kept = [clean_text(line, limit=LINE_MAX, multiline=False, required=False) for line in lines]
        kept = [line.lstrip("- ").rstrip(";.") for line in kept if line.strip("-;. ")]
        if len(kept) > RECIPIENTS_MAX:
            raise ValueError(f"tối đa {RECIPIENTS_MAX} nơi nhận")
        if not kept:
            raise ValueError("cần ít nhất một nơi nhận")
        return kept


def _seen_draft(session: Session, plan: Plan, actor: Actor, act: Act, command: DraftCommand) -> ReportDraft | None:
    authorize(plan, actor, act, owner=None, what="báo cáo tổng hợp")
    if actor.on_page:  # the scheduled report (``publish``) compiles again on what is there now
        require_seen(command.expected_version)
    found = find_draft(session, plan.meta.code, command.period)
    if found is None:
        if command.expected_version not in (None, 0):
            raise Conflict(f"Báo cáo {command.period}: {PREEMPTED}")
        return None
    assert found.id is not None
    seen = found.version if command.expected_version is None else command.expected_version
    if not claim_version(session, found.id, seen):
        raise Conflict(f"Báo cáo {command.period}: {PREEMPTED} (dự thảo đã đổi sang phiên bản {found.version})")
    return found


def _audit(session: Session, actor: Actor, action: str, now: dt.datetime, reason: str) -> None:
    audit(session, occurrence_id=None, at=now, actor=actor.name, action=action, reason=reason,
          role=actor.role.value, via=actor.via)


def compile_draft(session: Session, plan: Plan, actor: Actor, command: CompileDraft, *,
                  now: dt.datetime) -> ReportDraft:
    """Write (or write again) the period's draft from the units' reports; edited parts are kept."""
    period = parse_period(command.period)
    draft = _seen_draft(session, plan, actor, Act.COMPILE_REPORT, command)
    if draft is None:
        draft = ReportDraft(plan_code=plan.meta.code, period_code=period.code, place=place_of(plan),
                            recipients="\n".join(default_recipients(plan)), compiled_at=now, changed_at=now,
                            changed_by=actor.name)
        try:
            with session.begin_nested():
                session.add(draft)
                session.flush()
        except IntegrityError:
            raise Conflict(f"Báo cáo {period.code}: {PREEMPTED}") from None
    assert draft.id is not None
    merged = d.merge(stored_parts(session, draft.id), d.compose(gather(session, plan, period, now)))
    session.execute(delete(ReportPart).where(ReportPart.draft_id == draft.id))  # type: ignore[arg-type]
    for position, m in enumerate(merged):
        p = m.part
        session.add(ReportPart(draft_id=draft.id, key=p.key, section=p.section, position=position, heading=p.heading,
                               author=p.author, said_on=p.said_on, request=p.request, generated=m.generated,
                               text=p.text, edited=m.edited, offered=m.offered))
    draft.compiled_at, draft.changed_at, draft.changed_by = now, now, actor.name
    kept = sum(m.edited for m in merged)
    _audit(session, actor, "report_compile", now, f"{plan.meta.code} {period.code}: {len(merged)} phần, "
                                                  f"giữ {kept} phần đã biên tập")
    session.flush()
    session.refresh(draft)
    return draft


def edit_draft(session: Session, plan: Plan, actor: Actor, command: EditDraft, *, now: dt.datetime) -> ReportDraft:
    """The coordinator's edits: the parts' texts, offered texts taken, number, date, recipients."""
    draft = _seen_draft(session, plan, actor, Act.EDIT_REPORT, command)
    if draft is None:
        raise Refused(f"Báo cáo {command.period} chưa có dự thảo: tổng hợp trước khi biên tập")
    assert draft.id is not None
    parts = {p.key: p for p in parts_of(session, draft.id)}
    unknown = sorted((set(command.texts) | set(command.take)) - set(parts))
    if unknown:
        raise InvalidInput.one("texts", f"dự thảo không có phần {', '.join(unknown)}; vui lòng mở lại trang")
    changed = []
    for key in command.take:  # the new compilation's text replaces the edit: the part is the compilation's again
        part = parts[key]
        if part.offered is not None:
            part.text, part.generated, part.offered, part.edited = part.offered, part.offered, None, False
            changed.append(key)
    for key, text in command.texts.items():
        part = parts[key]
        if key not in changed and text != part.text:
            part.text, part.edited = text, text != part.generated
            changed.append(key)
    frame = {"parent": command.parent, "number": command.number, "place": command.place,
             "signed_on": command.signed_on, "recipients": "\n".join(command.recipients),
             "filed_with": command.filed_with}
    for name, value in frame.items():
        if getattr(draft, name) != value:
            setattr(draft, name, value)
            changed.append(name)
    draft.changed_at, draft.changed_by = now, actor.name
    _audit(session, actor, "report_edit", now, f"{plan.meta.code} {command.period}: "
                                               f"{', '.join(changed) or 'không đổi nội dung'}"[:1000])
    session.flush()
    session.refresh(draft)
    return draft


def export_draft(session: Session, plan: Plan, actor: Actor, command: ExportDraft, *, now: dt.datetime,
                 out_dir: Path, var_dir: Path) -> dict[str, Path]:
    """The draft as Word (and PDF, when LibreOffice is installed) in ``out_dir``; audited."""
    draft = _seen_draft(session, plan, actor, Act.EXPORT_REPORT, command)
    if draft is None:
        raise Refused(f"Báo cáo {command.period} chưa có dự thảo: tổng hợp trước khi xuất")
    files = export(session, plan, parse_period(command.period), draft, out_dir=out_dir, var_dir=var_dir)
    _audit(session, actor, "report_export", now, f"{plan.meta.code} {command.period} phiên bản {draft.version}: "
                                                 + ", ".join(p.name for p in files.values()))
    return files


def publish(engine: Engine, plan: Plan, actor: Actor, period: Period, out_dir: Path, *, now: dt.datetime,
            var_dir: Path) -> tuple[Consolidated, dict[str, Path]]:
    """The CLI's and the scheduled flow's report: the draft compiled again (edits kept) and exported
    (.docx, .pdf), the figures as Markdown and Excel; one transaction for the draft and its audit lines."""
    with session_scope(engine) as session:
        compile_draft(session, plan, actor, CompileDraft.parse(period=period.code), now=now)
        files = export_draft(session, plan, actor, ExportDraft.parse(period=period.code), now=now,
                             out_dir=out_dir, var_dir=var_dir)
    report, figures = write(engine, plan, period, out_dir, now=now, var_dir=var_dir)
    return report, {**figures, **files}
