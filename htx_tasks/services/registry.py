"""Registry upkeep services: a unit confirms its list of organisations, or edits one of them.

Both follow the decision services' model (``htx_tasks.services.decisions``): a required ``Actor`` (the
unit, or the coordinator acting on its behalf), the permission table ``services.MAY`` checked by
``authorize``, a validated command, one audit line naming actor, role and channel, and nothing
written on any refusal. An edit writes a new dated version of the organisation through the same
field rules as a file import (``rows.parse_rows``); two people editing one organisation from the
same page: the second is refused with "đã có người xử lý trước" (the version compare-and-set).
Either action records a ``RegistryUpdate`` for the unit: that is what the board reads.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import cast

from pydantic import field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import CursorResult, delete, select, update
from sqlmodel import Session, col

from htx_tasks.core.coops import ATTRIBUTES, BY_NAME, FIELDS, Coop
from htx_tasks.core.zones import local_date
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.config import load_registry_config
from htx_tasks.registry.files import RawRow
from htx_tasks.registry.models import CoopVersion, RegistryUpdate
from htx_tasks.registry.rows import format_coop, parse_rows
from htx_tasks.registry.service import to_coop
from htx_tasks.registry.staleness import period_containing
from htx_tasks.registry.standing import fingerprint, follow_keys, followed_rows, follows, held_duties, merged_notice
from htx_tasks.services.actors import Act, Actor, Role, authorize
from htx_tasks.services.decisions import PREEMPTED, require_seen
from htx_tasks.services.errors import Conflict, FieldError, InvalidInput, Refused
from htx_tasks.services.inputs import CODE_MAX, NOTE_MAX, VERSION_NEEDED, Command, check_date, clean_text, vn_date
from htx_tasks.store.models import Occurrence
from htx_tasks.store.writes import audit

# what a unit may change; name, kind, place, sector and founding date are the coordinator's (import)
EDITABLE = ("status", "members", "charter_capital", "rating", "rating_year", "tech", "tech_note",
            "key_products", "key_product_count", "ecommerce_products", "brand", "note")
VALUE_MAX = 500  # characters of one edited value
CONFIRM_HORIZON = dt.timedelta(days=93)  # the coordinator may record a confirmation up to a quarter late
PERSON_SOURCES = ("web", "form", "cli")  # versions written by a person, correctable on the same day
HEADER_NAMES = {f.header: f.name for f in FIELDS}
SEEN_FORM = re.compile(r"[0-9a-f]{16}")  # ``standing.fingerprint`` of the list a page showed


def _codes(*names: str):
    def validate(cls, value: object) -> str:
        return clean_text(value, limit=CODE_MAX, multiline=False, required=True)
    return field_validator(*names, mode="before")(validate)


class ConfirmRegistry(Command):
    """The unit's list of organisations is right as it stands (``seen``: the mark of the list the
    person saw, ``standing.fingerprint``; required from every front door)."""

    unit: str
    as_of: dt.date | None = None
    seen: str
    note: str = ""

    _unit = _codes("unit")

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_of(cls, value: object) -> dt.date | None:
        return None if value in (None, "") else check_date(value)

    @field_validator("seen", mode="before")
    @classmethod
    def _seen(cls, value: object) -> str:
        text = clean_text(value, limit=64, multiline=False, required=False)
        if not text:
            raise PydanticCustomError("missing", VERSION_NEEDED)
        if not SEEN_FORM.fullmatch(text):
            raise ValueError("không đúng dạng dấu của danh sách đã xem; hãy mở lại trang rồi xác nhận")
        return text

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, value: object) -> str:
        return clean_text(value, limit=NOTE_MAX, multiline=True, required=False)


class EditCoop(Command):
    """New values for some fields of one organisation, true from ``valid_from``.

    ``values`` holds the fields as typed (text, as in a spreadsheet cell: "1.500", "Khá", "Có");
    ``expected_version`` is the id of the version the person saw: required from every front door.
    """

    expected_version: int
    unit: str
    code: str
    valid_from: dt.date
    values: dict[str, str]

    _unit = _codes("unit", "code")

    @field_validator("valid_from", mode="before")
    @classmethod
    def _valid_from(cls, value: object) -> dt.date:
        return check_date(value)

    @field_validator("values", mode="before")
    @classmethod
    def _values(cls, value: object) -> dict[str, str]:
        if not isinstance(value, dict):
            raise ValueError("cần các trường cần sửa")  # noqa: TRY004
        wrong = [str(k) for k in value if k not in EDITABLE]
        if wrong:
            raise ValueError(f"không sửa được trường: {', '.join(wrong)}")
        return {k: clean_text(v, limit=VALUE_MAX, multiline=k == "note", required=False) for k, v in value.items()}


def _source(actor: Actor) -> str:
    kind = actor.via.split(":", 1)[0]
    return {"link": "web", "form": "form", "cli": "cli"}.get(kind, "cli")


def _check_unit(plan: Plan, actor: Actor, act: Act, unit: str, today: dt.date) -> None:
    plan.unit(unit)  # UnknownCode, a refusal, for a code the plan does not hold
    if notice := merged_notice(plan, unit, today):  # its old link, or anybody acting for it
        raise Refused(notice)
    if actor.role is Role.UNIT and actor.unit not in plan.units:
        raise Refused(f"không có đơn vị '{actor.unit}' trong kế hoạch")
    if actor.role is Role.UNIT and unit not in {actor.unit, *plan.members(actor.unit or unit)}:
        raise Refused(f"{plan.unit_name(actor.unit or '')} chỉ cập nhật danh sách hợp tác xã của chính đơn vị "
                      f"mình, không cập nhật thay {plan.unit_name(unit)}")
    authorize(plan, actor, act, owner=unit, what=f"danh sách hợp tác xã của {plan.unit_name(unit)}")
    if not held_duties(plan, unit, today):
        raise Refused(f"{plan.unit_name(unit)} không có nhiệm vụ theo dõi hợp tác xã trong kế hoạch; "
                      "không có danh sách để xác nhận hay cập nhật")


def _occurrence(session: Session, plan: Plan, unit: str, day: dt.date) -> int | None:
    """The unit's obligation of an upkeep duty for the period ``day`` falls in, if it is open."""
    for duty in held_duties(plan, unit, day):
        period = period_containing(duty, plan.calendar, day)
        if period is None:
            continue
        found = session.execute(select(col(Occurrence.id)).where(
            col(Occurrence.duty_code) == duty.code, col(Occurrence.unit_code) == unit,
            col(Occurrence.period_key) == period.key)).scalars().first()
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class UnitList:
    """The organisations a unit follows today, as a person sees them before confirming or editing."""

    unit: str
    rows: list[CoopVersion]  # each with its version (``id``): what ``EditCoop.expected_version`` sends back
    seen: str  # the list's mark: what ``ConfirmRegistry.seen`` sends back


