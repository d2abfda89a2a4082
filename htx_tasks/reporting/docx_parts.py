"""The frame of an administrative report per Nghị định 30/2020/NĐ-CP (Phụ lục I), in python-docx.

A4, margins 20/20/30/15 mm, Times New Roman. Top left: the parent body (if any, upper case), the
issuing body in bold ("ỦY BAN NHÂN DÂN" is part of its name), a short rule, "Số: …/BC-UBND".
Top right: Quốc hiệu and tiêu ngữ in bold, a rule, the place and date in italics, left blank
("ngày … tháng … năm …") until the coordinator sets them. Page numbers centred in the top
margin from page 2. At the end: "Nơi nhận:" (its last line "- Lưu: VT, …."), the signature block.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from htx_tasks.reporting.tables import MOTTO, SYMBOL, issuer_lines

FONT = "Times New Roman"
RULE = "\u2015" * 6  # the short horizontal rule under the issuer, the motto and the title
BLANK = "…"


@dataclass(frozen=True)
class Head:
    """What the frame prints above and below the text, all from data."""

    parent: str
    issuer: str
    number: str
    place: str
    signed_on: dt.date | None
    recipients: list[str]
    filed_with: str
    signer_office: list[str]
    signer_name: str


def number_line(number: str) -> str:
    return f"Số: {number.strip() or BLANK}/{SYMBOL}"


def date_line(place: str, day: dt.date | None) -> str:
    """'Cam Ranh, ngày 05 tháng 01 năm 2027'; blank until set: '…, ngày … tháng … năm …'."""
    where = place.strip() or BLANK
    if day is None:
        return f"{where}, ngày {BLANK} tháng {BLANK} năm {BLANK}"
    return f"{where}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def received_lines(recipients: list[str], filed_with: str) -> list[str]:
    """'- Thành ủy Cam Ranh (báo cáo);' … and last '- Lưu: VT, KT.' (Nghị định 30/2020, Phụ lục I)."""
    lines = [f"- {name.strip().rstrip(';.')};" for name in recipients if name.strip()]
    return [*lines, f"- Lưu: VT, {filed_with.strip().rstrip('.') or BLANK}."]


def font(run, size: float, *, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold, run.italic = bold, italic
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def para(
    container,
    text: str,
    size: float = 14,
    *,
    bold: bool = False,
    italic: bool = False,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    space_after: float = 6,
):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    font(paragraph.add_run(text), size, bold=bold, italic=italic)
    return paragraph


def widths(grid, cm: list[float]) -> None:
    """Column widths Word and LibreOffice both honour: on the grid and on every cell."""
    grid.autofit = False
    for column, width in zip(grid.columns, cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def cell_lines(cell, lines: list[tuple[str, float, bool, bool]], align=WD_ALIGN_PARAGRAPH.CENTER) -> None:
    for index, (text, size, bold, italic) in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_after = Pt(0)
        font(paragraph.add_run(text), size, bold=bold, italic=italic)


def page_setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.header_distance = Cm(1)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    section.different_first_page_header_footer = True  # no number on page 1
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(header)


def _page_field(paragraph) -> None:
    """A PAGE field (Word and LibreOffice fill it in on each page)."""
    run = paragraph.add_run()
    font(run, 13)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "2"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText" if text == "PAGE" else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def top(document, head: Head) -> None:
    grid = document.add_table(rows=1, cols=2)
    widths(grid, [6.5, 10.0])
    left, right = grid.rows[0].cells
    parent = [(head.parent.strip().upper(), 13, False, False)] if head.parent.strip() else []
    issuer = [(line, 13, True, False) for line in issuer_lines(head.issuer)]
    cell_lines(left, [*parent, *issuer, (RULE, 13, False, False), (number_line(head.number), 13, False, False)])
    cell_lines(
        right,
        [
            (MOTTO[0], 12, True, False),
            (MOTTO[1], 13, True, False),
            (RULE * 2, 13, False, False),
            (date_line(head.place, head.signed_on), 13, False, True),
        ],
    )


def title(document, kind: str, subject: str) -> None:
    para(document, "", 10, space_after=0)
    para(document, kind, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    para(document, subject, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    para(document, RULE, 14, align=WD_ALIGN_PARAGRAPH.CENTER)


def bottom(document, head: Head) -> None:
    para(document, "", 8, space_after=0)
    grid = document.add_table(rows=1, cols=2)
    widths(grid, [8.0, 8.5])
    left, right = grid.rows[0].cells
    cell_lines(left, [("Nơi nhận:", 12, True, True)], WD_ALIGN_PARAGRAPH.LEFT)
    for line in received_lines(head.recipients, head.filed_with):
        cell_lines_add(left, line, 11)
    office = [(line, 14, True, False) for line in head.signer_office]
    cell_lines(right, [*office, *[("", 14, False, False)] * 4, (head.signer_name, 14, True, False)])


def cell_lines_add(cell, text: str, size: float) -> None:
    paragraph = cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.space_after = Pt(0)
    font(paragraph.add_run(text), size)
