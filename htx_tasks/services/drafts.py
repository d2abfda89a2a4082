"""A plan read from a file is a draft in the database until the coordinator activates it.

``plan import|draft --into-db`` registers the draft (``register_draft``): the plan's row with status
draft, what the file gave beyond its rows (``PlanRow.draft``: header, proposed units, what could
not be read) and one ``DraftRow`` per duty with where it came from. Nothing is opened or sent for a
draft: the office's pass follows only active plans, and a draft is not even a plan the pass is
given. The coordinator reviews it (the web page, ``edit_row``): fixes a unit (one of the office's
directory, or a unit the draft proposes, which confirms it), sets a deadline (a phrase the deadline
reader understands, or a date), marks a row as a request or drops it; then activates it
(``draftplan.activate_draft``).

Every change names its actor, is allowed to the coordinator only, carries the draft's version as
the coordinator saw it (a compare-and-set on ``PlanRow.version``: a stale page is refused with
"đã có người xử lý trước") and writes an audit line.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, cast

from pydantic import field_validator
from sqlalchemy import CursorResult, select, update
from sqlmodel import Session, col

from htx_tasks.core.deadlines import DeadlineKind, read_deadline
from htx_tasks.core.statuses import PlanStatus
from htx_tasks.intake.drafts import Draft, unique_code
from htx_tasks.plan.loader import Plan
from htx_tasks.services.actors import Act, Actor, authorize
from htx_tasks.services.errors import Conflict, InvalidInput, Refused
from htx_tasks.services.inputs import CODE_MAX, Command, clean_text
from htx_tasks.store.models import DraftRow, PlanRow
from htx_tasks.store.writes import audit

PREEMPTED = "đã có người xử lý trước"
DEADLINE_MAX = 200  # characters of a deadline typed on the review page
TITLE_MAX = 2000  # characters of a duty's title kept from the file
DEFAULT_DELIVERABLE = "Báo cáo kết quả thực hiện nhiệm vụ"
NEW_UNIT = "ĐỀ XUẤT ĐƠN VỊ MỚI"
SET_ON_REVIEW = "Cơ quan thường trực định khi rà soát:"


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))


class DraftCommand(Command):
    plan: str
    expected_version: int  # the draft's version as the page showed it

    @field_validator("plan", mode="before")
    @classmethod
    def _plan(cls, value: object) -> str:
        return clean_text(value, limit=CODE_MAX, multiline=False, required=True)


class EditDraftRow(DraftCommand):
    """The coordinator's review of one row: every field of the row's form at once."""

    row: int
    unit: str | None = None  # a unit code; empty keeps the row's unit
    deadline: str | None = None  # a phrase or a date; empty keeps the row's deadline
    request: bool = False
    dropped: bool = False

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, value: object) -> str | None:
        return clean_text(value, limit=CODE_MAX, multiline=False, required=False) or None

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, value: object) -> str | None:
        return clean_text(value, limit=DEADLINE_MAX, multiline=False, required=False) or None


class ActivateDraft(DraftCommand):
    pass


@dataclass
class DraftView:
    """A draft as the review page shows it."""

    row: PlanRow
    head: dict[str, Any]
    rows: list[DraftRow]

    @property
    def proposed(self) -> list[dict[str, Any]]:
        return list(self.head.get("units", []))

    def coordinating(self, row: DraftRow) -> list[str]:
        return list(json.loads(row.coordinating or "[]"))

    @staticmethod
    def deadline(row: DraftRow) -> str:
        """The deadline the row will be followed with: the file's, read, or the one the coordinator set."""
        if row.recurrence is None:
            return ""
        why = str(json.loads(row.recurrence).get("why") or "")
        return why if why.startswith(SET_ON_REVIEW) else row.deadline_note


def _year_of(head: dict[str, Any], now: dt.datetime) -> int:
    date = str(head.get("plan", {}).get("date") or "")
    return int(date[:4]) if date[:4].isdigit() else now.year


