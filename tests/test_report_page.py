"""The coordinator's report page in use: compile, edit (units' words stay attributed), compile again
(the edit kept, the new text offered), export and download; every action in the web audit."""

from __future__ import annotations

from docx import Document
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from htx_tasks.links import COORDINATOR_SUBJECT
from htx_tasks.services import Actor, SubmitReport, submit, via_link
from htx_tasks.store.answers import WebAudit
from htx_tasks.store.db import session_scope
from htx_tasks.store.drafts import ReportPart
from tests.webkit import WARD, make_site, sent_back

HOSTILE = "<script>alert(1)</script> Đã tuyên truyền tại 2 khu dân cư"


def test_the_coordinator_edits_and_exports_the_draft_on_the_page(db_engine, plan, tmp_path) -> None:
    site = make_site(db_engine, plan, tmp_path / "var")
    item = next(o for o in site.items(WARD) if o.deadline.month == 12)
    with session_scope(db_engine) as session:
        submit(session, plan, Actor.of_unit(WARD, via_link("l")), SubmitReport.parse(
            occurrence=item.id, results=HOSTILE, expected_version=item.version), now=site.clock.now)
    client, token = TestClient(site.app), site.token(COORDINATOR_SUBJECT)
    assert "/bao-cao/2026-H2" in client.get(f"/c/{token}").text  # reached from the coordinator's page
    page = f"/c/{token}/bao-cao/2026-H2"
    shown = client.get(page).text
    assert "Kỳ này chưa có dự thảo" in shown
    assert client.post(f"{page}/soan", data=sent_back(shown, f"{page}/soan")).status_code == 200  # followed 303
    shown = client.get(page).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script>alert" not in shown
    assert "<strong>Theo báo cáo của UBND phường Ba Ngòi ngày 27/11/2026:</strong>" in shown
    key = f"kq-{item.id}"
    form = {**sent_back(shown, f"{page}/sua"), f"t-{key}": "Đã tuyên truyền tại 2 khu dân cư.",
            "t-phuong-huong": "Tiếp tục hướng dẫn các xã thành lập hợp tác xã.",
            "recipients": "Thành ủy Cam Ranh (báo cáo)\nSở Kế hoạch và Đầu tư", "number": "", "signed_on": ""}
    done = client.post(f"{page}/sua", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?done=sua")
    shown = client.get(page).text
    assert "Đã biên tập" in shown and "Sở Kế hoạch và Đầu tư: từ năm 2025 đã hợp nhất vào Sở Tài chính" in shown
    with session_scope(db_engine) as session:  # the unit sends a fuller report: the compilation offers it
        again = session.exec(select(ReportPart).where(ReportPart.key == key)).one()
        again.generated = "bản tổng hợp trước"
    client.post(f"{page}/soan", data=sent_back(shown, f"{page}/soan"))
    shown = client.get(page).text
    assert "Nội dung tổng hợp mới:" in shown and f'name="take" value="{key}"' in shown
    assert ">Đã tuyên truyền tại 2 khu dân cư.</textarea>" in shown  # the edit kept
    exported = client.post(f"{page}/xuat", data=sent_back(shown, f"{page}/xuat"), follow_redirects=False)
    assert exported.status_code == 303
    word = client.get(f"{page}/tep/docx")
    assert word.status_code == 200
    (tmp_path / "r.docx").write_bytes(word.content)
    body = [p.text for p in Document(str(tmp_path / "r.docx")).paragraphs]
    assert "Theo báo cáo của UBND phường Ba Ngòi ngày 27/11/2026 (cơ quan thường trực biên tập):" in body
    assert "Tiếp tục hướng dẫn các xã thành lập hợp tác xã." in body
    assert client.get(f"/c/{token}/bao-cao/2026-Q3").status_code == 404
    with Session(db_engine) as session:
        actions = list(session.exec(select(WebAudit.action).where(WebAudit.outcome == "done")).all())
    assert actions.count("report_compile") == 2 and actions.count("report_edit") == 1
    assert actions.count("report_export") == 1