def unit_list(session: Session, plan: Plan, unit: str, *, now: dt.datetime) -> UnitList:
    """What ``unit`` follows today (``UnknownCode`` for a code the plan does not hold)."""
    plan.unit(unit)
    rows = followed_rows(session, plan, unit, local_date(now))
    return UnitList(unit, rows, fingerprint(rows))


def confirm_registry(session: Session, plan: Plan, actor: Actor, command: ConfirmRegistry, *,
                     now: dt.datetime) -> RegistryUpdate:
    """Record that ``command.unit``'s organisations are right as the registry holds them today."""
    require_seen(command.seen, field="seen")
    today = local_date(now)
    _check_unit(plan, actor, Act.CONFIRM_REGISTRY, command.unit, today)
    as_of = command.as_of or today
    if as_of > today:
        raise InvalidInput.one("as_of", f"ngày xác nhận {vn_date(as_of)} chưa đến")
    if as_of < today - CONFIRM_HORIZON:
        raise InvalidInput.one("as_of", f"ngày xác nhận {vn_date(as_of)} quá xa: sớm nhất "
                               f"{vn_date(today - CONFIRM_HORIZON)}")
    rows = followed_rows(session, plan, command.unit, today)
    if command.seen != fingerprint(rows):
        raise Conflict(f"danh sách hợp tác xã của {plan.unit_name(command.unit)} {PREEMPTED}: đã được cập nhật "
                       "sau khi trang được mở; hãy xem lại danh sách rồi xác nhận")
    row = RegistryUpdate(unit_code=command.unit, kind="confirm", as_of=as_of, recorded_at=now, actor=actor.name,
                         role=actor.role.value, via=actor.via, organisations=len(rows),
                         occurrence_id=_occurrence(session, plan, command.unit, as_of), note=command.note or None)
    session.add(row)
    reason = (f"Xác nhận danh sách {len(rows)} tổ chức kinh tế tập thể do {plan.unit_name(command.unit)} theo dõi "
              f"không thay đổi (tính đến {vn_date(as_of)})" + (f". {command.note}" if command.note else ""))
    audit(session, occurrence_id=row.occurrence_id, at=now, actor=actor.name, action="registry_confirm",
          reason=reason, role=actor.role.value, via=actor.via)
    session.flush()
    return row


@dataclass(frozen=True)
class Edited:
    coop: Coop
    changed: list[str]  # the fields changed, by their Vietnamese headers
    update: RegistryUpdate


