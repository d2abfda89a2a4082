"""The draft review page as the web app serves it: escaped text, limits, who may open it, and what
activation changes for the other pages (SQLite and PostgreSQL). Versions and CSRF of its two forms
are walked with every other POST in ``test_web_routes``."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from htx_tasks.engine import run_pass
from htx_tasks.intake.directory import directory_of, policy_of
from htx_tasks.intake.errors import Limits
from htx_tasks.intake.imports import draft_of, import_table
from htx_tasks.links import COORDINATOR_SUBJECT
from htx_tasks.services import Actor
from htx_tasks.services.drafts import register_draft
from htx_tasks.store.answers import WebAudit
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import DraftRow, PlanRow
from tests.webkit import WARD, make_site, sent_back

HOSTILE = "<script>alert(1)</script> Rà soát hợp tác xã"


@pytest.fixture
def site(db_engine, plan, tmp_path):
    return make_site(db_engine, plan, tmp_path / "var")


def imported(site, folder: Path) -> list[DraftRow]:
    table = folder / "bang.csv"
    table.write_text("STT,Nội dung nhiệm vụ,Cơ quan chủ trì,Thời hạn\n"
                     f"1,\"{HOSTILE}\",<b>Ban Lạ</b>,Quý I/2027\n"
                     "2,Tuyên truyền Luật Hợp tác xã,Phòng Văn hóa - Thông tin,Thường xuyên\n", encoding="utf-8")
    directory, units = directory_of(site.plan)
    draft = draft_of(import_table(table, directory, Limits()), units, policy_of(site.plan))
    with session_scope(site.engine) as session:
        register_draft(session, site.plan, Actor.coordinator("cli:kiem-thu"), draft, taken=set(site.plan.duties),
                       now=site.clock.now)
    with Session(site.engine) as session:
        return list(session.exec(select(DraftRow).order_by(DraftRow.position)).all())


def test_the_page_escapes_the_files_words_and_only_the_coordinator_opens_it(site, tmp_path) -> None:
    rows = imported(site, tmp_path)
    client, token = TestClient(site.app), site.token(COORDINATOR_SUBJECT)
    listed = client.get(f"/c/{token}").text
    assert 'href="/c/' in listed and "/ke-hoach/bang" in listed and "Kế hoạch nháp chờ rà soát (1)" in listed
    page = client.get(f"/c/{token}/ke-hoach/bang")
    assert page.status_code == 200 and 'lang="vi"' in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt; Rà soát" in page.text
    assert "&lt;b&gt;Ban Lạ&lt;/b&gt;" in page.text and "<b>Ban Lạ" not in page.text
    assert "bang.csv, dòng 2" in page.text and "Thường xuyên: làm liên tục, không có hạn" in page.text
    assert rows[0].unit_code and not rows[0].unit_sure, "an unknown unit is proposed, to confirm"
    ward = client.get(f"/c/{site.token(WARD)}/ke-hoach/bang")
    assert ward.status_code == 403
    assert client.get(f"/c/{token}/ke-hoach/khong-co").status_code == 404


def test_a_deadline_too_long_or_a_field_over_its_size_is_refused_and_writes_nothing(site, tmp_path) -> None:
    rows = imported(site, tmp_path)
    client, token = TestClient(site.app), site.token(COORDINATOR_SUBJECT)
    page = f"/c/{token}/ke-hoach/bang"
    url = f"{page}/dong/{rows[1].id}"
    shown = sent_back(client.get(page).text, url)
    long = client.post(url, data={**shown, "deadline": "quý I/2027 " + "x" * 200}, follow_redirects=False)
    assert long.status_code == 400 and "Thời hạn: dài quá 200 ký tự" in long.text
    huge = client.post(url, data={**shown, "deadline": "y" * 5000}, follow_redirects=False)
    assert huge.status_code == 413 and 'lang="vi"' in huge.text
    unread = client.post(url, data={**shown, "deadline": "Kỳ họp chuyên đề tháng 5/2026"}, follow_redirects=False)
    assert unread.status_code == 400 and "Thời hạn: chưa dùng được “Kỳ họp chuyên đề tháng 5/2026”" in unread.text
    with Session(site.engine) as session:
        assert session.get(DraftRow, rows[1].id).recurrence is None and session.get(PlanRow, "bang").version == 1
        refused = session.exec(select(WebAudit).where(WebAudit.action == "edit_draft_row")).all()
    assert [a.outcome for a in refused] == ["refused", "refused"], "each refusal is audited (413 before the form is read)"


def test_once_activated_the_plans_items_show_on_the_units_page(site, tmp_path) -> None:
    rows = imported(site, tmp_path)
    client, token = TestClient(site.app), site.token(COORDINATOR_SUBJECT)
    page = f"/c/{token}/ke-hoach/bang"
    for row, form in ((rows[0], {"unit": "phong-kinh-te"}), (rows[1], {"deadline": "hằng quý, trước ngày 15 tháng cuối quý"})):
        url = f"{page}/dong/{row.id}"
        done = client.post(url, data={**sent_back(client.get(page).text, url), **form}, follow_redirects=False)
        assert done.status_code == 303, done.text[-400:]
    url = f"{page}/kich-hoat"
    done = client.post(url, data=sent_back(client.get(page).text, url), follow_redirects=False)
    assert done.status_code == 303 and "Đã bắt đầu theo dõi" in client.get(done.headers["location"]).text
    plans = list(site.app.state.web.plans.values())
    assert [p.meta.code for p in plans] == [site.plan.meta.code, "bang"]
    run_pass(site.engine, plans, site.clock.now)
    unit_page = client.get(f"/u/{site.token('phong-van-hoa-thong-tin')}").text
    assert "Tuyên truyền Luật Hợp tác xã" in unit_page