def register_draft(session: Session, office: Plan, actor: Actor, draft: Draft, *, taken: set[str],
                   now: dt.datetime) -> PlanRow:
    """Store ``draft`` as a plan in draft with one row per duty; ``taken``: the office's plan and
    duty codes (a draft's codes are made unique against them). Sends and opens nothing."""
    authorize(office, actor, Act.REVIEW_DRAFT, owner=None, what="kế hoạch nháp")
    meta = {key: value for key, value, _ in draft.plan.fields}
    code = str(meta.get("code") or "ke-hoach-nhap")
    stored = set(session.execute(select(col(PlanRow.code))).scalars())
    if code in stored or code in taken:
        raise Refused(f"đã có kế hoạch mã '{code}' (đặt theo tên tệp {draft.source}); đổi tên tệp rồi nhập lại, "
                      "hoặc rà soát bản nháp đã có")
    title = str(meta.get("title") or f"Kế hoạch nháp từ tệp {draft.source}")[:400]
    proposed = [{"code": e.get("code"), "name": e.get("name"), "kind": e.get("kind"), "ref": e.get("ref"),
                 "where": next((n for k, _, n in e.fields if k == "name"), "")}
                for e in draft.units if NEW_UNIT in e.heading]
    head = {"file": draft.source, "plan": meta, "units": proposed, "unread": draft.unread}
    row = PlanRow(code=code, title=title, document=str(meta.get("document") or ""), status=PlanStatus.DRAFT,
                  status_at=now, version=1, draft=as_json(head))
    session.add(row)
    session.flush()
    duty_codes = set(taken) | set(session.execute(select(col(DraftRow.code))).scalars())
    new_codes = {u["code"] for u in proposed}
    for position, entry in enumerate(draft.duties, start=1):
        session.add(_row_of(code, position, entry, duty_codes, new_codes))
    audit(session, occurrence_id=None, at=now, actor=actor.name, action="register_draft",
          reason=f"Nhập kế hoạch nháp {code} từ tệp {draft.source}: {len(draft.duties)} nhiệm vụ, "
                 f"{len(proposed)} đơn vị đề xuất mới; chưa theo dõi, chưa gửi gì",
          role=actor.role.value, via=actor.via)
    session.flush()
    return row


def _row_of(plan_code: str, position: int, entry: Any, duty_codes: set[str], new_codes: set[str]) -> DraftRow:
    review = entry.review
    unit = entry.get("unit")
    coordinating = list(entry.get("coordinating") or [])
    recurrence = entry.get("recurrence")
    flags = list(review.get("flags", []))
    if unit is None:
        flags.append("Chủ trì: chưa xác định đơn vị.")
    elif unit in new_codes:
        flags.append("Chủ trì: đơn vị chưa có trong danh bạ, đề xuất thêm đơn vị mới; cần xác nhận.")
    elif not review.get("unit_sure"):
        flags.append("Chủ trì: tên đơn vị khớp chưa chắc chắn; cần xác nhận.")
    if recurrence is None:
        flags.append("Thời hạn: chưa có; cần đặt hạn.")
    if any(c in new_codes for c in coordinating):
        flags.append("Phối hợp: có đơn vị chưa có trong danh bạ, không đưa vào khi theo dõi.")
    if not entry.get("deliverable"):
        flags.append(f"Sản phẩm: tệp không ghi; khi theo dõi, đơn vị gửi “{DEFAULT_DELIVERABLE}”.")
    return DraftRow(
        plan_code=plan_code, position=position, code=unique_code(str(entry.get("code")), duty_codes),
        ref=str(entry.get("ref")), title=str(entry.get("title") or "")[:TITLE_MAX],
        source=str(review.get("source", entry.heading))[:400], unit_text=str(review.get("unit_text", ""))[:400],
        unit_code=unit, unit_note=str(review.get("unit_note", ""))[:1000], unit_sure=bool(review.get("unit_sure")),
        coordinating=as_json(coordinating), deadline_phrase=str(review.get("deadline_phrase", ""))[:400],
        deadline_note=str(review.get("deadline_note", ""))[:1000],
        recurrence=as_json(recurrence) if recurrence else None,
        deadline_source=str(entry.get("deadline_source") or "coordinator"),
        active=as_json(entry.get("active")) if entry.get("active") else None,
        deliverable=str(entry.get("deliverable") or "")[:1000], request=bool(review.get("request")),
        flags="\n".join(flags))


def drafts(session: Session) -> list[PlanRow]:
    """The plans in draft that live in the database, oldest first."""
    query = select(PlanRow).where(col(PlanRow.status) == PlanStatus.DRAFT, col(PlanRow.draft).is_not(None))
    return list(session.execute(query.order_by(col(PlanRow.status_at), col(PlanRow.code))).scalars())


def draft_view(session: Session, code: str) -> DraftView | None:
    row = session.get(PlanRow, code)
    if row is None or row.draft is None:
        return None
    rows = session.execute(select(DraftRow).where(col(DraftRow.plan_code) == code)
                           .order_by(col(DraftRow.position))).scalars()
    return DraftView(row=row, head=json.loads(row.draft), rows=list(rows))


