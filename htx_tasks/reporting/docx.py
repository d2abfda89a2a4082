"""The consolidated report as a Word document: the frame (``docx_parts``) around the draft's parts,
the tracking table, the indicators table and their charts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm

from htx_tasks.reporting import docx_parts as f
from htx_tasks.reporting import draft as d
from htx_tasks.reporting.tables import Table

LEFT = WD_ALIGN_PARAGRAPH.LEFT


@dataclass
class Sheet:
    """Everything the Word document prints, gathered by the service from the stored draft."""

    head: f.Head
    subject: str  # the summary under "BÁO CÁO"
    intro: str
    notice: str | None
    parts: list[d.Merged]
    tracking: Table
    indicators: Table
    charts: list[Path] = field(default_factory=list)


def table(document, data: Table) -> None:
    f.para(document, data.title, 13, bold=True, align=LEFT)
    grid = document.add_table(rows=1, cols=len(data.header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    count = len(data.header)
    first = 16.5 * (0.3 if count > 3 else 1 / count)
    f.widths(grid, [first] + [(16.5 - first) / (count - 1)] * (count - 1))
    size = 11 if count <= 7 else 9
    header = OxmlElement("w:tblHeader")  # the header row again on each page the table runs onto
    header.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(header)
    for cell, name in zip(grid.rows[0].cells, data.header, strict=True):
        f.font(cell.paragraphs[0].add_run(name), size, bold=True)
    for row in data.rows or [["Không có", *[""] * (count - 1)]]:
        added = grid.add_row()
        added._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row never splits across pages
        for cell, value in zip(added.cells, row, strict=True):
            f.font(cell.paragraphs[0].add_run("" if value is None else str(value)), size)
    f.para(document, "", 6, space_after=0)


def _text(document, text: str, *, italic: bool = False) -> None:
    for line in (text.strip() or f.BLANK).splitlines():
        if line.strip():
            f.para(document, line.strip(), italic=italic, indent=True)


def _parts(document, sheet: Sheet, section: str) -> None:
    shown: list[str] = []
    for merged in (m for m in sheet.parts if m.part.section == section):
        part = merged.part
        lines = part.heading.splitlines()
        for depth, line in enumerate(lines):
            if depth >= len(shown) or shown[depth] != line:
                f.para(document, line, bold=depth == 0, italic=depth > 0, align=LEFT)
        shown = lines
        if part.author:
            f.para(document, d.attribution(part, edited=merged.edited), 13, italic=True, align=LEFT, space_after=2)
        _text(document, part.text)


def document(sheet: Sheet, path: Path) -> Path:
    doc = Document()
    f.page_setup(doc)
    f.top(doc, sheet.head)
    f.title(doc, "BÁO CÁO", sheet.subject)
    if sheet.notice:
        f.para(doc, sheet.notice, 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    f.para(doc, sheet.intro, indent=True)
    f.para(doc, "I. KẾT QUẢ THỰC HIỆN", bold=True, align=LEFT)
    for section in (d.OVERVIEW, d.GROUPS, d.UNITS):
        f.para(doc, d.SECTIONS[section], bold=True, align=LEFT)
        _parts(doc, sheet, section)
    f.para(doc, d.SECTIONS[d.INDICATORS], bold=True, align=LEFT)
    table(doc, sheet.indicators)
    for chart in sheet.charts:
        if chart.exists():
            doc.add_picture(str(chart), width=Cm(14))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _parts(doc, sheet, d.INDICATORS)
    f.para(doc, "5. Số liệu theo dõi thực hiện nhiệm vụ", bold=True, align=LEFT)
    table(doc, sheet.tracking)
    for section in (d.DIFFICULTIES, d.PROPOSALS, d.DIRECTIONS):
        f.para(doc, d.SECTIONS[section], bold=True, align=LEFT)
        _parts(doc, sheet, section)
    f.bottom(doc, sheet.head)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
