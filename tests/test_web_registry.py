"""The unit's registry page through HTTP: list as of today, confirm, edit; refusals write nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select
from storekit import plan_with

from htx_tasks.links import COORDINATOR_SUBJECT
from htx_tasks.registry import service
from htx_tasks.registry.models import CoopVersion, RegistryUpdate
from htx_tasks.services import Actor, Refused
from htx_tasks.services.registry import ConfirmRegistry, confirm_registry
from htx_tasks.store.answers import WebAudit
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import AuditEvent
from tests.webkit import OTHER_WARD, START, WARD, make_site, organisations


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def written(site) -> tuple:
    with Session(site.engine) as session:
        return (tuple(session.exec(select(func.count()).select_from(m)).one()
                      for m in (CoopVersion, RegistryUpdate, AuditEvent)),
                session.exec(select(func.count()).select_from(WebAudit).where(WebAudit.outcome == "done")).one())


def edit_form(**values) -> dict:
    form = {"valid_from": "2026-11-27", "status": "dang-hoat-dong", "members": "25", "charter_capital": "",
            "rating": "", "rating_year": "", "tech_note": "", "key_products": "", "key_product_count": "",
            "ecommerce_products": "", "brand": "", "note": ""}
    form.update(values)
    return form


def test_the_unit_page_leads_to_the_registry_page_and_a_confirmation_is_recorded(site):
    client = TestClient(site.app, client=("203.0.113.9", 5000))
    token = site.token(WARD)
    unit_page = client.get(f"/u/{token}")
    assert f'href="/u/{token}/so-htx"' in unit_page.text and "Sổ theo dõi hợp tác xã" in unit_page.text
    page = client.get(f"/u/{token}/so-htx")
    assert page.status_code == 200
    assert "Hợp tác xã nông nghiệp Ba Ngòi" in page.text and "HTX-BN2" in page.text
    assert "HTX-CL1" not in page.text  # another ward's organisation
    assert "Chưa cập nhật" in page.text and "Hạn cập nhật: <strong>10/12/2026</strong>" in page.text
    answer = client.post(f"/u/{token}/so-htx/xac-nhan", data={"csrf": csrf_of(page.text),
                                                              "seen": hidden(page.text, "seen")},
                         follow_redirects=False)
    assert answer.status_code == 303
    after = client.get(answer.headers["location"])
    assert "Đã ghi nhận: danh sách hợp tác xã của đơn vị không thay đổi" in after.text
    assert "Đã cập nhật" in after.text and "Lần cập nhật gần nhất: 27/11/2026" in after.text
    with Session(site.engine) as session:
        row = session.exec(select(RegistryUpdate)).one()
        audit = session.exec(select(WebAudit).where(WebAudit.action == "registry_confirm")).one()
        link_id = site.signer.verify(session, token, site.clock.now).link_id
    assert (row.unit_code, row.organisations, row.role, row.via) == (WARD, 2, "unit", f"link:{link_id}")
    assert (audit.subject, audit.link_id, audit.client, audit.outcome) == (WARD, link_id, "203.0.113.9", "done")


def test_a_post_without_the_form_token_is_refused_and_writes_nothing(site):
    client = TestClient(site.app, follow_redirects=False)
    token = site.token(WARD)
    client.get(f"/u/{token}/so-htx")  # the browser has its cookie, the attacker's form has no token
    before = written(site)
    confirm = client.post(f"/u/{token}/so-htx/xac-nhan", data={"seen": "x"})
    edit = client.post(f"/u/{token}/so-htx/HTX-BN1", data=edit_form(members="99"))
    assert confirm.status_code == edit.status_code == 403 and "mã chống giả mạo" in edit.text
    assert written(site) == before


def test_another_wards_organisation_cannot_be_seen_or_edited(site):
    client = TestClient(site.app, follow_redirects=False)
    token = site.token(WARD)
    csrf = csrf_of(client.get(f"/u/{token}/so-htx").text)
    before = written(site)
    assert client.get(f"/u/{token}/so-htx/HTX-CL1").status_code == 403
    answer = client.post(f"/u/{token}/so-htx/HTX-CL1", data={"csrf": csrf, **edit_form(members="1")})
    assert answer.status_code == 403 and "không thuộc danh sách hợp tác xã đơn vị theo dõi" in answer.text
    assert client.get(f"/u/{token}/so-htx/KHONG-CO").status_code == 403
    assert written(site) == before


def test_a_unit_with_no_monitoring_duty_has_no_registry_page(site):
    client = TestClient(site.app, follow_redirects=False)
    page = client.get(f"/u/{site.token('phong-tai-chinh-ke-hoach')}/so-htx")
    assert page.status_code == 404 and "không có nhiệm vụ theo dõi hợp tác xã" in page.text


def test_a_bad_value_is_refused_naming_the_field_and_the_form_keeps_what_was_typed(site):
    client = TestClient(site.app, follow_redirects=False)
    token = site.token(WARD)
    page = client.get(f"/u/{token}/so-htx/HTX-BN1")
    before = written(site)
    answer = client.post(f"/u/{token}/so-htx/HTX-BN1", data={
        "csrf": csrf_of(page.text), "version": hidden(page.text, "version"),
        **edit_form(members="ba mươi", brand="<script>alert(1)</script>")})
    assert answer.status_code == 400
    assert "Số thành viên: cần một số nguyên" in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text and "<script>" not in answer.text
    assert 'value="ba mươi"' in answer.text
    rated = client.post(f"/u/{token}/so-htx/HTX-BN1", data={
        "csrf": csrf_of(page.text), "version": hidden(page.text, "version"), **edit_form(rating="kha")})
    assert rated.status_code == 400 and "Năm xếp loại: có xếp loại thì phải ghi năm xếp loại" in rated.text
    future = client.post(f"/u/{token}/so-htx/HTX-BN1", data={
        "csrf": csrf_of(page.text), "version": hidden(page.text, "version"),
        **edit_form(members="30", valid_from="2026-12-01")})
    assert future.status_code == 400 and "Ngày hiệu lực: ngày 01/12/2026 chưa đến" in future.text
    unchanged = client.post(f"/u/{token}/so-htx/HTX-BN1", data={
        "csrf": csrf_of(page.text), "version": hidden(page.text, "version"), **edit_form()})
    assert unchanged.status_code == 400 and "Không có thông tin nào thay đổi" in unchanged.text
    assert written(site)[0] == before[0]  # no version, no update, no audit trail row
    with Session(site.engine) as session:
        refusals = session.exec(select(WebAudit).where(WebAudit.outcome == "refused")).all()
    assert [r.action for r in refusals] == ["registry_edit"] * 4


def test_an_edit_writes_a_new_version_and_a_stale_page_is_refused(site):
    client = TestClient(site.app, follow_redirects=False)
    token = site.token(WARD)
    first = client.get(f"/u/{token}/so-htx/HTX-BN1").text
    second = client.get(f"/u/{token}/so-htx/HTX-BN1").text  # the same form open in another tab
    answer = client.post(f"/u/{token}/so-htx/HTX-BN1", data={
        "csrf": csrf_of(first), "version": hidden(first, "version"),
        **edit_form(members="31", rating="kha", rating_year="2025", tech="Có", tech_note="Truy xuất nguồn gốc QR",
                    valid_from="2026-11-20")})
    assert answer.status_code == 303
    listing = client.get(answer.headers["location"]).text
    assert "Đã cập nhật thông tin tổ chức" in listing and "Thành viên: 31" in listing
    assert "Khá (năm 2025)" in listing and "Truy xuất nguồn gốc QR" in listing
    before = written(site)
    stale = client.post(f"/u/{token}/so-htx/HTX-BN1", data={
        "csrf": csrf_of(second), "version": hidden(second, "version"), **edit_form(members="40")})
    assert stale.status_code == 409 and "đã có người xử lý trước" in stale.text
    assert written(site)[0] == before[0]
    with Session(site.engine) as session:
        versions = session.exec(select(CoopVersion).where(CoopVersion.code == "HTX-BN1")
                                .order_by(CoopVersion.valid_from)).all()
        update = session.exec(select(RegistryUpdate)).one()
    assert [(v.valid_from, v.valid_to, v.members, v.source) for v in versions] == [
        (dt.date(2023, 1, 1), dt.date(2026, 11, 20), 25, "import"), (dt.date(2026, 11, 20), None, 31, "web")]
    assert (update.kind, update.coop_code, update.unit_code) == ("edit", "HTX-BN1", WARD)


def test_a_confirmation_from_a_page_gone_stale_is_refused(site):
    client = TestClient(site.app, follow_redirects=False)
    token = site.token(WARD)
    page = client.get(f"/u/{token}/so-htx").text
    edit = client.get(f"/u/{token}/so-htx/HTX-BN2").text
    assert client.post(f"/u/{token}/so-htx/HTX-BN2", data={
        "csrf": csrf_of(edit), "version": hidden(edit, "version"), **edit_form(members="12")}).status_code == 303
    answer = client.post(f"/u/{token}/so-htx/xac-nhan", data={"csrf": csrf_of(page), "seen": hidden(page, "seen")})
    assert answer.status_code == 409 and "đã có người xử lý trước" in answer.text
    with Session(site.engine) as session:
        assert [u.kind for u in session.exec(select(RegistryUpdate)).all()] == ["edit"]


def test_the_coordinator_page_lists_the_units_not_yet_updated_stale_first(site, plan):
    client = TestClient(site.app, follow_redirects=False)
    token = site.token(WARD)
    page = client.get(f"/u/{token}/so-htx").text
    assert client.post(f"/u/{token}/so-htx/xac-nhan", data={"csrf": csrf_of(page), "seen": hidden(page, "seen")}
                       ).status_code == 303
    site.clock.now = dt.datetime(2026, 12, 11, 2, 0, tzinfo=dt.UTC)  # the wards' due date 10/12 has passed
    coordinator = client.get(f"/c/{site.token(COORDINATOR_SUBJECT)}").text
    section = coordinator.split("Sổ theo dõi hợp tác xã: đơn vị chưa cập nhật kỳ này (")[1]
    assert section.startswith("16)")  # 14 wards stale, the two departments still to do
    assert "UBND phường Ba Ngòi" not in section
    assert re.search(r"UBND phường Cam Linh</strong> \[III\.8\.2\] · 1 tổ chức · cập nhật gần nhất: chưa có · "
                     r"hạn 10/12/2026 <span class=\"badge overdue\">Quá hạn cập nhật</span>", section)
    assert section.index("Quá hạn cập nhật") < section.index("Phòng Kinh tế</strong>")


def test_a_post_with_only_some_fields_changes_those_and_keeps_the_others(site):
    client = TestClient(site.app, follow_redirects=False)
    token = site.token(WARD)
    page = client.get(f"/u/{token}/so-htx/HTX-BN1").text
    full = client.post(f"/u/{token}/so-htx/HTX-BN1", data={
        "csrf": csrf_of(page), "version": hidden(page, "version"),
        **edit_form(rating="kha", rating_year="2025", tech="Có", tech_note="Sấy lạnh", key_products="Gạo; Nấm",
                    key_product_count="2", note="Đã đại hội", valid_from="2026-11-20")})
    assert full.status_code == 303, re.findall(r"role=\"alert\">([^<]*)", full.text)
    page = client.get(f"/u/{token}/so-htx/HTX-BN1").text
    partial = client.post(f"/u/{token}/so-htx/HTX-BN1", data={
        "csrf": csrf_of(page), "version": hidden(page, "version"), "valid_from": "2026-11-27", "members": "40"})
    assert partial.status_code == 303
    with Session(site.engine) as session:
        now = session.exec(select(CoopVersion).where(CoopVersion.code == "HTX-BN1", CoopVersion.valid_to.is_(None))).one()
    assert (now.members, now.rating, now.rating_year, now.tech, now.key_products, now.key_product_count, now.note) == \
        (40, "kha", 2025, True, "Gạo; Nấm", 2, "Đã đại hội")
    page = client.get(f"/u/{token}/so-htx/HTX-BN1").text
    unticked = client.post(f"/u/{token}/so-htx/HTX-BN1", data={  # the page's own form: hidden "Không", box unticked
        "csrf": csrf_of(page), "version": hidden(page, "version"), "valid_from": "2026-11-27", "tech": "Không"})
    assert unticked.status_code == 303
    with Session(site.engine) as session:
        now = session.exec(select(CoopVersion).where(CoopVersion.code == "HTX-BN1", CoopVersion.valid_to.is_(None))).one()
    assert (now.tech, now.members, now.rating) == (False, 40, "kha")


BA_NGOI = "  - {code: phuong-ba-ngoi, name: UBND phường Ba Ngòi, kind: ward}"
MERGED = "UBND phường Ba Ngòi đã chuyển nhiệm vụ sang UBND phường Cam Linh từ ngày 01/11/2026 (Sáp nhập)"


def test_a_merged_ward_cannot_write_through_its_old_link_and_its_successor_keeps_its_organisations(db_engine, tmp_path):
    merged = plan_with(tmp_path, (BA_NGOI, BA_NGOI[:-1] + ", successor: {unit: phuong-cam-linh, on: 2026-11-01, why: Sáp nhập}}"))
    site = make_site(db_engine, merged, tmp_path / "var")
    with session_scope(db_engine) as session:
        service.apply(session, organisations(), source="import", now=START)
    client = TestClient(site.app, follow_redirects=False)
    old = site.token(WARD)
    page = client.get(f"/u/{old}/so-htx")
    assert page.status_code == 403 and MERGED in page.text
    assert "/so-htx" not in client.get(f"/u/{old}").text  # no registry card on its page any more
    with Session(site.engine) as session:
        link_id = site.signer.verify(session, old, START).link_id
    csrf = site.signer.csrf_token(link_id, client.cookies["htx_csrf"])
    before = written(site)
    for path, data in (("xac-nhan", {}), ("HTX-BN1", {**edit_form(members="99")})):
        refused = client.post(f"/u/{old}/so-htx/{path}", data={"csrf": csrf, **data})
        assert refused.status_code == 403 and MERGED in refused.text, path
    assert written(site) == before
    with Session(site.engine) as session:
        trail = session.exec(select(WebAudit).where(WebAudit.link_id == link_id)).all()
    assert [(r.action, r.outcome) for r in trail] == [("registry_confirm", "refused"), ("registry_edit", "refused")]
    assert all("UBND phường Cam Linh" in r.detail for r in trail)
    with pytest.raises(Refused, match="đã chuyển nhiệm vụ sang UBND phường Cam Linh"):  # the CLI and Prefect forms too
        with session_scope(db_engine) as session:
            confirm_registry(session, merged, Actor.coordinator("cli:kiem-thu"), ConfirmRegistry.parse(unit=WARD, seen="0" * 16),
                             now=START)  # whatever list was seen: the merge is refused first
    heir = site.token(OTHER_WARD)
    listing = client.get(f"/u/{heir}/so-htx").text
    for code in ("HTX-BN1", "HTX-BN2", "HTX-CL1"):
        assert f"/so-htx/{code}" in listing
    form = client.get(f"/u/{heir}/so-htx/HTX-BN1").text
    answer = client.post(f"/u/{heir}/so-htx/HTX-BN1", data={"csrf": csrf_of(form), "version": hidden(form, "version"),
                                                           **edit_form(members="31")})
    assert answer.status_code == 303
    listing = client.get(f"/u/{heir}/so-htx").text
    assert client.post(f"/u/{heir}/so-htx/xac-nhan", data={"csrf": csrf_of(listing), "seen": hidden(listing, "seen")}
                       ).status_code == 303
    with Session(site.engine) as session:
        units = [u.unit_code for u in session.exec(select(RegistryUpdate).order_by(RegistryUpdate.id)).all()]
    assert units == [OTHER_WARD, OTHER_WARD]
