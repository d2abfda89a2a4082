"""An assignment table read row by row into duties: unit, coordinating units, deadline, product.

Every row with content is accounted for: a duty (with its flags), a group heading ("I. LĨNH VỰC
KINH TẾ"), or a row set aside with the reason. Every duty gets a unit or a flag (unknown names
are listed with where they appeared and the closest known names, and proposed as new units);
every deadline a date, a rule, a window or a flag. Nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from htx_tasks.core.deadlines import DeadlineKind, Reading, read_deadline
from htx_tasks.core.unit_match import MatchKind, UnitDirectory, UnitMatch
from htx_tasks.intake.columns import LABELS, Layout
from htx_tasks.intake.errors import IntakeError, column_letter, upper_first
from htx_tasks.intake.grid import Sheet

_GROUP_REF = re.compile(r"^(?:[IVXLC]+|[A-Z])\.?$")


@dataclass
class RowDuty:
    where: str  # "trang 'X', dòng 7"
    row: int  # 1-based, as the spreadsheet shows it
    ref: str
    title: str
    group: str | None
    lead: UnitMatch | None
    other_leads: list[UnitMatch]
    coordinating: list[UnitMatch]
    deadline_text: str
    deadline: Reading | None
    product: str
    note: str
    flags: list[str] = field(default_factory=list)


@dataclass
class TableImport:
    file: str
    sheet: Sheet
    layout: Layout
    duties: list[RowDuty]
    groups: list[tuple[int, str]]  # (row, heading)
    set_aside: list[tuple[int, str]]  # (row, why)

    def unknown_units(self) -> dict[str, dict[str, Any]]:
        """Every name not in the directory: where it appeared, the closest known names, a proposed code."""
        found: dict[str, dict[str, Any]] = {}
        for duty in self.duties:
            for role, matches in (("chủ trì", [duty.lead] if duty.lead else []), ("chủ trì", duty.other_leads),
                                  ("phối hợp", duty.coordinating)):
                for match in matches:
                    if match.kind is not MatchKind.UNKNOWN:
                        continue
                    entry = found.setdefault(match.text, {
                        "name": match.text, "proposed_code": match.proposed_code, "where": [],
                        "closest": [{"code": c.code, "name": c.name, "score": c.score} for c in match.candidates]})
                    entry["where"].append(f"{duty.where} ({role})")
        return found


def _cells(sheet: Sheet, row: int, columns: list[int]) -> str:
    return "\n".join(dict.fromkeys(t for c in columns if (t := sheet.cell(row, c))))


def _is_group(sheet: Sheet, row: int, layout: Layout, ref: str, title: str) -> bool:
    others = [sheet.cell(row, c) for role in ("lead", "deadline", "coordinating") for c in layout.columns.get(role, [])]
    if any(t and t != title for t in others):
        return False
    across = any(r1 == row and c2 - c1 >= 2 for r1, c1, _, c2 in sheet.merged)
    return across or bool(_GROUP_REF.match(ref)) or (not ref and title.isupper())


def _check_formulas(sheet: Sheet, layout: Layout, rows: range) -> None:
    for role in ("title", "lead", "coordinating", "deadline", "product"):
        for column in layout.columns.get(role, []):
            cells = [(r, sheet.formulas[(r, column)]) for r in rows if (r, column) in sheet.formulas]
            if cells:
                row, formula = cells[0]
                raise IntakeError(
                    f"{upper_first(sheet.place(row, column))} ({LABELS[role]}): ô chỉ có công thức '{formula[:60]}' mà chưa có "
                    f"giá trị đã tính ({len(cells)} ô như vậy trong cột {column_letter(column)}). Hãy mở tệp bằng Excel hoặc "
                    "LibreOffice, lưu lại (để tính công thức) rồi nhập lại. Không có gì được ghi.")


def _headed(sheet: Sheet, layout: Layout, directory: UnitDirectory, year: int | None) -> Layout:
    """Columns given by --columns and no header found: the first row is the header when its unit cell names
    no known unit and its deadline cell no deadline ("Ai làm", "Khi nào")."""
    first = next((r for r, row in enumerate(sheet.rows) if any(row)), None)
    if layout.header_rows or first is None:
        return layout
    lead = _cells(sheet, first, layout.columns.get("lead", []))
    deadline = _cells(sheet, first, layout.columns.get("deadline", []))
    if lead and directory.match(lead).codes:
        return layout
    if deadline and read_deadline(deadline, year=year).kind is not DeadlineKind.UNREAD:
        return layout
    headers = {c: t for c, t in enumerate(sheet.rows[first]) if t}
    return replace(layout, header_rows=(first,), first_row=first + 1, headers=headers)


def read_rows(file: str, sheet: Sheet, layout: Layout, directory: UnitDirectory, *, year: int | None) -> TableImport:
    layout = _headed(sheet, layout, directory, year)
    rows = range(layout.first_row, len(sheet.rows))
    _check_formulas(sheet, layout, rows)
    col = layout.columns
    duties: list[RowDuty] = []
    groups: list[tuple[int, str]] = []
    set_aside: list[tuple[int, str]] = []
    group: str | None = None
    for r in rows:
        if not any(sheet.rows[r]):
            continue
        ref = _cells(sheet, r, col.get("ref", []))
        title = _cells(sheet, r, col["title"])
        if not title:
            shown = "; ".join(t for t in dict.fromkeys(sheet.rows[r]) if t)[:120]
            set_aside.append((r + 1, f"{sheet.place(r)}: có nội dung ({shown}) nhưng cột "
                                     f"'{LABELS['title']}' trống; không lập nhiệm vụ, cần người xem."))
            continue
        if _is_group(sheet, r, layout, ref, title):
            group = title
            groups.append((r + 1, title))
            continue
        duties.append(_duty(sheet, r, layout, directory, ref, title, group, year))
    if not duties:
        raise IntakeError(f"{upper_first(sheet.where or 'Bảng')}: dưới dòng tiêu đề không có dòng nhiệm vụ nào có nội dung.")
    return TableImport(file, sheet, layout, duties, groups, set_aside)


def _duty(sheet: Sheet, r: int, layout: Layout, directory: UnitDirectory, ref: str, title: str, group: str | None,
          year: int | None) -> RowDuty:
    col = layout.columns
    where = sheet.place(r)
    flags: list[str] = []
    lead_text = _cells(sheet, r, col["lead"])
    leads = directory.match_all(lead_text) if lead_text else []
    lead = leads[0] if leads else None
    if lead is None:
        flags.append(f"Cột '{LABELS['lead']}' trống: chưa có đơn vị chủ trì, cần người chọn.")
    if len(leads) > 1:
        flags.append("Ô chủ trì ghi nhiều đơn vị (" + "; ".join(m.text for m in leads)
                     + "): lấy đơn vị đầu làm chủ trì, cần người xác nhận hoặc tách dòng.")
    coordinating_text = _cells(sheet, r, col.get("coordinating", []))
    coordinating = directory.match_all(coordinating_text) if coordinating_text else []
    for match in [m for m in leads + coordinating if m.needs_review]:
        flags.append(f"Đơn vị “{match.text}”: {match.understood}")
    deadline_text = _cells(sheet, r, col.get("deadline", []))
    reading = read_deadline(deadline_text, year=year) if deadline_text else None
    if reading is None:
        flags.append("Không có thời hạn trong bảng: cơ quan thường trực định hạn để theo dõi.")
    elif reading.needs_review:
        flags.append(f"Thời hạn “{deadline_text}”: {reading.understood}")
    return RowDuty(where, r + 1, ref, title, group, lead, leads[1:], coordinating, deadline_text, reading,
                   _cells(sheet, r, col.get("product", [])), _cells(sheet, r, col.get("note", []) + col.get("person", [])),
                   flags)


def deadline_json(reading: Reading | None) -> dict[str, Any] | None:
    if reading is None:
        return None
    return {"phrase": reading.phrase, "kind": reading.kind.value, "kind_label": reading.kind.label,
            "understood": reading.understood, "confidence": reading.confidence, "needs_review": reading.needs_review,
            "plan": reading.plan_fields(), "hint": reading.hint}


def unit_json(match: UnitMatch) -> dict[str, Any]:
    return {"text": match.text, "kind": match.kind.value, "codes": list(match.codes), "group": match.group,
            "score": match.score, "understood": match.understood, "needs_review": match.needs_review,
            "proposed_code": match.proposed_code,
            "closest": [{"code": c.code, "name": c.name, "score": c.score} for c in match.candidates]}


def as_json(result: TableImport) -> dict[str, Any]:
    layout = result.layout
    return {
        "file": result.file,
        "sheet": result.sheet.name,
        "header_rows": [r + 1 for r in layout.header_rows],
        "columns": {role: [{"column": column_letter(c), "header": layout.headers.get(c, "")} for c in cols]
                    for role, cols in layout.columns.items()},
        "duties": [{
            "source": {"sheet": result.sheet.name, "row": d.row, "where": d.where}, "ref": d.ref, "title": d.title,
            "group": d.group, "unit": unit_json(d.lead) if d.lead else None,
            "other_leads": [unit_json(m) for m in d.other_leads],
            "coordinating": [unit_json(m) for m in d.coordinating],
            "deadline": deadline_json(d.deadline), "deadline_source": "plan" if d.deadline else None,
            "product": d.product or None, "note": d.note or None, "flags": d.flags,
        } for d in result.duties],
        "groups": [{"row": row, "title": title} for row, title in result.groups],
        "set_aside": [{"row": row, "why": why} for row, why in result.set_aside],
        "unknown_units": list(result.unknown_units().values()),
        "summary": {
            "duties": len(result.duties),
            "flagged": sum(bool(d.flags) for d in result.duties),
            "units_known": sum(bool(d.lead and d.lead.codes) for d in result.duties),
            "deadlines_read": sum(bool(d.deadline and d.deadline.kind is not DeadlineKind.UNREAD) for d in result.duties),
        },
    }