def begin_change(session: Session, office: Plan, actor: Actor, command: DraftCommand) -> PlanRow:
    """Permission, the draft locked as it stands, and its version moved on from the one the
    coordinator saw (a compare-and-set: of two pages showing one version, only the first is written)."""
    authorize(office, actor, Act.REVIEW_DRAFT, owner=None, what=f"kế hoạch nháp '{command.plan}'")
    row = session.execute(select(PlanRow).where(col(PlanRow.code) == command.plan).with_for_update()
                          .execution_options(populate_existing=True)).scalars().first()
    if row is None or row.draft is None:
        raise Refused(f"không có kế hoạch nháp mã '{command.plan}'")
    if row.status != PlanStatus.DRAFT:
        raise Conflict(f"kế hoạch '{row.code}' {PREEMPTED}: nay là '{PlanStatus(row.status).label}', "
                       "không sửa bản nháp được nữa")
    moved = cast(CursorResult, session.execute(
        update(PlanRow).where(col(PlanRow.code) == row.code, col(PlanRow.version) == command.expected_version)
        .values(version=command.expected_version + 1).execution_options(synchronize_session=False))).rowcount
    if moved != 1:
        raise Conflict(f"kế hoạch nháp '{row.code}' {PREEMPTED} (bản nháp đã được sửa sau khi trang được mở); "
                       "không ghi thay đổi này, hãy xem lại bản nháp")
    session.refresh(row)
    return row


def edit_row(session: Session, office: Plan, actor: Actor, command: EditDraftRow, *, now: dt.datetime) -> DraftRow:
    """Apply the coordinator's review of one row; the audit line says what changed."""
    plan_row = begin_change(session, office, actor, command)
    head = json.loads(plan_row.draft or "{}")
    row = session.get(DraftRow, command.row) if 0 < command.row < 2**31 else None
    if row is None or row.plan_code != plan_row.code:
        raise Refused(f"kế hoạch nháp '{plan_row.code}' không có dòng số {command.row}")
    changes = []
    if command.unit is not None and (command.unit != row.unit_code or not row.unit_sure):
        known = {u.code: u.name for u in office.source.units} | {u["code"]: u["name"] for u in head.get("units", [])}
        if command.unit not in known:
            raise InvalidInput.one("unit", f"không có đơn vị mã '{command.unit}' trong danh bạ hay trong các đơn vị "
                                           "bản nháp đề xuất")
        changes.append(f"đơn vị: {known[command.unit]}")
        row.unit_code, row.unit_sure = command.unit, True
        row.flags = _without(row.flags, "Chủ trì:")
    if command.deadline is not None:
        reading = read_deadline(command.deadline, year=_year_of(head, now))
        recurrence = reading.plan_fields().get("recurrence")
        if (reading.kind not in (DeadlineKind.DATE, DeadlineKind.RECURRING) or recurrence is None
                or (reading.rule is not None and not reading.rule.complete)):
            raise InvalidInput.one("deadline", f"chưa dùng được “{command.deadline}”: {reading.understood} Ghi một "
                                   "ngày (31/03/2027) hoặc một chu kỳ có ngày hạn (hằng quý, trước ngày 15 tháng cuối quý)")
        row.recurrence = as_json({**recurrence, "why": f"{SET_ON_REVIEW} “{command.deadline}”: {reading.understood}"})
        row.deadline_source = "coordinator"  # the file's own words and their reading stay as they were
        row.flags = _without(row.flags, "Thời hạn:")
        changes.append(f"thời hạn: {reading.understood}")
    if command.request != row.request:
        row.request = command.request
        changes.append("đề nghị (không giao việc)" if command.request else "giao việc (không phải đề nghị)")
    if command.dropped != row.dropped:
        row.dropped = command.dropped
        changes.append("bỏ dòng này" if command.dropped else "giữ lại dòng này")
    audit(session, occurrence_id=None, at=now, actor=actor.name, action="edit_draft_row",
          reason=f"Kế hoạch nháp {plan_row.code}, dòng {row.position} ({row.ref}): "
                 + ("; ".join(changes) if changes else "không thay đổi"), role=actor.role.value, via=actor.via)
    session.add(row)
    session.flush()
    return row


def _without(flags: str, *starts: str) -> str:
    return "\n".join(f for f in flags.splitlines() if not f.startswith(starts))
