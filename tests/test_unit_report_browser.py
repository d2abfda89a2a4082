"""A ward fills its structured report on a phone in a real headless browser (Debian's chromium):
results, the duty's figures, difficulties, proposals and a link; the page then shows each part, as
does the coordinator's queue. Screenshots at phone width (``web-report-form.png``,
``web-report-sent.png``) go to the test's folder and to ``$HTX_SCREENSHOTS_DIR`` (the README's).
"""

from __future__ import annotations

import re

from sqlmodel import Session

from htx_tasks.core.lifecycle import State
from htx_tasks.links import COORDINATOR_SUBJECT, Role
from tests.test_web_browser import PHONE, chromium_path, served, shoot
from tests.webkit import WARD

__all__ = ["served"]  # the browser tests' server, a fixture


def test_a_ward_fills_each_part_of_its_report_on_a_phone(served, tmp_path):
    from playwright.sync_api import sync_playwright

    site, base = served
    executable = chromium_path()
    item = next(o for o in site.items(WARD) if o.duty_code == "xa-theo-doi-htx" and State(o.state).active)
    with Session(site.engine) as session:
        unit_link = f"{base}/u/{site.signer.issue(session, Role.UNIT, WARD)}"
        coordinator_link = f"{base}/c/{site.signer.issue(session, Role.COORDINATOR, COORDINATOR_SUBJECT)}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        ward = browser.new_page(viewport=PHONE, locale="vi-VN")
        ward.goto(f"{unit_link}/o/{item.id}")
        ward.fill(
            "#results", "Theo dõi 4 hợp tác xã trên địa bàn; 3 hợp tác xã hoạt động ổn định, 1 hợp tác xã tạm ngừng hoạt động."
        )
        ward.fill("#figure-htx-theo-doi", "4")
        ward.fill("#figure-vuong-mac-bao-cao", "2")
        ward.fill("#difficulties", "Hợp tác xã Thủy sản Ba Ngòi thiếu mặt bằng sản xuất.")
        ward.fill("#proposals", "Đề nghị Phòng Kinh tế hướng dẫn thủ tục thuê đất.")
        ward.fill("#evidence_url", "https://camranh.gov.vn/bao-cao/htx-quy-iv")
        form = ward.locator("form.card").first
        assert form.bounding_box()["width"] <= PHONE["width"]  # nothing wider than the phone
        shoot(ward, tmp_path, "web-report-form.png")
        ward.click("text=Gửi báo cáo")
        assert "chờ duyệt" in ward.inner_text(".flash.ok")
        shown = re.sub(r"\s+", " ", ward.inner_text("main"))
        assert "Số hợp tác xã trên địa bàn được theo dõi: 4 hợp tác xã" in shown
        assert "Khó khăn, vướng mắc: Hợp tác xã Thủy sản Ba Ngòi thiếu mặt bằng sản xuất." in shown
        assert "Đề xuất, kiến nghị: Đề nghị Phòng Kinh tế hướng dẫn thủ tục thuê đất." in shown
        shoot(ward, tmp_path, "web-report-sent.png")
        coordinator = browser.new_page(viewport=PHONE, locale="vi-VN")
        coordinator.goto(coordinator_link)
        queue = re.sub(r"\s+", " ", coordinator.inner_text(f"#o{item.id}"))
        assert "Số khó khăn, vướng mắc đã báo cáo, đề xuất hướng giải quyết: 2 vướng mắc" in queue
        browser.close()
