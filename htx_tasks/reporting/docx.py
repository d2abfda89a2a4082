"""The consolidated report as a Word document laid out per Nghị định 30/2020/NĐ-CP (Phụ lục I).

A4, margins 20/20/30/15 mm, Times New Roman. Top: the issuing body (left, upper case, bold, a
short rule under it) and its number/symbol; the national motto (right) with the place and date
line in italics. Centred: the document type and its summary. Then the sections, tables and
charts; at the bottom "Nơi nhận" (left) and the signature block (right) from the plan's metadata.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from htx_tasks.reporting import tables as t
from htx_tasks.reporting.data import Consolidated

FONT = "Times New Roman"
RULE = "\u2015" * 6  # the short horizontal rule under the issuer, the motto and the title


def _font(run, size: float, *, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold, run.italic = bold, italic
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _para(container, text: str, size: float = 14, *, bold: bool = False, italic: bool = False,
          align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = False, space_after: float = 6):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    _font(paragraph.add_run(text), size, bold=bold, italic=italic)
    return paragraph


def _cell_lines(cell, lines: list[tuple[str, float, bool, bool]]) -> None:
    cell.paragraphs[0].text = ""
    first = True
    for text, size, bold, italic in lines:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        _font(paragraph.add_run(text), size, bold=bold, italic=italic)


def _widths(grid, widths: list[float]) -> None:
    """Column widths Word and LibreOffice both honour: on the grid and on every cell."""
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _table(document, table: t.Table) -> None:
    _para(document, table.title, 13, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    count = len(table.header)
    first = 16.5 * (0.3 if count > 3 else 1 / count)  # the name column gets room; the figures share the rest
    _widths(grid, [first] + [(16.5 - first) / (count - 1)] * (count - 1))
    size = 11 if len(table.header) <= 6 else 9
    for cell, name in zip(grid.rows[0].cells, table.header, strict=True):
        cell.paragraphs[0].text = ""
        _font(cell.paragraphs[0].add_run(name), size, bold=True)
    rows: list[list[object]] = table.rows or [["Không có", *[""] * (len(table.header) - 1)]]
    for row in rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.paragraphs[0].text = ""
            _font(cell.paragraphs[0].add_run("" if value is None else str(value)), size)
    _para(document, "", 6, space_after=0)


def document(report: Consolidated, path: Path) -> Path:
    plan = report.plan
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)

    head = doc.add_table(rows=1, cols=2)
    _widths(head, [6.2, 10.3])
    left, right = head.rows[0].cells
    issuer = t.issuer_lines(plan.meta.issuer)
    _cell_lines(left, [(issuer[0], 13, False, False), *[(line, 13, True, False) for line in issuer[1:]],
                       (RULE, 13, False, False), (f"Số:      /{t.SYMBOL}", 13, False, False)])
    _cell_lines(right, [(t.MOTTO[0], 12, True, False), (t.MOTTO[1], 13, True, False),
                        (RULE * 2, 13, False, False), (t.date_line(report), 13, False, True)])

    title, subject = t.title_lines(report)
    _para(doc, "", 10, space_after=0)
    _para(doc, title, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, subject, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, RULE, 14, align=WD_ALIGN_PARAGRAPH.CENTER)
    notice = t.synthetic_notice(report)
    if notice:
        _para(doc, notice, 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, t.intro(report), indent=True)
    _para(doc, t.summary(report), indent=True)

    duty, overdue, requests, indicators, qualitative, difficulties = t.all_tables(report)
    _para(doc, t.SECTIONS[0], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    _table(doc, duty)
    _table(doc, overdue)
    _table(doc, requests)
    _para(doc, t.SECTIONS[1], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    _table(doc, indicators)
    for result in report.kpi.results:
        chart = report.charts.get(result.indicator.code)
        if chart is not None and chart.exists():
            doc.add_picture(str(chart), width=Cm(15))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, t.SECTIONS[2], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    _table(doc, qualitative)
    _para(doc, t.SECTIONS[3], bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    _table(doc, difficulties)

    foot = doc.add_table(rows=1, cols=2)
    _widths(foot, [8, 8.5])
    left, right = foot.rows[0].cells
    _cell_lines(left, [("Nơi nhận:", 12, True, True)])
    for recipient in plan.meta.recipients:
        paragraph = left.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        _font(paragraph.add_run(f"- {recipient};"), 11)
    office = [(line, 14, True, False) for line in plan.meta.signer.office]
    _cell_lines(right, [*office, ("", 14, False, False), ("", 14, False, False), ("", 14, False, False),
                        (plan.meta.signer.name, 14, True, False)])
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
