"""A plan's text as paragraphs, from .txt, .docx or a PDF with a text layer, each saying where it is.

- .txt: one paragraph per line; a line starting in lower case continues the paragraph before it
  (a sentence broken across a page); ``#`` and ``**…**`` mark headings.
- .docx: body paragraphs and table cells in order; Word's automatic numbering is written out
  ("I.", "1.", "-" for a bullet) as the reader sees it; Heading/Title styles and bold paragraphs
  are headings.
- .pdf: pdfplumber's lines, joined into paragraphs (a new one at a list mark, a change to or from
  bold, a gap, or after a short last line); a PDF without a text layer (a scan) is refused.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from htx_tasks.intake.errors import IntakeError, Limits
from htx_tasks.intake.files import Loaded, decode_text, load

BULLET = re.compile(r"^(?:[-+•●▪◦–—*\uf0a7\uf0b7\uf076\uf0d8]|\uf02d)\s*")
GLYPH = re.compile(r"^[•●▪◦\uf000-\uf0ff]\s")  # a list's bullet as Word prints it
MARK = re.compile(r"^(?:[-+•●▪◦–—*\uf000-\uf0ff]\s|\d{1,2}\.\s|[IVX]{1,5}\.\s|[a-zđ]\)\s|Căn cứ\b|Nơi nhận)")


@dataclass(frozen=True)
class Para:
    text: str
    where: str  # "dòng 89", "đoạn 45", "trang 2, dòng 14"
    heading: bool = False


def read_document(path, limits: Limits) -> tuple[Loaded, list[Para]]:
    loaded = load(path, limits, ("txt", "docx", "pdf"))
    paras = {"txt": _txt, "docx": _docx, "pdf": _pdf}[loaded.kind](loaded, limits)
    if sum(len(p.text) for p in paras) < 20:
        raise IntakeError(f"Tệp '{loaded.name}' gần như không có chữ: không có gì để đọc.")
    return loaded, paras


def _txt(loaded: Loaded, limits: Limits) -> list[Para]:
    lines = decode_text(loaded).splitlines()
    if len(lines) > limits.max_rows * 20:
        raise IntakeError(f"Tệp '{loaded.name}' có {len(lines)} dòng, vượt giới hạn {limits.max_rows * 20} "
                          "(20 lần HTX_INTAKE_MAX_ROWS).")
    paras: list[Para] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        heading = text.startswith("#") or (text.startswith("**") and text.rstrip().endswith("**"))
        text = re.sub(r"^#+\s*", "", text).replace("**", "").strip()
        if not text:
            continue
        if paras and not heading and not paras[-1].heading and text[0].islower():
            last = paras[-1]
            paras[-1] = Para(f"{last.text} {text}", last.where, last.heading)
            continue
        paras.append(Para(text, f"dòng {number}", heading))
    return paras


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


class _Numbering:
    """Word's automatic numbers, as shown: a counter per list and level."""

    def __init__(self, document) -> None:
        from docx.oxml.ns import qn

        self.qn = qn
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.lists: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        for abstract in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in abstract.findall(qn("w:lvl")):
                fmt, text, start = self._val(lvl, "w:numFmt", "decimal"), self._val(lvl, "w:lvlText", ""), \
                    int(self._val(lvl, "w:start", "1"))
                levels[int(lvl.get(qn("w:ilvl")))] = (fmt, text, start)
            self.levels[abstract.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            overrides = {int(o.get(qn("w:ilvl"))): int(self._val(o, "w:startOverride", "1"))
                         for o in num.findall(qn("w:lvlOverride")) if o.find(qn("w:startOverride")) is not None}
            self.lists[num.get(qn("w:numId"))] = (self._val(num, "w:abstractNumId", ""), overrides)

    def _val(self, element, tag: str, default: str) -> str:
        child = element.find(self.qn(tag))
        return child.get(self.qn("w:val"), default) if child is not None else default

    def _num_pr(self, paragraph):
        p_pr = paragraph._p.pPr
        if p_pr is not None and p_pr.numPr is not None:
            return p_pr.numPr
        style = paragraph.style
        while style is not None:
            s_pr = style.element.pPr
            if s_pr is not None and s_pr.numPr is not None:
                return s_pr.numPr
            style = style.base_style
        return None

    def label(self, paragraph) -> str:
        num_pr = self._num_pr(paragraph)
        if num_pr is None or num_pr.numId is None:
            return ""
        num_id = str(num_pr.numId.val)
        level = int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0
        abstract, overrides = self.lists.get(num_id, ("", {}))
        levels = self.levels.get(abstract, {})
        if level not in levels or num_id == "0":
            return ""
        fmt, text, start = levels[level]
        if fmt == "bullet":
            return "- "
        counters = self.counters.setdefault(num_id, {})
        counters[level] = counters.get(level, overrides.get(level, start) - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        shown = text
        for k in range(level + 1):
            value = counters.get(k, levels.get(k, ("decimal", "", 1))[2])
            kind = levels.get(k, ("decimal", "", 1))[0]
            rendered = _roman(value) if kind == "upperRoman" else _roman(value).lower() if kind == "lowerRoman" else \
                chr(96 + value) if kind == "lowerLetter" else chr(64 + value) if kind == "upperLetter" else str(value)
            shown = shown.replace(f"%{k + 1}", rendered)
        return shown + " "


def _docx(loaded: Loaded, limits: Limits) -> list[Para]:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(loaded.data))
    except Exception as exc:  # python-docx raises many kinds on a damaged document
        raise IntakeError(f"Tệp '{loaded.name}' là văn bản Word hỏng, không mở được ({type(exc).__name__}).") from None
    numbering = _Numbering(document)
    paras: list[Para] = []

    def add(paragraph, number: int) -> None:
        text = paragraph.text.strip()
        if not text:
            return
        style = paragraph.style.name if paragraph.style is not None else ""
        runs = [r for r in paragraph.runs if r.text.strip()]
        bold = bool(runs) and all(r.bold or (r.style is not None and r.style.font.bold) for r in runs)
        heading = style.startswith(("Heading", "Title")) or bold
        paras.append(Para(numbering.label(paragraph) + text, f"đoạn {number}", heading))

    number = 0
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            number += 1
            add(Paragraph(child, document), number)
        elif child.tag.endswith("}tbl"):
            for row in Table(child, document).rows:
                for cell in row.cells:
                    for paragraph in cell.paragraphs:
                        number += 1
                        add(paragraph, number)
        if number > limits.max_rows * 20:
            raise IntakeError(f"Tệp '{loaded.name}' có hơn {limits.max_rows * 20} đoạn (20 lần HTX_INTAKE_MAX_ROWS).")
    return paras


def _pdf(loaded: Loaded, limits: Limits) -> list[Para]:
    import pdfplumber

    paras: list[Para] = []
    try:
        pdf = pdfplumber.open(io.BytesIO(loaded.data))
    except Exception as exc:  # pdfminer raises many kinds on a damaged or protected file
        raise IntakeError(f"Tệp '{loaded.name}' là PDF hỏng hoặc được bảo vệ, không mở được ({type(exc).__name__}).") from None
    with pdf:
        if len(pdf.pages) > limits.max_rows:
            raise IntakeError(f"Tệp '{loaded.name}' có {len(pdf.pages)} trang, vượt giới hạn HTX_INTAKE_MAX_ROWS.")
        blank = []
        previous: tuple[bool, float, bool, int] | None = None  # the line before: bold, top, ended a sentence, page
        for page_number, page in enumerate(pdf.pages, start=1):
            lines = [ln for ln in page.extract_text_lines() if ln["text"].strip() and not ln["text"].strip().isdigit()]
            if not lines:
                blank.append(page_number)
                continue
            pitches = sorted(b["top"] - a["top"] for a, b in zip(lines, lines[1:], strict=False) if b["top"] > a["top"])
            pitch = pitches[len(pitches) // 2] if pitches else 0.0
            for line_number, line in enumerate(lines, start=1):
                text = line["text"].strip()
                chars = [c for c in line.get("chars", []) if c["text"].strip()]
                bold = bool(chars) and sum("bold" in c.get("fontname", "").lower() for c in chars) > len(chars) / 2
                if previous is None:
                    starts = True
                else:
                    was_bold, top, ended, seen_on = previous
                    same_page = seen_on == page_number  # a paragraph goes on over a page break
                    gap = same_page and pitch > 0 and (line["top"] - top > pitch * 1.2 or top > line["top"])
                    typed = bool(MARK.match(text)) and ended  # "- ", "1. " after a finished sentence
                    starts = bool(GLYPH.match(text)) or bold != was_bold or gap or typed or (not same_page and ended)
                if starts or not paras:
                    paras.append(Para(text, f"trang {page_number}, dòng {line_number}", bold))
                else:
                    last = paras[-1]
                    joint = "" if re.search(r"\w-$", last.text) else " "  # "20-" + "NQ/TW": a symbol broken at its dash
                    paras[-1] = Para(f"{last.text}{joint}{text}", last.where, last.heading)
                previous = (bold, line["top"], text.endswith((".", ";", ":", "!", "?")), page_number)
    if not paras:
        raise IntakeError(f"Tệp '{loaded.name}' là PDF không có lớp chữ (bản quét hoặc ảnh, {len(blank)} trang): không "
                          "đọc được nội dung. Hãy dùng bản .docx hoặc PDF xuất từ Word, hoặc nhận dạng chữ (OCR) trước.")
    if blank:
        paras.append(Para(f"[Trang {', '.join(map(str, blank))} không có lớp chữ]", f"trang {blank[0]}"))
    return paras
