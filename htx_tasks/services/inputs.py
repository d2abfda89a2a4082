"""Limits on people's inputs, in one place, and the command model of each action.

The CLI, the Prefect form and the web pages all build a command with ``Command.parse(...)``: a
strict pydantic model whose every refusal is a ``FieldError`` in Vietnamese, keyed by the field
name; each front end shows the field in its own words (``--note``, "Nội dung", a form input).
Rules that need the stored item (a new deadline after the current one) are checked by the
service, which raises ``InvalidInput`` on the same field.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from enum import StrEnum
from typing import Any, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from htx_tasks.plan.unitreport import FIGURES_MAX
from htx_tasks.services.errors import FieldError, InvalidInput

NOTE_MAX = 4000  # characters of a report, a review note, a reason
URL_MAX = 2000  # characters of an evidence link
REF_MAX = 100  # characters of a case file number
CODE_MAX = 64  # characters of a unit, duty or case-kind code
ID_MAX = 2**31 - 1  # the largest id PostgreSQL's integer column holds
EXTENSION_HORIZON = dt.timedelta(days=366)  # a new deadline at most about a year ahead of today
RECEIVED_HORIZON = dt.timedelta(days=366)  # a case received at most about a year ago
URL_SCHEMES = ("http", "https")
LINE_BREAKS = "\n\r\t"


def _vn_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def vn_date(day: dt.date) -> str:
    """dd/mm/yyyy for any year (strftime drops the leading zeros of years before 1000)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def clean_text(value: object, *, limit: int, multiline: bool, required: bool) -> str:
    """Stripped text within ``limit`` characters, without NUL or other control characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError("phải là chuỗi ký tự")  # noqa: TRY004 (pydantic reports ValueError as a field error)
    value = value.strip()
    if required and not value:
        raise ValueError("không được để trống")
    allowed = LINE_BREAKS if multiline else ""
    for i, ch in enumerate(value, start=1):
        if unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed:
            raise ValueError(f"có ký tự điều khiển không được phép (U+{ord(ch):04X}) ở vị trí {i}")
    if len(value) > limit:
        raise ValueError(f"dài quá {_vn_number(limit)} ký tự (đang có {_vn_number(len(value))})")
    return value


def clean_url(value: object) -> str | None:
    text = clean_text(value, limit=URL_MAX, multiline=False, required=False)
    if not text:
        return None
    if any(ch.isspace() for ch in text):
        raise ValueError("đường dẫn không được chứa khoảng trắng")
    parts = urlsplit(text)
    if parts.scheme.lower() not in URL_SCHEMES or not parts.netloc:
        raise ValueError("chỉ nhận đường dẫn bắt đầu bằng http:// hoặc https://")
    return text


def check_id(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        else:
            raise ValueError(f"{what} phải là số nguyên")
    if not 1 <= value <= ID_MAX:
        raise ValueError(f"{what} phải từ 1 đến {_vn_number(ID_MAX)}")
    return value


# what a person saw (an item's version, an organisation's version, the list a page showed) is the
# proof that they decided on the item as it stands: without it a decision could undo another's
VERSION_NEEDED = "cần phiên bản như đã xem, để không ghi đè thao tác của người khác"


def check_version(value: object, *, required: bool) -> int | None:
    """A version as the person saw it: a whole number from 1; empty counts as not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PydanticCustomError("missing", VERSION_NEEDED)
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("phải là số nguyên")
    if not 1 <= value <= ID_MAX:
        raise ValueError(f"phải từ 1 đến {_vn_number(ID_MAX)}")
    return value


def check_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"ngày không hợp lệ '{value}' (định dạng YYYY-MM-DD)")


# pydantic's own error types, in Vietnamese (our validators raise ValueError with their own text)
PYDANTIC_MESSAGES = {
    "missing": "còn thiếu",
    "extra_forbidden": "không có trường này",
    "enum": "giá trị không hợp lệ",
    "literal_error": "giá trị không hợp lệ",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "bool_type": "phải là đúng hoặc sai",
    "string_type": "phải là chuỗi ký tự",
}


