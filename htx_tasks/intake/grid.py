"""Tables read from .xlsx, .csv and .docx into one shape: rows of cell texts, merged cells filled.

A merged cell's text is copied into every cell it covers (a lead unit merged down over three
rows leads all three); the merged ranges are kept so a header can be read across them. A cell
holding a formula whose value was never computed (a file written by a program, not saved by
Excel) is listed, never read as empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from htx_tasks.intake.errors import IntakeError, Limits, column_letter
from htx_tasks.intake.files import Loaded, decode_text

Range = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based, inclusive)


@dataclass
class Sheet:
    name: str  # a sheet's name, "Bảng 2" for a .docx table, "" for a CSV
    where: str  # "trang 'Tổng hợp'", "bảng 2", "" : how a message names it
    rows: list[list[str]]
    merged: list[Range] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) → formula without a value

    def cell(self, row: int, column: int) -> str:
        line = self.rows[row] if row < len(self.rows) else []
        return line[column] if column < len(line) else ""

    def place(self, row: int, column: int | None = None) -> str:
        """``trang 'X', dòng 7, cột C``: how a person finds a cell."""
        parts = [self.where] if self.where else []
        parts.append(f"dòng {row + 1}")
        if column is not None:
            parts.append(f"cột {column_letter(column)}")
        return ", ".join(parts)


def text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y}" if value.time() == dt.time() else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").strip()


def _fill(rows: list[list[str]], merged: list[Range]) -> None:
    for r1, c1, r2, c2 in merged:
        value = rows[r1][c1] if r1 < len(rows) and c1 < len(rows[r1]) else ""
        for r in range(r1, min(r2, len(rows) - 1) + 1):
            line = rows[r]
            line.extend([""] * (c2 + 1 - len(line)))
            for c in range(c1, c2 + 1):
                line[c] = value


def _too_many(where: str, name: str, limits: Limits) -> IntakeError:
    return IntakeError(f"Tệp '{name}', {where}: có hơn {limits.max_rows:,} dòng".replace(",", ".")
                       + f" (giới hạn HTX_INTAKE_MAX_ROWS = {limits.max_rows}). Hãy tách tệp hoặc nâng giới hạn. "
                       "Không có gì được ghi.")


def read_csv(loaded: Loaded, limits: Limits) -> list[Sheet]:
    text = decode_text(loaded)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    try:
        for line in csv.reader(io.StringIO(text, newline=""), dialect):
            rows.append([cell.strip() for cell in line])
            if len(rows) > limits.max_rows:
                raise _too_many("bảng CSV", loaded.name, limits)
    except csv.Error as exc:
        raise IntakeError(f"Tệp '{loaded.name}', dòng {len(rows) + 1}: không đọc được dạng CSV ({exc}).") from None
    return [Sheet("", "", rows)]


def read_xlsx(loaded: Loaded, limits: Limits, sheet: str | None = None) -> list[Sheet]:
    import openpyxl  # a reader of files: loaded only by the commands that read them

    def book(**options: bool) -> openpyxl.Workbook:
        try:
            return openpyxl.load_workbook(io.BytesIO(loaded.data), **options)
        except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
            raise IntakeError(f"Tệp '{loaded.name}' là bảng tính hỏng, không mở được ({type(exc).__name__}). "
                              "Hãy mở bằng Excel/LibreOffice, lưu lại rồi nhập lại.") from None

    streamed = book(read_only=True, data_only=True)
    names = streamed.sheetnames
    if sheet is not None and sheet not in names:
        raise IntakeError(f"Tệp '{loaded.name}' không có trang '{sheet}'; các trang: "
                          + ", ".join(f"'{n}'" for n in names) + ".")
    chosen = [sheet] if sheet is not None else names
    for name in chosen:  # counted streaming, before any sheet is loaded whole
        for count, _ in enumerate(streamed[name].iter_rows(values_only=True), start=1):
            if count > limits.max_rows:
                raise _too_many(f"trang '{name}'", loaded.name, limits)
    streamed.close()
    values, formulas = book(data_only=True), book(data_only=False)
    sheets = []
    for name in chosen:
        ws, wf = values[name], formulas[name]
        rows = [[text_of(v) for v in line] for line in ws.iter_rows(values_only=True)]
        missing: dict[tuple[int, int], str] = {}
        for r, line in enumerate(wf.iter_rows(values_only=True)):
            for c, raw in enumerate(line):
                if isinstance(raw, str) and raw.startswith("=") and not (r < len(rows) and c < len(rows[r]) and rows[r][c]):
                    missing[(r, c)] = raw
        merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        _fill(rows, merged)
        sheets.append(Sheet(name, f"trang '{name}'", rows, merged, missing))
    return sheets


def read_docx_tables(loaded: Loaded, limits: Limits) -> list[Sheet]:
    from docx import Document  # a reader of files: loaded only by the commands that read them

    try:
        document = Document(io.BytesIO(loaded.data))
    except Exception as exc:  # python-docx raises many kinds on a damaged document
        raise IntakeError(f"Tệp '{loaded.name}' là văn bản Word hỏng, không mở được ({type(exc).__name__}).") from None
    sheets = []
    for number, table in enumerate(document.tables, start=1):
        if len(table.rows) > limits.max_rows:
            raise _too_many(f"bảng {number}", loaded.name, limits)
        rows: list[list[str]] = []
        merged: list[Range] = []
        seen: dict[int, tuple[int, int]] = {}  # a cell element → where it was first seen
        alive = []  # the elements whose ids are in ``seen``: kept so an id is never reused
        for r, row in enumerate(table.rows):
            line = []
            for c, cell in enumerate(row.cells):
                key = id(cell._tc)
                alive.append(cell._tc)
                if key in seen:  # a merged cell repeats across the columns and rows it covers
                    r1, c1 = seen[key]
                    merged = [m for m in merged if (m[0], m[1]) != (r1, c1)] + [
                        (r1, c1, max(r, next((m[2] for m in merged if (m[0], m[1]) == (r1, c1)), r1)),
                         max(c, next((m[3] for m in merged if (m[0], m[1]) == (r1, c1)), c1)))]
                else:
                    seen[key] = (r, c)
                line.append(cell.text.strip())
            rows.append(line)
        sheets.append(Sheet(f"Bảng {number}", f"bảng {number}", rows, merged))
    if not sheets:
        raise IntakeError(f"Tệp '{loaded.name}' không có bảng nào. Để lập kế hoạch nháp từ lời văn bản, dùng "
                          "'htx-tasks plan draft'.")
    return sheets
