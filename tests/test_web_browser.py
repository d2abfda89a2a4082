"""A ward clerk and the coordinator in a real headless browser (Debian's chromium via Playwright).

Follows the ward's link from its local inbox message, reports with a PDF, sees "chờ duyệt"; the
coordinator accepts it ("Hoàn thành đúng hạn"); a request for more time on another item is
approved and the next reminder carries the new deadline. Phone-width screenshots are saved under
the test's folder, and under ``$HTX_SCREENSHOTS_DIR`` when set (the README's come from here).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import Session

from htx_tasks.core.lifecycle import State
from htx_tasks.engine import run_pass
from htx_tasks.links import COORDINATOR_SUBJECT, Role
from htx_tasks.store.db import make_engine, upgrade
from tests.test_web_links import deliver
from tests.webkit import START, WARD, make_site, pdf_bytes

PHONE = {"width": 360, "height": 780}


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("HTX_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (HTX_REQUIRE_BROWSER=1) but not installed")
        print("skipping browser tests: no chromium (apt-get install -y chromium)")
        pytest.skip("no chromium")
    return path


@pytest.fixture
def served(plan, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    upgrade(engine)
    site = make_site(engine, plan, tmp_path / "var", web_url=base)
    server = uvicorn.Server(uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    yield site, base
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def shoot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=True)
    if target := os.environ.get("HTX_SCREENSHOTS_DIR"):
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(target) / name)


def test_ward_reports_from_its_message_and_the_coordinator_decides(served, tmp_path):
    from playwright.sync_api import sync_playwright

    site, base = served
    executable = chromium_path()
    inbox = deliver(site, START)
    unit_link = re.search(re.escape(base) + r"/u/[^/\s]+(?=\s)", inbox).group(0)
    first, second = [o for o in site.items(WARD) if State(o.state).active][:2]
    evidence = tmp_path / "bien-ban-tuyen-truyen.pdf"
    evidence.write_bytes(pdf_bytes("bien ban"))
    with Session(site.engine) as session:
        coordinator_link = f"{base}/c/{site.signer.issue(session, Role.COORDINATOR, COORDINATOR_SUBJECT)}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        ward = browser.new_page(viewport=PHONE, locale="vi-VN")
        ward.goto(unit_link)
        assert site.plan.unit_name(WARD) in ward.inner_text("h1")
        shoot(ward, tmp_path, "web-unit.png")
        ward.click(f'a[href$="/o/{first.id}"]')
        ward.fill("#results", "Đã tổ chức 3 buổi tuyên truyền tại các khu dân cư <b>tháng 11</b>.")
        ward.set_input_files("#files", str(evidence))
        ward.click("text=Gửi báo cáo")
        assert "chờ duyệt" in ward.inner_text(".flash.ok")
        assert "Đã báo cáo, chờ duyệt" in ward.inner_text("main")
        assert "bien-ban-tuyen-truyen.pdf" in ward.inner_text("main")

        ward.goto(f"{unit_link}/o/{second.id}")
        ward.click("summary:has-text('Đề nghị gia hạn')")
        ward.fill("#proposed", "2027-01-10")
        ward.fill("#reason", "Chờ số liệu tổng hợp của các hợp tác xã.")
        ward.click("text=Gửi đề nghị gia hạn")
        assert "Đề nghị gia hạn đến 10/01/2027, chờ quyết định" in ward.inner_text("main")
        ward.click("summary:has-text('Đã nhận, đang thực hiện')")  # the work is in hand: repeats pause
        ward.fill("#expected", "2026-12-08")
        ward.fill("#progress", "Đã gửi phiếu khảo sát 12 hợp tác xã, đang tổng hợp.")
        ward.click("button:has-text('Báo đã nhận, đang thực hiện')")
        assert "Đã ghi nhận: đơn vị đã nhận, đang thực hiện" in ward.inner_text(".flash.ok")
        assert "dự kiến hoàn thành 08/12/2026" in ward.inner_text("main")
        shoot(ward, tmp_path, "web-item.png")

        coordinator = browser.new_page(viewport=PHONE, locale="vi-VN")
        coordinator.goto(coordinator_link)
        assert "Báo cáo chờ duyệt (1)" in coordinator.inner_text("main")
        assert "Đơn vị báo đã nhận, đang thực hiện (1)" in coordinator.inner_text("main")
        assert "<b>tháng 11</b>" in coordinator.inner_text(f"#o{first.id} .note")  # shown as typed
        shoot(coordinator, tmp_path, "web-coordinator.png")
        with coordinator.expect_download() as download:
            coordinator.click("text=bien-ban-tuyen-truyen.pdf")
        assert Path(download.value.path()).read_bytes() == evidence.read_bytes()
        coordinator.click(f"#o{first.id} button[value=accept]")
        assert "Đã duyệt báo cáo" in coordinator.inner_text(".flash.ok")
        coordinator.click("button[value=approve]")
        assert "Đã đồng ý gia hạn" in coordinator.inner_text(".flash.ok")

        ward.goto(f"{unit_link}/o/{first.id}")
        assert "Hoàn thành đúng hạn" in ward.inner_text("main")
        ward.goto(f"{unit_link}/o/{second.id}")
        assert "Thứ Hai, 11/01/2027" in ward.inner_text("main")  # Sunday 10/01 → Monday (art. 148)
        browser.close()

    assert site.occurrence(first.id).state == State.DONE_ON_TIME.value
    assert site.occurrence(second.id).deadline == dt.date(2027, 1, 11)

    reminder_day = dt.datetime(2027, 1, 8, 1, 0, tzinfo=dt.UTC)
    run_pass(site.engine, site.plan, reminder_day)
    reminder = deliver(site, reminder_day).split("Kính gửi")[-1]
    assert "Nhắc việc" in reminder and "Hạn: Thứ Hai, 11/01/2027" in reminder
