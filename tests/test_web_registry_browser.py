"""A ward clerk keeps the registry current from a phone (Debian's chromium via Playwright).

From the reminder of III.8.2 in the ward's inbox to the registry page; a wrong value is refused
naming the field, a right one is saved as a new version, and the list is confirmed. Phone-width
screenshots go to the test's folder and to ``$HTX_SCREENSHOTS_DIR`` (the README's come from here).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session, select

from htx_tasks.core.coops import Coop
from htx_tasks.registry import service
from htx_tasks.registry.models import CoopVersion, RegistryUpdate
from htx_tasks.store.db import session_scope
from tests import test_web_browser
from tests.test_web_browser import PHONE, chromium_path, shoot
from tests.test_web_links import deliver
from tests.webkit import START, WARD


def org(code: str, name: str, sector: str, follow: str, **kw) -> Coop:
    values = {"kind": "hop-tac-xa", "ward": WARD, "sector": sector, "follow_unit": follow,
              "status": "dang-hoat-dong", "founded_on": dt.date(2012, 5, 10), "valid_from": dt.date(2025, 12, 15)}
    values.update(kw)
    return Coop(code=code, name=name, **values)


served = test_web_browser.served  # the same served web app, as a fixture of this module

REGISTRY = [
    org("HTX-BN-01", "Hợp tác xã Nông nghiệp Ba Ngòi", "nong-nghiep", "phong-kinh-te", members=86,
        charter_capital=350, rating="kha", rating_year=2025, key_products="xoài Cam Ranh; tỏi",
        key_product_count=2, ecommerce_products=1, brand="Xoài Ba Ngòi"),
    org("HTX-BN-02", "Hợp tác xã Vận tải Ba Ngòi", "giao-thong-van-tai", "phong-quan-ly-do-thi", members=24,
        charter_capital=500, rating="trung-binh", rating_year=2025, tech=True, tech_note="định vị GPS, vé điện tử"),
    org("THT-BN-03", "Tổ hợp tác Nước mắm Ba Ngòi", "thuy-san", "phong-kinh-te", kind="to-hop-tac", members=9,
        key_products="nước mắm", key_product_count=1, ecommerce_products=0),
]


def test_a_ward_edits_and_confirms_its_cooperatives_from_its_reminder(served, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    site, base = served
    executable = chromium_path()
    with session_scope(site.engine) as session:
        service.apply(session, REGISTRY, source="import", now=START)
    inbox = deliver(site, START)
    registry_link = re.search(re.escape(base) + r"/u/[^/\s]+/so-htx(?=\s)", inbox).group(0)
    assert "xác nhận hoặc cập nhật danh sách hợp tác xã" in inbox

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        ward = browser.new_page(viewport=PHONE, locale="vi-VN")
        ward.goto(registry_link.removesuffix("/so-htx"))
        ward.click("text=Xem, xác nhận, cập nhật sổ")
        assert "Chưa cập nhật" in ward.inner_text("main")
        assert "Hợp tác xã Vận tải Ba Ngòi" in ward.inner_text("main")
        shoot(ward, tmp_path, "web-registry.png")

        ward.click('a[href$="/so-htx/HTX-BN-02"]')
        ward.fill("#members", "hai mươi")
        ward.click("text=Lưu thông tin mới")
        assert "Số thành viên: cần một số nguyên" in ward.inner_text(".flash.err")
        ward.fill("#members", "27")
        ward.select_option("#status", "ngung-hoat-dong")
        ward.fill("#note", "Tạm ngừng từ 20/11/2026 để sắp xếp lại phương tiện")
        ward.fill("#valid_from", "2026-11-20")
        shoot(ward, tmp_path, "web-registry-edit.png")
        ward.click("text=Lưu thông tin mới")
        assert "Đã cập nhật thông tin tổ chức" in ward.inner_text(".flash.ok")
        assert "Ngừng hoạt động" in ward.inner_text("main")

        ward.click("text=Xác nhận danh sách không thay đổi")
        assert "Đã ghi nhận" in ward.inner_text(".flash.ok")
        assert "Đã cập nhật" in ward.inner_text("main")
        browser.close()

    with Session(site.engine) as session:
        latest = session.exec(select(CoopVersion).where(CoopVersion.code == "HTX-BN-02",
                                                        CoopVersion.valid_to.is_(None))).one()
        updates = session.exec(select(RegistryUpdate).order_by(RegistryUpdate.id)).all()
    assert (latest.members, latest.status, latest.valid_from, latest.source) == (
        27, "ngung-hoat-dong", dt.date(2026, 11, 20), "web")
    assert [(u.kind, u.unit_code) for u in updates] == [("edit", WARD), ("confirm", WARD)]
