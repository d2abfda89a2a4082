"""The report's frame per Nghị định 30/2020/NĐ-CP, read back from the .docx and from the PDF
LibreOffice prints: header, number, blank date, page numbers from page 2, "Nơi nhận", signature."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from htx_tasks.services.reporting import EditDraft, ExportDraft, edit_draft, export_draft
from htx_tasks.store.db import session_scope
from tests.plan_documents import office_or_skip
from tests.reportkit import COORDINATOR, NOW, compiled, followed


@pytest.fixture
def exported(db_engine, plan, tmp_path: Path):
    """Two exports of one draft: as compiled (number and date blank), then with them set."""
    office_or_skip()
    if shutil.which("pdftoppm") is None:
        if os.environ.get("HTX_REQUIRE_OFFICE") == "1":
            pytest.fail("pdftoppm is required (HTX_REQUIRE_OFFICE=1) but not installed: apt-get install poppler-utils")
        pytest.skip("pdftoppm is not installed: apt-get install poppler-utils")
    followed(db_engine, plan)
    draft = compiled(db_engine, plan)
    out = {}
    with session_scope(db_engine) as session:
        out["blank"] = export_draft(
            session,
            plan,
            COORDINATOR,
            ExportDraft.parse(period="2026-H2", expected_version=draft.version),
            now=NOW,
            out_dir=tmp_path / "blank",
            var_dir=tmp_path,
        )
    with session_scope(db_engine) as session:
        edited = edit_draft(
            session,
            plan,
            COORDINATOR,
            EditDraft.parse(
                period="2026-H2",
                expected_version=draft.version + 1,
                number="15",
                signed_on="2027-01-05",
                place="Cam Ranh",
                recipients="Thành ủy Cam Ranh (báo cáo)\nSở Tài chính",
                filed_with="KT",
            ),
            now=NOW,
        )
        out["set"] = export_draft(
            session,
            plan,
            COORDINATOR,
            ExportDraft.parse(period="2026-H2", expected_version=edited.version),
            now=NOW,
            out_dir=tmp_path / "set",
            var_dir=tmp_path,
        )
    return out


def test_the_docx_frame_follows_the_decree(exported, plan) -> None:
    blank, done = (Document(str(exported[k]["docx"])) for k in ("blank", "set"))
    issuer, motto = blank.tables[0].rows[0].cells
    assert [p.text for p in issuer.paragraphs] == ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ CAM RANH", "―" * 6, "Số: …/BC-UBND"]
    assert all(r.bold for p in issuer.paragraphs[:2] for r in p.runs)  # "ỦY BAN NHÂN DÂN" is part of the name
    assert not any(r.bold for r in issuer.paragraphs[3].runs)
    assert [p.text for p in motto.paragraphs][:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert motto.paragraphs[-1].text == "Cam Ranh, ngày … tháng … năm …" and motto.paragraphs[-1].runs[0].italic
    set_issuer, set_motto = done.tables[0].rows[0].cells
    assert set_issuer.paragraphs[-1].text == "Số: 15/BC-UBND"
    assert set_motto.paragraphs[-1].text == "Cam Ranh, ngày 05 tháng 01 năm 2027"
    received, signed = blank.tables[-1].rows[0].cells
    lines = [p.text for p in received.paragraphs]
    assert lines[0] == "Nơi nhận:" and received.paragraphs[0].runs[0].bold and received.paragraphs[0].runs[0].italic
    assert lines[1] == "- Thành ủy Cam Ranh (báo cáo);" and lines[-1] == "- Lưu: VT, …."
    assert all(line.endswith(";") for line in lines[1:-1]) and "- Lưu: VT;" not in lines
    assert [p.text for p in done.tables[-1].rows[0].cells[0].paragraphs] == [
        "Nơi nhận:",
        "- Thành ủy Cam Ranh (báo cáo);",
        "- Sở Tài chính;",
        "- Lưu: VT, KT.",
    ]
    assert [p.text for p in signed.paragraphs if p.text] == [*plan.meta.signer.office, plan.meta.signer.name]
    section = blank.sections[0]
    assert section.different_first_page_header_footer  # page 1 has no number
    fields = section.header._element.findall(".//" + qn("w:instrText"))
    assert [f.text for f in fields] == ["PAGE"]
    assert section.first_page_header.paragraphs[0].text == ""


def _ink(image: Image.Image, box: tuple[float, float, float, float]) -> int:
    """Dark pixels in ``box`` (fractions of the page's width and height)."""
    w, h = image.size
    region = image.convert("L").crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    return sum(region.histogram()[:128])


def test_the_pdf_pages_show_the_header_the_page_numbers_and_the_signature(exported, plan, tmp_path) -> None:
    pdf = exported["blank"]["pdf"]
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    first, second = Image.open(pages[0]), Image.open(pages[1])
    # page 1: the issuer (left) and the motto (right) at the top; nothing in the top margin (no number)
    assert _ink(first, (0.14, 0.07, 0.45, 0.16)) > 200 and _ink(first, (0.5, 0.07, 0.9, 0.16)) > 200
    assert _ink(first, (0.4, 0.0, 0.6, 0.065)) == 0
    # page 2: its number centred in the top margin
    assert _ink(second, (0.45, 0.02, 0.55, 0.065)) > 5 and _ink(second, (0.0, 0.0, 0.4, 0.065)) == 0
    with pdfplumber.open(pdf) as doc:
        width = doc.pages[0].width
        top_words = [[w["text"] for w in page.extract_words() if w["bottom"] < 0.07 * page.height] for page in doc.pages]
        assert top_words[0] == [] and all(words == [str(n)] for n, words in enumerate(top_words[1:], start=2))
        text = "\n".join(page.extract_text() for page in doc.pages)
        last = doc.pages[-1].extract_words()
    assert "Số: …/BC-UBND" in text and "ngày … tháng … năm …" in text and "- Lưu: VT, …." in text
    signer = next(w for w in last if w["text"] == plan.meta.signer.name.split()[-1])
    received = next(w for w in last if w["text"] == "Nơi")
    assert received["x0"] < width / 2 < signer["x0"]  # "Nơi nhận" left, the signature right
    assert signer["top"] > received["top"]  # the name under the office, below the start of "Nơi nhận"
    with pdfplumber.open(exported["set"]["pdf"]) as doc:
        head = doc.pages[0].extract_text()
    assert "Số: 15/BC-UBND" in head and "Cam Ranh, ngày 05 tháng 01 năm 2027" in head
