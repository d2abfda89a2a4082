"""The registry's fields: names in code, Vietnamese column headers, types and allowed values.

One table of fields drives the import (parsing, messages), the export (same columns back) and
the check of indicator filters in ``config/plan.yaml`` (a filter may only name a field here and
only values it allows). Pure: no I/O.
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from dataclasses import fields as dc_fields
from enum import StrEnum
from typing import Self


class Labelled(StrEnum):
    """A code with its Vietnamese label (``.label``)."""

    label: str

    def __new__(cls, value: str, label: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def of(cls, code: str) -> Self:
        """The member whose code is ``code`` (ValueError when none): what ``cls(code)`` does at run time,
        spelt so that a type checker does not take it for a call of the two-argument ``__new__`` above."""
        for member in cls:
            if member.value == code:
                return member
        raise ValueError(f"{code!r} is not a valid {cls.__name__}")


class OrgKind(Labelled):
    COOPERATIVE = "hop-tac-xa", "Hợp tác xã"
    UNION = "lien-hiep-htx", "Liên hiệp hợp tác xã"
    GROUP = "to-hop-tac", "Tổ hợp tác"


class Status(Labelled):
    ACTIVE = "dang-hoat-dong", "Đang hoạt động"
    STOPPED = "ngung-hoat-dong", "Ngừng hoạt động"
    AWAITING_DISSOLUTION = "cho-giai-the", "Chờ giải thể"
    DISSOLVED = "da-giai-the", "Đã giải thể"


class Rating(Labelled):
    GOOD = "tot", "Tốt"
    FAIR = "kha", "Khá"
    AVERAGE = "trung-binh", "Trung bình"
    WEAK = "yeu", "Yếu"


class Sector(Labelled):
    AGRICULTURE = "nong-nghiep", "Nông nghiệp"
    SALT = "diem-nghiep", "Diêm nghiệp"
    HANDICRAFT = "tieu-thu-cong-nghiep", "Tiểu thủ công nghiệp"
    INDUSTRY = "cong-nghiep", "Công nghiệp"
    TRADE = "thuong-mai", "Thương mại"
    TRANSPORT = "giao-thong-van-tai", "Giao thông vận tải"
    CONSTRUCTION = "xay-dung", "Xây dựng"
    FISHERIES = "thuy-san", "Thủy sản"
    SERVICES = "dich-vu", "Dịch vụ"
    OTHER = "khac", "Khác"


class Type(StrEnum):
    TEXT = "text"
    INT = "int"
    DATE = "date"
    BOOL = "bool"
    CHOICE = "choice"
    UNIT = "unit"  # a unit code of the plan (accepted by code or name)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    header: str
    type: Type
    required: bool = False
    choices: builtins.type[Labelled] | None = None  # `type` is a field name here
    help: str = ""


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("code", "Mã", Type.TEXT, True, help="mã duy nhất của tổ chức, ví dụ HTX-001"),
    FieldSpec("name", "Tên tổ chức", Type.TEXT, True),
    FieldSpec("kind", "Loại hình", Type.CHOICE, True, OrgKind),
    FieldSpec("ward", "Xã, phường", Type.UNIT, True, help="xã, phường nơi tổ chức đặt trụ sở"),
    FieldSpec("sector", "Lĩnh vực", Type.CHOICE, True, Sector),
    FieldSpec("follow_unit", "Đơn vị theo dõi", Type.UNIT,
              help="phòng chuyên môn theo dõi; để trống: theo lĩnh vực (config/registry.yaml)"),
    FieldSpec("status", "Tình trạng", Type.CHOICE, True, Status),
    FieldSpec("founded_on", "Ngày thành lập", Type.DATE, True),
    FieldSpec("members", "Số thành viên", Type.INT),
    FieldSpec("charter_capital", "Vốn điều lệ (triệu đồng)", Type.INT),
    FieldSpec("rating", "Xếp loại", Type.CHOICE, False, Rating,
              help="không xếp loại trong 12 tháng đầu kể từ ngày thành lập"),
    FieldSpec("rating_year", "Năm xếp loại", Type.INT),
    FieldSpec("tech", "Ứng dụng công nghệ cao, chuyển đổi số", Type.BOOL),
    FieldSpec("tech_note", "Cách ứng dụng", Type.TEXT),
    FieldSpec("key_products", "Sản phẩm chủ lực", Type.TEXT, help="các sản phẩm cách nhau bởi dấu ;"),
    FieldSpec("key_product_count", "Số sản phẩm chủ lực", Type.INT),
    FieldSpec("ecommerce_products", "Số sản phẩm chủ lực bán qua thương mại điện tử", Type.INT),
    FieldSpec("brand", "Nhãn hiệu đã đăng ký", Type.TEXT),
    FieldSpec("note", "Ghi chú", Type.TEXT),
    FieldSpec("valid_from", "Ngày hiệu lực", Type.DATE, True,
              help="ngày thông tin của dòng này bắt đầu đúng"),
    FieldSpec("synthetic", "Dữ liệu minh họa", Type.BOOL, help="Có: dữ liệu tạo ra để minh họa, không có thật"),
)
BY_NAME = {f.name: f for f in FIELDS}
BY_HEADER = {f.header: f for f in FIELDS}

# Computed for each snapshot, usable in indicator filters.
DERIVED: dict[str, str] = {"age_months": "số tháng tròn từ ngày thành lập đến ngày xét"}
NUMERIC = {f.name for f in FIELDS if f.type is Type.INT} | set(DERIVED)


@dataclass(frozen=True)
class Coop:
    """One version of one organisation: what was true from ``valid_from``."""

    code: str
    name: str
    kind: str
    ward: str
    sector: str
    follow_unit: str
    status: str
    founded_on: dt.date
    valid_from: dt.date
    members: int | None = None
    charter_capital: int | None = None
    rating: str | None = None
    rating_year: int | None = None
    tech: bool = False
    tech_note: str | None = None
    key_products: str | None = None
    key_product_count: int | None = None
    ecommerce_products: int | None = None
    brand: str | None = None
    note: str | None = None
    synthetic: bool = False
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    def same_facts(self, other: Coop) -> bool:
        """The same information, whatever the date it took effect."""
        return all(getattr(self, n) == getattr(other, n) for n in ATTRIBUTES if n != "valid_from")

    def value(self, name: str, on: dt.date) -> object:
        if name == "age_months":
            return months_between(self.founded_on, on)
        return getattr(self, name)


ATTRIBUTES = tuple(f.name for f in dc_fields(Coop) if f.name != "extra")
assert set(ATTRIBUTES) == set(BY_NAME), "Coop and FIELDS must list the same fields"


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def fold(text: str) -> str:
    """A comparison key: NFC, case-folded, single spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).strip()).casefold()


def choice_of(spec: FieldSpec, text: str) -> str | None:
    """The code for ``text`` given as a code or as its label; None if it is neither."""
    assert spec.choices is not None
    key = fold(text)
    for member in spec.choices:
        if key in (member.value, fold(member.label)):
            return member.value
    return None


def allowed(spec: FieldSpec) -> str:
    """The allowed values of a choice field, for messages."""
    assert spec.choices is not None
    return ", ".join(m.label for m in spec.choices)
