"""Done when: demonstration data, a few unit reports filled through the web form, then
``htx-tasks report consolidated --period 2026-H2``: the .docx and the PDF hold, for each Section III
unit, its reported results or "chưa có báo cáo", the indicators with their units, the units'
difficulties and proposals, and the frame; the export is audited."""

from __future__ import annotations

import datetime as dt

import pdfplumber
import pytest
from docx import Document
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from htx_tasks.cli.main import app
from htx_tasks.registry.service import load_demo
from htx_tasks.store.db import make_engine, session_scope, upgrade
from htx_tasks.store.models import AuditEvent
from tests.office import SEED_DIR as CONFIG_DIR  # the seed plan alone
from tests.plan_documents import office_or_skip
from tests.webkit import make_site, sent_back

SENT = {  # unit → its results, as typed on its page
    "phong-kinh-te": "Đã hướng dẫn 2 hợp tác xã nông nghiệp thành lập mới tại xã Cam Lập",
    "phuong-ba-ngoi": "Đã tuyên truyền Luật Hợp tác xã năm 2023 tại 4 khu dân cư",
    "ubmttq-thanh-pho": "Đã lồng ghép tuyên truyền kinh tế tập thể trong 3 hội nghị của Mặt trận",
}


MORE = {  # what two of them add: difficulties, proposals, the duty's figures
    "phong-kinh-te": {"difficulties": "Thiếu cán bộ chuyên trách kinh tế tập thể ở các xã",
                      "proposals": "Đề nghị Sở Tài chính bố trí kinh phí tập huấn cho hợp tác xã",
                      "figure:htx-duoc-huong-dan": "2", "figure:htx-thanh-lap-moi": "1"},
    "phuong-ba-ngoi": {"difficulties": "Hợp tác xã chưa quan tâm bán hàng qua thương mại điện tử"},
}