def lock_latest(session: Session, code: str) -> CoopVersion | None:
    """The organisation's open version, locked until the transaction ends, as last committed."""
    return session.execute(
        select(CoopVersion).where(col(CoopVersion.code) == code, col(CoopVersion.valid_to).is_(None)).with_for_update()
        .execution_options(populate_existing=True)
    ).scalars().first()


def edit_coop(session: Session, plan: Plan, actor: Actor, command: EditCoop, *, now: dt.datetime) -> Edited:
    """Write ``command``'s values as the organisation's version from ``valid_from``."""
    require_seen(command.expected_version)
    today = local_date(now)
    _check_unit(plan, actor, Act.EDIT_REGISTRY, command.unit, today)
    # on PostgreSQL a writer that waited on the lock finds the row it waited for closed or replaced:
    # a second statement (a fresh snapshot) finds the version written meanwhile
    latest = lock_latest(session, command.code) or lock_latest(session, command.code)
    if latest is None or not follows(follow_keys(plan, command.unit, today), latest):
        raise Refused(f"tổ chức '{command.code}' không thuộc danh sách do {plan.unit_name(command.unit)} theo dõi")
    if latest.id != command.expected_version:
        raise Conflict(f"tổ chức '{command.code}' {PREEMPTED}: thông tin đã được cập nhật (hiệu lực từ "
                       f"{vn_date(latest.valid_from)}); hãy xem lại rồi sửa")
    old = to_coop(latest)
    new = _parsed(plan, old, command)
    same_day = new.valid_from == old.valid_from
    if new.valid_from > today:
        raise InvalidInput.one("valid_from", f"ngày {vn_date(new.valid_from)} chưa đến (chậm nhất hôm nay)")
    if new.valid_from < old.valid_from:
        raise InvalidInput.one("valid_from", f"đã có thông tin mới hơn (hiệu lực từ {vn_date(old.valid_from)}); "
                                             "không ghi lùi lịch sử")
    if same_day and latest.source not in PERSON_SOURCES:
        raise InvalidInput.one("valid_from", f"đã có thông tin hiệu lực từ ngày {vn_date(old.valid_from)} (nhập từ "
                                             "tệp); hãy ghi ngày hiệu lực sau ngày này")
    changed = [n for n in EDITABLE if getattr(new, n) != getattr(old, n)]
    if not changed:
        raise Refused("không có thông tin nào thay đổi so với sổ theo dõi; nếu danh sách vẫn đúng, hãy xác nhận "
                      "danh sách không thay đổi")
    # the open version is closed on the new date, or, when a person corrects what a person wrote the
    # same day, replaced (the audit keeps the old values); either is a compare-and-set on "still open"
    open_version = (col(CoopVersion.id) == latest.id) & col(CoopVersion.valid_to).is_(None)
    statement = (delete(CoopVersion).where(open_version) if same_day
                 else update(CoopVersion).where(open_version).values(valid_to=new.valid_from))
    result = session.execute(statement.execution_options(synchronize_session=False))
    written = cast(CursorResult, result).rowcount
    if written != 1:
        raise Conflict(f"tổ chức '{command.code}' {PREEMPTED}; không ghi nhận thao tác này")
    session.expunge(latest)
    session.add(CoopVersion(**{n: getattr(new, n) for n in ATTRIBUTES}, recorded_at=now, source=_source(actor)))
    record = RegistryUpdate(unit_code=command.unit, kind="edit", as_of=today, recorded_at=now, actor=actor.name,
                            role=actor.role.value, via=actor.via, organisations=1, coop_code=command.code,
                            occurrence_id=_occurrence(session, plan, command.unit, today))
    session.add(record)
    labels = [BY_NAME[n].header for n in changed]
    what = "; ".join(f"{BY_NAME[n].header}: {_shown(getattr(old, n))} → {_shown(getattr(new, n))}" for n in changed)
    audit(session, occurrence_id=record.occurrence_id, at=now, actor=actor.name, action="registry_edit",
          reason=f"Cập nhật {command.code} ({old.name}), hiệu lực từ {vn_date(new.valid_from)}: {what}"[:2000],
          role=actor.role.value, via=actor.via)
    session.flush()
    return Edited(coop=new, changed=labels, update=record)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return str(value)


def _parsed(plan: Plan, old: Coop, command: EditCoop) -> Coop:
    """The old version with the typed values laid over, checked by the import's own field rules."""
    cells = dict(zip((f.header for f in FIELDS), format_coop(old, plan), strict=True))
    for name, text in command.values.items():
        cells[BY_NAME[name].header] = text
    cells[BY_NAME["valid_from"].header] = command.valid_from
    coops, problems = parse_rows([RawRow("", 0, cells)], plan, load_registry_config(plan))
    if problems:
        raise InvalidInput([FieldError(HEADER_NAMES.get(p.column, p.column), p.reason) for p in problems])
    return coops[0]
