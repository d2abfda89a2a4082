"""Spreadsheet rows ↔ ``Coop`` versions: every cell checked, every problem named in Vietnamese.

``parse_rows`` never stops at the first problem: it reports each row and column that is wrong,
so a clerk fixes the whole file in one go. ``format_coop`` writes the same columns back
(choices as their Vietnamese labels, units by name), and ``parse_rows`` reads them again to the
same values: a round trip changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from htx_tasks.core.coops import BY_HEADER, FIELDS, Coop, FieldSpec, Type, allowed, choice_of, fold, months_between
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import UnitKind
from htx_tasks.registry.config import RegistryConfig
from htx_tasks.registry.files import FileProblem, RawRow

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TRUE = {"có", "co", "x", "true", "1", "yes"}
FALSE = {"không", "khong", "false", "0", "no", ""}
PLACE_KINDS = (UnitKind.WARD, UnitKind.COMMUNE)


class CellError(ValueError):
    pass


@dataclass(frozen=True)
class Units:
    """Plan units by code or name, for the two unit columns."""

    plan: Plan

    def find(self, text: str, *, places: bool) -> str:
        key = fold(text)
        for unit in self.plan.source.units:
            names = {fold(unit.code), fold(unit.name), fold(_place_name(unit.name))}
            if unit.short_name:
                names.add(fold(unit.short_name))
            if key in names:
                if places and unit.kind not in PLACE_KINDS:
                    raise CellError(f"'{unit.name}' không phải xã, phường")
                if not places and unit.kind in (*PLACE_KINDS, UnitKind.GROUP):
                    raise CellError(f"'{unit.name}' không phải phòng, ban chuyên môn")
                return unit.code
        kind = "xã, phường" if places else "đơn vị"
        raise CellError(f"không có {kind} này trong kế hoạch (dùng mã hoặc tên, ví dụ "
                        + ("'phường Ba Ngòi')" if places else "'Phòng Kinh tế')"))

    def label(self, code: str, *, places: bool) -> str:
        name = self.plan.unit_name(code)
        return _place_name(name) if places else name


def _place_name(name: str) -> str:
    """'UBND phường Ba Ngòi' → 'phường Ba Ngòi'."""
    return name.removeprefix("UBND ").removeprefix("Ủy ban nhân dân ")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("cần một số nguyên")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError("cần một số nguyên")
        number = int(value)
    else:
        text = re.sub(r"\s", "", str(value))
        if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):  # 1.500 or 1,500 as thousands
            text = re.sub(r"[.,]", "", text)
        if not re.fullmatch(r"-?\d+", text):
            raise CellError("cần một số nguyên")
        number = int(text)
    if number < 0:
        raise CellError("không được âm")
    return number


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError("ngày không hợp lệ (dùng dd/mm/yyyy, ví dụ 31/12/2025)")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = fold(_text(value))
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise CellError("chỉ nhận 'Có' hoặc 'Không'")


def _cell(spec: FieldSpec, value: Any, units: Units) -> Any:
    if spec.type is Type.BOOL:
        return _bool(value)
    if _text(value) == "":
        if spec.required:
            raise CellError("thiếu giá trị bắt buộc")
        return None
    if spec.type is Type.TEXT:
        text = _text(value)
        if spec.name == "code" and not CODE.match(text):
            raise CellError("mã chỉ gồm chữ không dấu, số, '.', '-', '_' (tối đa 64 ký tự)")
        return text
    if spec.type is Type.INT:
        return _int(value)
    if spec.type is Type.DATE:
        return _date(value)
    if spec.type is Type.CHOICE:
        code = choice_of(spec, _text(value))
        if code is None:
            raise CellError(f"giá trị không hợp lệ; chỉ nhận: {allowed(spec)}")
        return code
    return units.find(_text(value), places=spec.name == "ward")


def check_header(header: list[str], sheet: str) -> list[FileProblem]:
    problems = []
    for name in header:
        if name and name not in BY_HEADER:
            problems.append(FileProblem(sheet, 1, name, None, "cột không có trong mẫu sổ theo dõi"))
    for spec in FIELDS:
        if spec.required and spec.header not in header:
            problems.append(FileProblem(sheet, 1, spec.header, None, "thiếu cột bắt buộc"))
    return problems


def parse_rows(rows: list[RawRow], plan: Plan, config: RegistryConfig) -> tuple[list[Coop], list[FileProblem]]:
    """Each raw row as a ``Coop`` version, and every problem found (cell, row and file level)."""
    units = Units(plan)
    coops: list[Coop] = []
    problems: list[FileProblem] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for raw in rows:
        values: dict[str, Any] = {}
        bad: list[FileProblem] = []
        for spec in FIELDS:
            cell = raw.cells.get(spec.header)
            try:
                values[spec.name] = _cell(spec, cell, units)
            except CellError as exc:
                bad.append(FileProblem(raw.sheet, raw.row, spec.header, _text(cell), str(exc)))
        if not bad:
            bad = _row_rules(values, raw)
        if bad:
            problems += bad
            continue
        if values["follow_unit"] is None:
            values["follow_unit"] = config.follow_unit(values["sector"])
        coop = Coop(**values, extra={"sheet": raw.sheet, "row": raw.row})
        key = (coop.code, coop.valid_from)
        if key in seen:
            problems.append(FileProblem(raw.sheet, raw.row, BY_NAME_HEADER["valid_from"], coop.valid_from.strftime("%d/%m/%Y"),
                                        f"mã '{coop.code}' đã có dòng cùng ngày hiệu lực (dòng {seen[key]})"))
            continue
        seen[key] = raw.row
        coops.append(coop)
    return coops, problems


BY_NAME_HEADER = {f.name: f.header for f in FIELDS}


def _row_rules(v: dict[str, Any], raw: RawRow) -> list[FileProblem]:
    """Rules between cells of one row."""
    out = []

    def bad(name: str, reason: str) -> None:
        header = BY_NAME_HEADER[name]
        out.append(FileProblem(raw.sheet, raw.row, header, _text(raw.cells.get(header)), reason))

    if v["valid_from"] < v["founded_on"]:
        bad("valid_from", f"ngày hiệu lực trước ngày thành lập ({v['founded_on']:%d/%m/%Y})")
    if v["rating"] and v["rating_year"] is None:
        bad("rating_year", "có xếp loại thì phải ghi năm xếp loại")
    if v["rating_year"] is not None and not v["rating"]:
        bad("rating", "có năm xếp loại nhưng chưa ghi xếp loại")
    if v["rating"] and v["rating_year"] is not None:
        if v["rating_year"] > v["valid_from"].year:
            bad("rating_year", f"năm xếp loại sau năm của ngày hiệu lực ({v['valid_from']:%d/%m/%Y})")
        elif months_between(v["founded_on"], v["valid_from"]) < 12:
            bad("rating", "tổ chức chưa đủ 12 tháng kể từ ngày thành lập "
                          f"({v['founded_on']:%d/%m/%Y}) thì chưa xếp loại")
    if v["tech"] and not v["tech_note"]:
        bad("tech_note", "có ứng dụng công nghệ cao, chuyển đổi số thì ghi rõ cách ứng dụng")
    if v["ecommerce_products"] is not None:
        if v["key_product_count"] is None:
            bad("key_product_count", "cần số sản phẩm chủ lực khi ghi số sản phẩm bán qua thương mại điện tử")
        elif v["ecommerce_products"] > v["key_product_count"]:
            bad("ecommerce_products", f"lớn hơn số sản phẩm chủ lực ({v['key_product_count']})")
    return out


def format_coop(coop: Coop, plan: Plan) -> list[Any]:
    """The cells of one version, in ``FIELDS`` order, as a clerk would type them."""
    units = Units(plan)
    cells: list[Any] = []
    for spec in FIELDS:
        value = getattr(coop, spec.name)
        if spec.type is Type.CHOICE and spec.choices is not None and value is not None:
            value = spec.choices.of(value).label
        elif spec.type is Type.UNIT:
            value = units.label(value, places=spec.name == "ward")
        elif spec.type is Type.BOOL:
            value = "Có" if value else "Không"
        cells.append(value)
    return cells