def _report_through_the_page(site, unit: str, text: str) -> None:
    client, token = TestClient(site.app), site.token(unit)
    item = next(o for o in site.items(unit) if o.deadline.year == 2026 and o.deadline.month >= 7)
    page = f"/u/{token}/o/{item.id}"
    shown = sent_back(client.get(page).text, f"{page}/report")
    form = {**shown, "results": text, "evidence_url": "https://example.org/bien-ban", **MORE.get(unit, {})}
    answer = client.post(f"{page}/report", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text[answer.text.find("flash err") :][:400]


@pytest.fixture(scope="module")
def printed(plan, tmp_path_factory: pytest.TempPathFactory):
    """Printed once for the module's tests (LibreOffice takes a while)."""
    office_or_skip()
    tmp_path = tmp_path_factory.mktemp("printed")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = make_engine(url)
    upgrade(engine)
    site = make_site(engine, plan, tmp_path / "var")
    with session_scope(engine) as session:
        load_demo(session, plan, now=site.clock.now)
    site.clock.now = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
    for unit, text in SENT.items():
        _report_through_the_page(site, unit, text)
    done = CliRunner().invoke(
        app,
        ["report", "consolidated", "--period", "2026-H2", "--out", str(tmp_path / "out"), "--now", "2026-12-28T09:00"],
        env={"HTX_DATABASE_URL": url, "HTX_VAR_DIR": str(tmp_path / "var"), "HTX_CONFIG_DIR": str(CONFIG_DIR), "COLUMNS": "2000"},
    )
    assert done.exit_code == 0, done.stderr
    docx, pdf = tmp_path / "out" / "bao-cao-thuc-hien-2026-H2.docx", tmp_path / "out" / "bao-cao-thuc-hien-2026-H2.pdf"
    with pdfplumber.open(pdf) as doc:
        pdf_text = "\n".join(page.extract_text() for page in doc.pages)
    return engine, Document(str(docx)), " ".join(pdf_text.split())


def _body(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_each_section_iii_unit_has_its_results_or_says_it_has_none(printed, plan) -> None:
    _, document, pdf = printed
    body = _body(document)
    units = [u for u in plan.source.units if u.ref]
    assert len(units) == 8
    for unit in units:
        heading = f"{unit.ref}. {unit.name}"
        assert heading in body, heading
        start = body.index(heading)
        following = [i for i, line in enumerate(body) if i > start and any(line == f"{u.ref}. {u.name}" for u in units)]
        said = " ".join(body[start : following[0] if following else len(body)])
        mine = [text for code, text in SENT.items() if code == unit.code or code in plan.members(unit.code)]
        for text in mine:  # quoted, attributed to the unit that said it, on the day it said it
            assert text in said and "ngày 02/12/2026" in said
        silence = "chưa có thông tin kết quả" if unit.assignment == "request" else "chưa có báo cáo"
        assert mine or silence in said.lower(), (heading, said[:300])
    assert "Theo báo cáo của UBND phường Ba Ngòi ngày 02/12/2026:" in body
    assert "Theo thông tin kết quả của Ủy ban Mặt trận Tổ quốc Việt Nam thành phố ngày 02/12/2026:" in body
    for text in SENT.values():
        assert " ".join(text.split()) in pdf
    assert "Chưa có báo cáo: UBND phường Cam Linh" in pdf
    for said in ("- Số hợp tác xã được hướng dẫn thành lập: 2 hợp tác xã.", "- Số hợp tác xã thành lập mới: 1 hợp tác xã."):
        assert said in body and said in pdf  # the duty's figures, with their units, under the unit's words


def test_the_indicators_tracking_difficulties_and_frame_are_in_both_files(printed, plan) -> None:
    engine, document, pdf = printed
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert any(c.endswith(" điểm phần trăm") for c in cells) and any(c.endswith(" hợp tác xã") for c in cells)
    assert "Tỷ lệ hợp tác xã đạt loại khá, tốt" in cells and "Mức cần đạt năm 2026" in cells
    tracking = next(t for t in document.tables if t.rows[0].cells[0].text == "Đơn vị")
    assert [c.text for c in tracking.rows[0].cells][1:] == [
        "Đến hạn trong kỳ",
        "Hoàn thành đúng hạn",
        "Hoàn thành trễ hạn",
        "Không báo cáo",
        "Chưa hoàn thành",
        "Trong đó quá hạn",
    ]
    assert plan.unit_name("ubmttq-doan-the") not in {r.cells[0].text for r in tracking.rows}  # asked, not directed
    body = _body(document)
    for heading in ("II. KHÓ KHĂN, VƯỚNG MẮC", "III. ĐỀ XUẤT, KIẾN NGHỊ", "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI"):
        assert heading in body and heading in pdf
    hard, asks, plans = (body.index(h) for h in ("II. KHÓ KHĂN, VƯỚNG MẮC", "III. ĐỀ XUẤT, KIẾN NGHỊ",
                                                   "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI"))
    difficulties, proposals = body[hard:asks], body[asks:plans]
    for unit, more in MORE.items():  # each unit's own words under its name, in the section they belong to
        name = plan.unit_name(unit)
        assert f"Theo báo cáo của {name} ngày 02/12/2026:" in difficulties and more["difficulties"] in difficulties
        assert more["difficulties"] in pdf
    assert "Đề nghị Sở Tài chính bố trí kinh phí tập huấn cho hợp tác xã" in proposals
    assert "Theo báo cáo của Phòng Kinh tế ngày 02/12/2026:" in proposals and len(proposals) == 3
    assert "Đề nghị Sở Tài chính bố trí kinh phí tập huấn cho hợp tác xã" in pdf
    assert len(document.inline_shapes) >= 1  # the indicators' charts
    for line in (
        "ỦY BAN NHÂN DÂN",
        "THÀNH PHỐ CAM RANH",
        "Số: …/BC-UBND",
        "Cam Ranh, ngày … tháng … năm …",
        "Nơi nhận:",
        "- Lưu: VT, ….",
        plan.meta.signer.name,
        "Điểm phần trăm".lower(),
    ):
        assert line in pdf or line in pdf.lower(), line
    with Session(engine) as session:
        exports = session.exec(select(AuditEvent).where(AuditEvent.action == "report_export")).all()
    assert len(exports) == 1 and exports[0].role == "coordinator" and exports[0].via.startswith("cli:")
    assert "bao-cao-thuc-hien-2026-H2.docx" in exports[0].reason and ".pdf" in exports[0].reason
