"""The coordinator reviews an imported assignment table in a real headless browser at phone width.

A realistic appendix (two-row header with merged cells, phrase deadlines, a unit the directory does
not know) is imported into review. In Chromium at 360 px the coordinator opens it from their page,
sees each row beside its source line, is refused activation while rows lack a deadline, sets the
deadlines (a date, a monthly and a yearly phrase), confirms the proposed unit, drops a row and
activates; nothing was opened for the plan before, and the next pass assigns its work. Screenshots
for the README come from here (``HTX_SCREENSHOTS_DIR``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from htx_tasks.core.lifecycle import Kind
from htx_tasks.engine import run_pass
from htx_tasks.intake.directory import directory_of, policy_of
from htx_tasks.intake.errors import Limits
from htx_tasks.intake.imports import draft_of, import_table
from htx_tasks.links import COORDINATOR_SUBJECT, Role
from htx_tasks.services import Actor
from htx_tasks.services.draftplan import stored_plans
from htx_tasks.services.drafts import register_draft
from htx_tasks.store.db import read_scope, session_scope
from htx_tasks.store.models import Notification, Occurrence, PlanRow
from tests import test_web_browser
from tests.intake_samples import assignment_workbook
from tests.test_web_browser import PHONE, chromium_path

served = test_web_browser.served  # the same served web app, as a fixture of this module
CODE = "phu-luc"


def imported(site, folder: Path) -> None:
    directory, units = directory_of(site.plan)
    table = import_table(assignment_workbook(folder / "phu-luc.xlsx"), directory, Limits())
    with session_scope(site.engine) as session:
        register_draft(session, site.plan, Actor.coordinator("cli:kiem-thu"), draft_of(table, units, policy_of(site.plan)),
                       taken={site.plan.meta.code, *site.plan.duties}, now=site.clock.now)


def snap(target, tmp_path: Path, name: str) -> None:
    """A screenshot of the page's first screen or of one element, kept for the README when asked."""
    target.screenshot(path=str(tmp_path / name))
    if folder := os.environ.get("HTX_SCREENSHOTS_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(folder) / name)


def counts(site) -> tuple[int, int]:
    with Session(site.engine) as session:
        items = session.execute(select(func.count()).select_from(Occurrence).where(Occurrence.plan_code == CODE)).scalar_one()
        assigned = session.execute(select(func.count()).select_from(Notification).join(
            Occurrence, Occurrence.id == Notification.occurrence_id).where(
            Occurrence.plan_code == CODE, Notification.kind == Kind.ASSIGNED.value)).scalar_one()
    return items, assigned


def office(site) -> list:
    with read_scope(site.engine) as session:
        return [site.plan, *stored_plans(session, site.plan).values()]


def open_row(page, row: int):
    """The card of draft row ``row`` with its form unfolded."""
    card = page.locator(".card", has=page.locator(f"summary:text-is('Sửa dòng {row}')"))
    if card.locator("details").get_attribute("open") is None:
        card.locator("summary").click()
    return card


def save_row(page, row: int, *, deadline: str | None = None, unit: str | None = None, drop: bool = False) -> None:
    card = open_row(page, row)
    if deadline:
        card.locator("input[name=deadline]").fill(deadline)
    if unit:
        card.locator("select[name=unit]").select_option(unit)
    if drop:
        card.locator("input[name=dropped]").check()
    card.locator(f"button:has-text('Lưu dòng {row}')").click()
    assert "Đã lưu dòng đã sửa" in page.inner_text(".flash.ok")


def test_the_coordinator_reviews_an_imported_table_at_phone_width_and_activates_it(served, tmp_path):
    from playwright.sync_api import sync_playwright

    site, base = served
    imported(site, tmp_path)
    run_pass(site.engine, office(site), site.clock.now)
    assert counts(site) == (0, 0), "a draft opens and sends nothing"
    with Session(site.engine) as session:
        coordinator_link = f"{base}/c/{site.signer.issue(session, Role.COORDINATOR, COORDINATOR_SUBJECT)}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page(viewport=PHONE, locale="vi-VN")
        page.goto(coordinator_link)
        assert "Kế hoạch nháp chờ rà soát (1)" in page.inner_text("main")
        page.click("a:has-text('PHỤ LỤC: DANH MỤC NHIỆM VỤ')")
        main = page.inner_text("main")
        assert "chưa mở nhiệm vụ nào, chưa gửi thông báo nào" in main and "11 dòng" in main
        assert "phu-luc.xlsx, trang 'Phụ lục', dòng 10" in main and "“Kỳ họp chuyên đề tháng 5/2026”" in main
        assert "Sở Tư pháp" in page.inner_text("h2 + .card") and "cần xác nhận" in main
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "nothing wider than the phone"
        snap(page, tmp_path, "web-draft.png")

        page.click("button:has-text('Bắt đầu theo dõi kế hoạch')")
        refused = page.inner_text(".flash.err")
        assert "chưa theo dõi được" in refused and "Dòng 4 (III.4): chưa có thời hạn" in refused
        assert "Dòng 6 (III.6): cần xác nhận đơn vị “Sở Tư pháp”" in refused
        save_row(page, 4, deadline="31/05/2026")
        snap(open_row(page, 5), tmp_path, "web-draft-row.png")
        save_row(page, 5, deadline="ngày 25 hằng tháng")
        save_row(page, 6, unit="so-tu-phap")
        save_row(page, 7, deadline="hằng năm, trước ngày 15/12")
        save_row(page, 9, drop=True)
        assert page.locator(".card.dropped").count() == 1
        page.click("button:has-text('Bắt đầu theo dõi kế hoạch')")
        assert "Đã bắt đầu theo dõi kế hoạch" in page.inner_text(".flash.ok")
        assert "Đang theo dõi" in page.inner_text("main") and page.locator("form[action$='/kich-hoat']").count() == 0
        page.goto(coordinator_link)
        assert "Kế hoạch nháp chờ rà soát" not in page.inner_text("main")
        browser.close()

    with Session(site.engine) as session:
        assert session.get(PlanRow, CODE).status == "active"
    plans = office(site)
    assert [p.meta.code for p in plans] == [site.plan.meta.code, CODE]
    assert len(plans[1].duties) == 10 and plans[1].unit("so-tu-phap").name == "Sở Tư pháp"
    run_pass(site.engine, plans, site.clock.now)
    items, assigned = counts(site)
    assert items > 0 and assigned >= items, "activated: the next pass assigns the plan's work"
