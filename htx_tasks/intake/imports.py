"""``plan import``: a table file read into a draft plan (rows → duties), and its draft YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from htx_tasks.core.deadlines import DeadlineKind
from htx_tasks.core.unit_match import DirectoryUnit, MatchKind, UnitDirectory, UnitMatch
from htx_tasks.core.vntext import slug
from htx_tasks.intake import grid
from htx_tasks.intake.columns import find_layout, parse_columns
from htx_tasks.intake.drafts import Draft, Entry, proposed_unit, unique_code, unit_entries
from htx_tasks.intake.errors import IntakeError, Limits, column_letter
from htx_tasks.intake.files import load
from htx_tasks.intake.table import TableImport, read_rows


def import_table(path: Path, directory: UnitDirectory, limits: Limits, *, sheet: str | None = None,
                 columns: str | None = None, year: int | None = None) -> TableImport:
    """Read the table in ``path``: the named sheet, else the first sheet or table with a header."""
    given = parse_columns(columns)
    loaded = load(path, limits, ("xlsx", "csv", "docx"))
    if loaded.kind == "csv":
        sheets = grid.read_csv(loaded, limits)
    elif loaded.kind == "xlsx":
        sheets = grid.read_xlsx(loaded, limits, sheet)
    else:
        sheets = grid.read_docx_tables(loaded, limits)
        if sheet is not None:
            sheets = [s for s in sheets if s.name.lower() == sheet.lower() or s.name.split()[-1] == sheet]
            if not sheets:
                raise IntakeError(f"Tệp '{loaded.name}' không có bảng '{sheet}' (ghi --sheet 2 cho bảng thứ hai).")
    problems: list[str] = []
    for candidate in sheets:
        if not any(any(row) for row in candidate.rows):
            continue
        try:
            layout = find_layout(candidate, given)
        except IntakeError as exc:
            if len(sheets) == 1 or sheet is not None:
                raise IntakeError(f"Tệp '{loaded.name}': {exc}") from None
            problems.append(str(exc))
            continue
        return read_rows(loaded.name, candidate, layout, directory, year=year)
    raise IntakeError(f"Tệp '{loaded.name}': không trang/bảng nào có dòng tiêu đề đọc được. " + " ".join(problems))


def _unit_value(match: UnitMatch | None) -> str | None:
    if match is None:
        return None
    if match.group:
        return match.group
    if len(match.codes) == 1:
        return match.codes[0]
    if match.kind is MatchKind.UNKNOWN:
        return match.proposed_code
    return None


def draft_of(result: TableImport, directory: dict[str, DirectoryUnit], policy: dict[str, Any] | None) -> Draft:
    sheet_label = f", {result.sheet.where}" if result.sheet.where else ""
    draft = Draft(source=f"{result.file}{sheet_label}", policy=policy)
    layout = result.layout
    header_at = f"dòng tiêu đề {', '.join(str(r + 1) for r in layout.header_rows)}" if layout.header_rows else "--columns"
    draft.plan.add("code", unique_code(Path(result.file).stem, set()), f"mã đề xuất từ tên tệp {result.file}")
    draft.plan.add("timezone", "Asia/Ho_Chi_Minh", "giờ Việt Nam (mọi kế hoạch)")
    draft.plan.add("status", "draft", "bản nháp: chưa theo dõi, chưa gửi gì cho đến khi cơ quan thường trực kích hoạt "
                                      "(htx-tasks plan activate)")
    if layout.title_rows:
        draft.plan.add("title", " ".join(layout.title_rows)[:400], "dòng chữ phía trên " + header_at)
    draft.unread.append("Thông tin chung của kế hoạch (cơ quan ban hành, số, ngày, người ký, nơi nhận, căn cứ): bảng "
                        "không ghi; cần bổ sung ở mục plan.")
    unknown = result.unknown_units()
    taken = set(directory)
    proposed: dict[str, str] = {}
    for text, info in unknown.items():
        new = unique_code(info["proposed_code"] or text, taken)
        proposed[text] = new
        closest = [f"{c['name']} ({c['score']:g})" for c in info["closest"] if c["score"] >= 50]
        draft.units.append(proposed_unit(new, text, info["where"], closest))
        draft.unread.append(f"Đơn vị “{text}” chưa có trong danh bạ (ở {info['where'][0]}): đề xuất thêm mã {new}.")
    known: list[str] = []
    codes_taken: set[str] = set()
    for number, duty in enumerate(result.duties, start=1):
        entry = Entry(heading=f"{duty.where}" + (f" — nhóm “{duty.group}”" if duty.group else ""))
        entry.add("code", unique_code(f"d{duty.row}-{slug(duty.title)[:30]}", codes_taken), f"mã lập từ dòng {duty.row}")
        entry.add("ref", f"III.{number}", f"dòng {duty.row}" + (f", STT “{duty.ref}”" if duty.ref else ""))
        title_col = column_letter(layout.columns["title"][0])
        entry.add("title", duty.title, f"{duty.where}, cột {title_col}")
        lead = _unit_value(duty.lead)
        if duty.lead and duty.lead.kind is MatchKind.UNKNOWN:
            lead = proposed.get(duty.lead.text, lead)
        lead_col = column_letter(layout.columns["lead"][0])
        if lead:
            entry.add("unit", lead, f"cột {lead_col}: “{duty.lead.text if duty.lead else ''}” — "
                                    f"{duty.lead.understood if duty.lead else ''}")
            if lead in directory:
                known.append(lead)
        else:
            draft.unread.append(f"{duty.where}: chưa xác định đơn vị chủ trì"
                                + (f" (“{duty.lead.text}”: {duty.lead.understood})" if duty.lead else "") + ".")
        coordinating: list[str] = []
        for match in duty.coordinating:
            code = proposed.get(match.text) if match.kind is MatchKind.UNKNOWN else _unit_value(match)
            if code:
                coordinating.append(code)
                known += [code] if code in directory else []
            elif match.codes:  # a collective without a group of its own: every member
                coordinating += list(match.codes)
                known += list(match.codes)
        entry.add("coordinating", list(dict.fromkeys(coordinating)), "cột phối hợp" if coordinating else "")
        entry.add("deliverable", duty.product, "cột sản phẩm")
        if not duty.product:
            draft.unread.append(f"{duty.where}: bảng không ghi sản phẩm (deliverable).")
        _deadline(entry, duty, draft)
        entry.review = _review(result.file, duty, lead, directory)
        draft.duties.append(entry)
    draft.units = unit_entries(known, directory, {}) + draft.units
    return draft


def _review(file: str, duty: Any, lead: str | None, directory: dict[str, DirectoryUnit]) -> dict[str, Any]:
    reading = duty.deadline
    return {
        "source": f"{file}, {duty.where}", "unit_text": duty.lead.text if duty.lead else "",
        "unit_note": duty.lead.understood if duty.lead else "Bảng không ghi đơn vị chủ trì.",
        "unit_sure": bool(lead and lead in directory and duty.lead and not duty.lead.needs_review),
        "deadline_phrase": duty.deadline_text or "",
        "deadline_note": (f"{reading.understood} (độ tin cậy {reading.confidence:g})" if reading
                          else "Bảng không ghi thời hạn."),
        "flags": list(duty.flags),
    }


def _deadline(entry: Entry, duty: Any, draft: Draft) -> None:
    reading = duty.deadline
    if reading is None:
        entry.add("deadline_source", "coordinator", "bảng không ghi thời hạn: cơ quan thường trực định hạn để theo dõi")
        draft.unread.append(f"{duty.where}: không có thời hạn; cần chọn chu kỳ hoặc hạn (recurrence).")
        return
    fields = reading.plan_fields()
    source = f"ô thời hạn “{reading.phrase}”"
    if "recurrence" in fields:
        entry.add("deadline_source", "plan", source)
    else:
        entry.add("deadline_source", "coordinator", f"{source}: không phải một hạn ({reading.kind.label.lower()})")
    if "active" in fields:
        entry.add("active", fields["active"], f"{source}: {reading.understood}")
    if "recurrence" in fields:
        entry.add("recurrence", {**fields["recurrence"], "why": f"Bảng ghi: “{reading.phrase}”"},
                  f"{reading.understood} (độ tin cậy {reading.confidence:g})")
    if reading.needs_review or reading.kind in (DeadlineKind.UNREAD, DeadlineKind.CONTINUOUS, DeadlineKind.WINDOW):
        draft.unread.append(f"{duty.where}: thời hạn “{reading.phrase}” — {reading.understood}")