class Decision(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"


class Command(BaseModel):
    """An action's inputs, validated once. ``expected_version`` is the version the person saw
    (the web pages send it back, the terminal's ``--version``, the Prefect form's "Phiên bản");
    when it no longer matches, the action is refused with "đã có người xử lý trước". Every
    action on an occurrence declares it required (``Seen``), and so does a registry edit, so no
    front door can forget it; a garbled one is refused here."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    expected_version: int | None = None

    @field_validator("expected_version", mode="before")
    @classmethod
    def _expected_version(cls, value: object, info: ValidationInfo) -> int | None:
        assert info.field_name is not None
        return check_version(value, required=cls.model_fields[info.field_name].is_required())

    @classmethod
    def parse(cls, **values: Any) -> Self:
        try:
            return cls.model_validate(values)
        except ValidationError as exc:  # what the person typed first, the version the page sent last
            errors = sorted((_field_error(e) for e in exc.errors()), key=lambda e: e.field == "expected_version")
            raise InvalidInput(errors) from None


# what a missing field means, when "còn thiếu" says too little
MISSING = {"expected_version": VERSION_NEEDED, "seen": VERSION_NEEDED}


def _field_error(error: Any) -> FieldError:
    field = str(error["loc"][0]) if error.get("loc") else ""
    if error["type"] == "value_error":
        return FieldError(field, str(error["ctx"]["error"]))
    if error["type"] == "missing":
        return FieldError(field, MISSING.get(field, PYDANTIC_MESSAGES["missing"]), missing=True)
    message = PYDANTIC_MESSAGES.get(error["type"], "giá trị không hợp lệ")
    if error["type"] == "enum":
        message += f"; chọn một trong: {error['ctx']['expected'].replace(' or ', ', ')}"
    return FieldError(field, message)


def _note(required: bool):
    def validate(cls, value: object) -> str:
        return clean_text(value, limit=NOTE_MAX, multiline=True, required=required)
    return field_validator("note", mode="before")(validate)


class OnOccurrence(Command):
    occurrence: int

    @field_validator("occurrence", mode="before")
    @classmethod
    def _occurrence(cls, value: object) -> int:
        return check_id(value, "số nhiệm vụ")


class Seen(OnOccurrence):
    """An action on an occurrence (a coordinator's decision, a unit's report, request or
    acknowledgement): the version the person saw is required."""

    expected_version: int


class SubmitReport(Seen):
    """A unit's report: results (required), difficulties, proposals, figures as typed, evidence.

    Figures stay as typed here (key → text or number): whether a key exists and whether its value
    must be whole is the duty's (``plan.unitreport``), checked by ``services.reportform``."""

    results: str
    difficulties: str = ""
    proposals: str = ""
    figures: dict[str, str | int | float] = {}
    evidence: str | None = None

    @field_validator("results", mode="before")
    @classmethod
    def _results(cls, value: object) -> str:
        return clean_text(value, limit=NOTE_MAX, multiline=True, required=True)

    @field_validator("difficulties", "proposals", mode="before")
    @classmethod
    def _optional_text(cls, value: object) -> str:
        return clean_text(value, limit=NOTE_MAX, multiline=True, required=False)

    @field_validator("figures", mode="before")
    @classmethod
    def _figures(cls, value: object) -> dict[str, str | int | float]:
        return typed_figures(value)

    @field_validator("evidence", mode="before")
    @classmethod
    def _evidence(cls, value: object) -> str | None:
        return clean_url(value)


FIGURE_TEXT_MAX = 32  # characters of one figure as typed


def typed_figures(value: object) -> dict[str, str | int | float]:
    """Figures as typed: key → stripped text or number; a figure left empty is not reported."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("phải là danh sách mã số liệu = giá trị")  # noqa: TRY004 (a field error for pydantic)
    out: dict[str, str | int | float] = {}
    for key, raw in value.items():
        key = clean_text(key, limit=CODE_MAX, multiline=False, required=True)
        if raw is None or isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise ValueError(f"số liệu '{key}' phải là một số")
        if isinstance(raw, str):
            raw = clean_text(raw, limit=FIGURE_TEXT_MAX, multiline=False, required=False)
            if not raw:
                continue
        out[key] = raw
    if len(out) > FIGURES_MAX:
        raise ValueError(f"nhiều quá {FIGURES_MAX} số liệu")
    return out


class ReviewReport(Seen):
    decision: Decision
    note: str = ""
    _note = _note(required=False)

    @model_validator(mode="after")
    def _return_needs_a_note(self) -> Self:
        if self.decision is Decision.RETURN and not self.note:
            raise InvalidInput.one("note", "trả lại báo cáo cần ghi rõ nội dung cần hoàn thiện")
        return self


class ExtendDeadline(Seen):
    to: dt.date
    note: str
    _note = _note(required=True)

    @field_validator("to", mode="before")
    @classmethod
    def _to(cls, value: object) -> dt.date:
        return check_date(value)


class Waive(Seen):
    note: str
    _note = _note(required=True)


class OpenCase(Command):
    duty: str
    unit: str
    received: dt.date
    ref: str
    kind: str | None = None

    @field_validator("duty", "unit", "kind", mode="before")
    @classmethod
    def _code(cls, value: object) -> str | None:
        return clean_text(value, limit=CODE_MAX, multiline=False, required=False) or None

    @field_validator("ref", mode="before")
    @classmethod
    def _ref(cls, value: object) -> str:
        return clean_text(value, limit=REF_MAX, multiline=False, required=True)

    @field_validator("received", mode="before")
    @classmethod
    def _received(cls, value: object) -> dt.date:
        return check_date(value)


class NoticeOutcome(StrEnum):
    DELIVERED = "delivered"  # the person checked: it did arrive
    RESEND = "resend"  # it did not arrive (or nobody can tell): send it again


class ResolveNotice(Command):
    notification: int
    outcome: NoticeOutcome
    note: str
    _note = _note(required=True)

    @field_validator("notification", mode="before")
    @classmethod
    def _notification(cls, value: object) -> int:
        return check_id(value, "số thông báo")
