"""The seed plan saved as a Word document (real headings, automatic numbering, bullets) and as a PDF."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SEED = ROOT / "tests" / "data" / "seed_plan_46.txt"


def _numbering(document) -> tuple[str, list[str]]:
    """An upper-Roman list for the sections and a decimal list definition restarted in each section."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    root = document.part.numbering_part.element
    first_num = root.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num")
    for abstract_id, fmt in (("90", "upperRoman"), ("91", "decimal")):
        first_num.addprevious(parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}"><w:multiLevelType w:val="singleLevel"/>'
            f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="%1."/>'
            '<w:lvlJc w:val="left"/></w:lvl></w:abstractNum>'))
    root.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    restarts = []
    for n in range(91, 96):
        root.append(parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{n}"><w:abstractNumId w:val="91"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'))
        restarts.append(str(n))
    return "90", restarts


def _number(paragraph, num_id: str) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))


def seed_docx(path: Path) -> Path:
    """Headings 1 (I., II., III. by Word's numbering), Headings 2 (1., 2. restarted per section),
    List Bullet paragraphs for "-" and "+", bold title and signature, space after each paragraph."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    roman, restarts = _numbering(document)
    section_list = None
    lines: list[str] = []
    for raw in SEED.read_text(encoding="utf-8").splitlines():
        text = raw.strip()
        if text and lines and text[0].islower() and not text.startswith("#"):
            lines[-1] += " " + text
        elif text:
            lines.append(text)
    for line in lines:
        heading = line.startswith("#")
        text = re.sub(r"^#+\s*", "", line).replace("**", "").strip()
        bold = line.startswith("**") or (heading and "**" in line)
        if text == "KẾ HOẠCH":
            document.add_paragraph(text, style="Title")
            continue
        section = re.match(r"^[IVX]+\.\s+(.+)$", text)
        numbered = re.match(r"^\d+\.\s+(.+)$", text)
        if heading and section:
            _number(document.add_paragraph(section.group(1), style="Heading 1"), roman)
            section_list = restarts.pop(0)
        elif heading and numbered and section_list:
            _number(document.add_paragraph(numbered.group(1), style="Heading 2"), section_list)
        elif heading:
            document.add_paragraph(text, style="Heading 3")
        elif text.startswith(("- ", "+ ")):
            document.add_paragraph(text[2:], style="List Bullet" if text[0] == "-" else "List Bullet 2")
        else:
            paragraph = document.add_paragraph()
            paragraph.add_run(text).bold = bold
            paragraph.paragraph_format.space_after = Pt(6)
    document.save(path)
    return path


def office_or_skip() -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("HTX_REQUIRE_OFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required (HTX_REQUIRE_OFFICE=1) but not installed")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    return soffice


def to_pdf(docx: Path, *, password: str | None = None) -> Path:
    """The Word document printed to PDF by LibreOffice headless, as an office would; with ``password``,
    exported as an encrypted PDF that opens only with that password (Writer's PDF export options)."""
    soffice = office_or_skip()
    profile = docx.parent / "lo-profile"
    target = "pdf"
    if password is not None:
        target = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
                  f'"DocumentOpenPassword":{{"type":"string","value":"{password}"}}}}')
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                    "--outdir", str(docx.parent), str(docx)], check=True, capture_output=True, timeout=180)
    pdf = docx.with_suffix(".pdf")
    assert pdf.exists(), "LibreOffice made no PDF"
    return pdf
