"""The consolidated report for the README: its printed pages and the coordinator's editing page.

On a scratch database with the synthetic registry: a pass on 01/12/2026, three units report
through their web pages (the form a unit fills), a pass on 28/12/2026; the coordinator opens the
report page, compiles the draft, edits a unit's words and writes the directions, compiles again
(the edit is kept, the new text offered), exports to Word and PDF. Writes to docs/screenshots/:

- ``report-page1.png`` and ``report-page-last.png``: the PDF's first and last pages (pdftoppm);
- ``web-report-phone.png`` (390 px wide) and ``web-report-desktop.png`` (1280 px): the editing page.

Needs Debian's ``chromium``, ``libreoffice-writer-nogui`` and ``poppler-utils``.
Usage: ``.venv/bin/python scripts/report_screenshots.py [--out docs/screenshots]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEY = "screenshots-" + "k" * 32
REPORTS = {
    "phong-kinh-te": "Đã hướng dẫn 2 hợp tác xã nông nghiệp thành lập mới tại xã Cam Lập; tư vấn hồ sơ cho 1 tổ hợp tác.",
    "phuong-ba-ngoi": "Đã tuyên truyền Luật Hợp tác xã năm 2023 tại 4 khu dân cư, 160 lượt người tham dự.",
    "ubmttq-thanh-pho": "Đã lồng ghép tuyên truyền kinh tế tập thể trong 3 hội nghị của Mặt trận.",
}

MORE = {
    "phong-kinh-te": {"difficulties": "Thiếu cán bộ chuyên trách kinh tế tập thể ở các xã.",
                      "proposals": "Đề nghị Sở Tài chính bố trí kinh phí tập huấn cho hợp tác xã.",
                      "figure:htx-duoc-huong-dan": "2", "figure:htx-thanh-lap-moi": "1"},
    "phuong-ba-ngoi": {"difficulties": "Hợp tác xã chưa quan tâm bán hàng qua thương mại điện tử."},
}


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def hidden(html: str, action: str) -> dict[str, str]:
    form = re.search(rf'action="{re.escape(action)}".*?</form>', html, re.S)
    assert form is not None, action
    return dict(re.findall(r'type="hidden" name="(csrf|version)" value="([^"]*)"', form.group(0)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not (chromium and shutil.which("soffice") and shutil.which("pdftoppm")):
        print("cần chromium, soffice và pdftoppm: apt-get install -y chromium libreoffice-writer-nogui poppler-utils")
        return 1
    scratch = Path(tempfile.mkdtemp(prefix="htx-report-"))
    import uvicorn
    from fastapi.testclient import TestClient
    from playwright.sync_api import sync_playwright
    from sqlmodel import Session, select

    from htx_tasks import clock as clocks
    from htx_tasks.engine import run_pass, sync_plan
    from htx_tasks.links import COORDINATOR_SUBJECT, Role, Signer
    from htx_tasks.plan.office import load_one as load_plan
    from htx_tasks.registry.service import load_demo
    from htx_tasks.settings import Settings
    from htx_tasks.store.db import make_engine, session_scope, upgrade
    from htx_tasks.store.models import Occurrence
    from htx_tasks.web.app import create_app

    plan = load_plan(ROOT / "config")
    engine = make_engine(f"sqlite:///{scratch / 'htx.db'}")
    upgrade(engine)
    clock = Clock(clocks.parse_instant("2026-12-01T07:30"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(var_dir=scratch / "var", config_dir=ROOT / "config", link_key=KEY,
                        web_url=f"http://127.0.0.1:{port}")
    signer = Signer(KEY, now=clock)
    app = create_app(engine, plan, signer, settings=settings, now=clock)
    with session_scope(engine) as session:
        sync_plan(session, plan)
        load_demo(session, plan, now=clock.now)
    run_pass(engine, plan, clock.now)

    def token(subject: str) -> str:
        with Session(engine) as session:
            return signer.issue(session, Role.COORDINATOR if subject == COORDINATOR_SUBJECT else Role.UNIT, subject)

    clock.now = clocks.parse_instant("2026-12-02T09:00")
    for unit, text in REPORTS.items():  # each unit on its own page, as a clerk would
        client, link = TestClient(app), token(unit)
        with Session(engine) as session:
            item = session.exec(select(Occurrence).where(Occurrence.unit_code == unit,
                                                         Occurrence.deadline >= dt.date(2026, 7, 1))
                                .order_by(Occurrence.deadline)).first()
        assert item is not None
        page = f"/u/{link}/o/{item.id}"
        form = {**hidden(client.get(page).text, f"{page}/report"), "results": text,
                "evidence_url": "https://example.org/bien-ban", **MORE.get(unit, {})}
        assert client.post(f"{page}/report", data=form, follow_redirects=False).status_code == 303
    clock.now = clocks.parse_instant("2026-12-28T09:00")
    run_pass(engine, plan, clock.now)
    coordinator, client = token(COORDINATOR_SUBJECT), TestClient(app)
    page = f"/c/{coordinator}/bao-cao/2026-H2"
    client.post(f"{page}/soan", data=hidden(client.get(page).text, f"{page}/soan"))
    shown = client.get(page).text
    ward = re.search(r'name="t-(kq-\d+)" rows="\d+">Đã tuyên truyền', shown)
    assert ward is not None
    edits = {f"t-{ward.group(1)}": "Đã tuyên truyền Luật Hợp tác xã năm 2023 tại 4 khu dân cư (160 lượt người).",
             "t-phuong-huong": "1. Tiếp tục hướng dẫn thành lập hợp tác xã nông nghiệp tại các xã.\n"
                               "2. Đôn đốc các đơn vị báo cáo đúng hạn kỳ 6 tháng đầu năm 2027.",
             "t-tong-quan": "Sáu tháng cuối năm 2026, các đơn vị triển khai các nhiệm vụ của Kế hoạch; một số xã, "
                             "phường chưa báo cáo đúng hạn.",
             "recipients": "Thành ủy Cam Ranh (báo cáo)\nSở Tài chính\nChủ tịch, các Phó Chủ tịch UBND thành phố\n"
                           "Các cơ quan chuyên môn\nUBND các xã, phường", "place": "Cam Ranh", "filed_with": "KT"}
    assert client.post(f"{page}/sua", data={**hidden(shown, f"{page}/sua"), **edits}).status_code == 200
    clock.now = clocks.parse_instant("2026-12-29T09:00")  # another day: the overview's figures move on
    client.post(f"{page}/soan", data=hidden(client.get(page).text, f"{page}/soan"))
    client.post(f"{page}/xuat", data=hidden(client.get(page).text, f"{page}/xuat"))
    pdf = settings.var_dir / "bao-cao" / plan.meta.code / "2026-H2" / "bao-cao-thuc-hien-2026-H2.pdf"
    args.out.mkdir(parents=True, exist_ok=True)
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                            text=True, check=True).stdout).group(1))
    for number, name in ((1, "report-page1.png"), (pages, "report-page-last.png")):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(number), "-l", str(number), "-singlefile", str(pdf),
                        str(scratch / "page")], check=True, timeout=120)
        shutil.copy(scratch / "page.png", args.out / name)
        print(f"Đã ghi {args.out / name}")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.1)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name, size, anchor in (("web-report-phone.png", (390, 1500), ""),
                                   ("web-report-desktop.png", (1280, 1000), "#p-tong-quan")):
            view = browser.new_page(viewport={"width": size[0], "height": size[1]}, locale="vi-VN")
            view.goto(f"http://127.0.0.1:{port}{page}{anchor}")
            view.screenshot(path=str(args.out / name))
            print(f"Đã ghi {args.out / name}")
        browser.close()
    server.should_exit = True
    shutil.rmtree(scratch, ignore_errors=True)
    os.sync()
    return 0


if __name__ == "__main__":
    sys.exit(main())
