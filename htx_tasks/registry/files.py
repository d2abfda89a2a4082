"""CSV and Excel files of the registry: cells in, cells out; the format comes from the extension.

Reading gives raw rows (sheet, row number, header → cell value) for ``rows.parse_rows`` to
check; writing takes rows of cells already formatted by ``rows.format_coop``. CSV is written
as UTF-8 with a byte-order mark so that Excel opens the Vietnamese text correctly. Text that a
spreadsheet would run as a formula is written inert (``core.cells``) and read back as typed.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from htx_tasks.core.cells import append_row, from_csv, to_csv
from htx_tasks.core.coops import FIELDS, Type, allowed
from htx_tasks.core.refusals import BadInput

DATA_SHEET = "Danh sách tổ chức"
HELP_SHEET = "Hướng dẫn"
SYNTHETIC_BANNER = "DỮ LIỆU MINH HỌA (tạo ngẫu nhiên, không phải số liệu thật)"
FORMATS = (".csv", ".xlsx")


@dataclass(frozen=True)
class RawRow:
    sheet: str
    row: int  # as the spreadsheet numbers it (the header is row 1)
    cells: dict[str, Any]


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong in a file, said where a clerk can find it."""

    sheet: str
    row: int
    column: str
    value: Any
    reason: str

    def __str__(self) -> str:
        where = f"trang '{self.sheet}', dòng {self.row}" if self.row else f"trang '{self.sheet}'"
        column = f", cột '{self.column}'" if self.column else ""
        value = "" if self.value in (None, "") else f" (giá trị '{self.value}')"
        return f"{where}{column}{value}: {self.reason}"

    def as_json(self) -> dict:
        value = self.value.isoformat() if isinstance(self.value, dt.date) else self.value
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": value,
                "reason": self.reason}


class FileRefused(Exception):
    """The file was not taken: nothing in the registry changed."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} lỗi")


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise BadInput(f"{path.name}: chỉ nhận tệp .csv hoặc .xlsx (định dạng theo phần mở rộng)")
    return suffix


def read_rows(path: Path) -> tuple[list[str], list[RawRow]]:
    """The header row and the data rows of ``path`` (blank rows skipped)."""
    if not path.is_file():
        raise BadInput(f"không tìm thấy tệp '{path}'")
    if file_format(path) == ".csv":
        return _read_csv(path)
    return _read_xlsx(path)


def _read_csv(path: Path) -> tuple[list[str], list[RawRow]]:
    sheet = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused([FileProblem(sheet, 0, "", None, "tệp CSV phải mã hóa UTF-8")]) from None
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            extra = values[len(header):]
            if any(v.strip() for v in extra):
                raise FileRefused([FileProblem(sheet, number, "", extra[0],
                                               "dòng có nhiều ô hơn số cột của dòng tiêu đề")])
        rows.append(RawRow(sheet, number, dict(zip(header, map(from_csv, values), strict=False))))
    return header, rows


def _read_xlsx(path: Path) -> tuple[list[str], list[RawRow]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises several kinds for a damaged or foreign file
        raise FileRefused([FileProblem(path.name, 0, "", None, f"không đọc được tệp Excel ({exc})")]) from None
    try:
        sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = ["" if h is None else str(h).strip() for h in next(values, ())]
        while header and not header[-1]:
            header.pop()
        rows = []
        for number, cells in enumerate(values, start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            rows.append(RawRow(sheet.title, number, dict(zip(header, cells, strict=False))))
        return header, rows
    finally:
        book.close()


def write_rows(path: Path, rows: list[list[Any]], *, synthetic: bool) -> None:
    """Write the header and ``rows`` (cells in ``FIELDS`` order) to ``path``."""
    headers = [f.header for f in FIELDS]
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_format(path) == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            writer.writerows([to_csv(_csv_cell(v)) for v in row] for row in rows)
        return
    _write_xlsx(path, headers, rows, synthetic=synthetic)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else value


def _write_xlsx(path: Path, headers: list[str], rows: list[list[Any]], *, synthetic: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    for index, spec in enumerate(FIELDS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(spec.header) + 2))
        if spec.type is Type.DATE:
            for cell in sheet[letter][1:]:
                cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "B2"
    guide = book.create_sheet(HELP_SHEET)
    if synthetic:
        guide.append([SYNTHETIC_BANNER])
        guide["A1"].font = Font(bold=True, color="C00000")
        guide["A1"].fill = PatternFill("solid", fgColor="FFF2CC")
    guide.append(["Cột", "Bắt buộc", "Kiểu", "Giá trị hợp lệ / ghi chú"])
    kinds = {Type.TEXT: "văn bản", Type.INT: "số nguyên", Type.DATE: "ngày (dd/mm/yyyy)",
             Type.BOOL: "Có / Không", Type.CHOICE: "một trong danh sách", Type.UNIT: "mã hoặc tên đơn vị"}
    for spec in FIELDS:
        note = allowed(spec) if spec.choices else spec.help
        guide.append([spec.header, "có" if spec.required else "", kinds[spec.type], note])
    guide.column_dimensions["A"].width = 45
    guide.column_dimensions["D"].width = 80
    book.save(path)
