"""Screenshots of what a coordinator sees in the Prefect UI and the web pages, for the README.

Starts the whole system (``python -m flows.serve``) with the shipped configuration (the seed plan
and the demonstration plan) on a scratch database filled with demonstration data (six weeks of
follow-up of both plans, some reports submitted, accepted, late or awaiting review), opens the UI
and the web app in headless Chromium and saves:

- ``docs/screenshots/deployments.png``: the deployments, one per plan and unit, tagged by plan;
- ``docs/screenshots/unit-run.png``: the table a unit's run published (the seed plan's
  ward/commune group), with the run, its final state's message and its tags beside it;
- ``docs/screenshots/board.png``: the seed plan's whole board, down to its "Sổ HTX" section;
- ``docs/screenshots/board-office.png``: the office-wide board, every plan, worst first;
- ``docs/screenshots/kpi.png`` and ``kpi-chart.png``: the Section I.2 indicators table and one
  chart (computed from the synthetic registry ``make run`` loads);
- ``docs/screenshots/plans-unit-phone.png``: phường Ba Ngòi's page (items of both plans) at phone
  width; ``plans-coordinator-desktop.png``: the coordinator's page, every plan worst first.

Usage: ``.venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--keep]``.
Needs Debian's ``chromium`` (``apt-get install -y chromium``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEMO_NOW = dt.datetime(2026, 12, 15, 7, 30)  # local time: a Tuesday morning, mid-December
FIRST_DAY = dt.date(2026, 11, 2)
SEED = "kh-46-ctr-tu-cam-ranh"
VIA = "script:screenshots"  # how the demo's actions came, as the audit records it
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--virtual-time-budget=15000",
]


def seed_demo(now: dt.datetime) -> None:
    """Six weeks of follow-up up to ``now`` with some reports, decisions and cases along the way."""
    from sqlmodel import select

    from htx_tasks import services
    from htx_tasks.core.zones import at_local
    from htx_tasks.engine import run_pass
    from htx_tasks.plan.office import load_plans
    from htx_tasks.services import Actor, Decision
    from htx_tasks.settings import Settings
    from htx_tasks.store.db import make_engine, session_scope, upgrade
    from htx_tasks.store.models import Occurrence

    settings = Settings.from_env()
    plans = list(load_plans(settings.config_dir).values())
    plan = plans[0]  # the seed plan: the demonstration's reports and cases are of it
    engine = make_engine(settings.database_url)
    upgrade(engine)
    wards = plan.members("ubnd-xa-phuong")

    def at(day: int, month: int, hour: int) -> dt.datetime:
        return at_local(dt.date(2026, month, day), hour)

    def occurrence(session, duty: str, unit: str) -> int:
        return session.exec(select(Occurrence.id).where(Occurrence.duty_code == duty, Occurrence.unit_code == unit)
                            .order_by(Occurrence.deadline.desc())).first()

    def report(duty: str, unit: str, submitted: dt.datetime, accepted: dt.datetime | None, note: str) -> None:
        with session_scope(engine) as session:
            ident = occurrence(session, duty, unit)
            row = services.submit(session, plan, Actor.of_unit(unit, VIA), services.SubmitReport.parse(
                occurrence=ident, results=note, evidence=f"https://camranh.gov.vn/bao-cao/{ident}",
                expected_version=session.get(Occurrence, ident).version), now=submitted)
            if accepted is not None:
                services.review(session, plan, Actor.coordinator(VIA), services.ReviewReport.parse(
                    occurrence=ident, decision=Decision.ACCEPT, note="Đạt yêu cầu", expected_version=row.version),
                    now=accepted)

    actions = {
        dt.date(2026, 11, 24): lambda: report("ttvhtt-tuyen-truyen", "trung-tam-vhtt-tt", at(24, 11, 10),
                                              at(25, 11, 9), "12 tin, 2 phóng sự về hợp tác xã"),
        dt.date(2026, 12, 1): lambda: _case(engine, plan, "HS-2026-118", dt.date(2026, 12, 1),
                                            at(1, 12, 9), submit_at=at(3, 12, 15), accept_at=at(4, 12, 8)),
        # Ba Ngòi and Cam Linh (wards[0:2]) keep the seed plan's work open: their pages show both plans
        dt.date(2026, 12, 8): lambda: [report("xa-tuyen-truyen", w, at(8, 12, 9), at(9, 12, 10), "Đã tuyên truyền")
                                       for w in wards[2:8]],
        dt.date(2026, 12, 9): lambda: [report("xa-theo-doi-htx", w, at(9, 12, 14), at(10, 12, 9), "Báo cáo quý IV")
                                       for w in wards[2:6]],
        dt.date(2026, 12, 11): lambda: _case(engine, plan, "HS-2026-131", dt.date(2026, 12, 11),
                                             at(11, 12, 15)),
        dt.date(2026, 12, 12): lambda: [report("xa-tuyen-truyen", w, at(12, 12, 9), at(14, 12, 10), "Nộp muộn")
                                        for w in wards[8:11]],
        dt.date(2026, 12, 14): lambda: [report("xa-tuyen-truyen", w, at(14, 12, 15), None, "Báo cáo tuyên truyền")
                                        for w in wards[11:13]],
    }
    day = FIRST_DAY
    while day <= now.date():
        if day.weekday() < 6:  # the schedule: Monday to Saturday at 07:30
            run_pass(engine, plans, at_local(day, 7, 30))  # the office's pass: every plan
        if day in actions and day < now.date():
            actions[day]()
        day += dt.timedelta(days=1)
    engine.dispose()


def _case(engine, plan, ref, received, opened_at, submit_at=None, accept_at=None) -> None:
    from htx_tasks import services
    from htx_tasks.services import Actor, Decision
    from htx_tasks.store.db import session_scope

    unit = Actor.of_unit("phong-tai-chinh-ke-hoach", VIA)
    with session_scope(engine) as session:
        row = services.open_case(session, plan, unit, services.OpenCase.parse(
            duty="tckh-thu-tuc", unit=unit.unit, kind="dang-ky", received=received, ref=ref), now=opened_at)
        if submit_at is not None:
            row = services.submit(session, plan, unit, services.SubmitReport.parse(
                occurrence=row.id, results="Đã cấp giấy chứng nhận", expected_version=row.version), now=submit_at)
            services.review(session, plan, Actor.coordinator(VIA), services.ReviewReport.parse(
                occurrence=row.id, decision=Decision.ACCEPT, note="Đúng thời hạn", expected_version=row.version),
                now=accept_at)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api(base: str, path: str, body: dict | None = None):
    request = urllib.request.Request(f"{base}/api{path}", method="POST" if body is not None else "GET",
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def latest_artifact(base: str, key: str) -> str:
    """The id of the newest version of the artifact ``key`` (its page shows the run it came from)."""
    found = api(base, "/artifacts/filter", {"artifacts": {"key": {"any_": [key]}}, "sort": "CREATED_DESC", "limit": 1})
    return found[0]["id"]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(1)
    raise RuntimeError(f"quá thời gian chờ {what}")


def screenshot(url: str, out: Path, profile: Path, size: tuple[int, int]) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("chưa cài chromium: apt-get update && apt-get install -y chromium")
    subprocess.run(  # the browser shows times in the plan's time zone
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={out}",
         f"--window-size={size[0]},{size[1]}", url],
        check=True, capture_output=True, timeout=120, env={**os.environ, "TZ": "Asia/Ho_Chi_Minh"},
    )
    print(f"  {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


COLOURS = 128  # a page of text keeps its look in 128 colours, at about a third of the bytes (board.png: 1.5 MB -> 0.45 MB)


def trim_bottom(path: Path, margin: int = 32) -> None:
    """Cut the blank part below the last row that has anything drawn in the page's middle, and keep
    ``COLOURS`` colours (no dithering: text stays crisp)."""
    from PIL import Image

    with Image.open(path) as shot:
        image = shot.convert("RGB")
    pixels, (width, height) = image.load(), image.size
    last = next((y for y in range(height - 1, -1, -1)
                 if len({pixels[x, y] for x in range(width // 5, width * 4 // 5, 7)}) > 1), height - 1)
    image = image.crop((0, 0, width, min(height, last + margin)))
    image.quantize(COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(path, optimize=True)


def unit_link(env: dict[str, str], unit: str) -> str:
    """The unit's signed link, as ``htx-tasks links show`` prints it under ``make run``'s settings."""
    from htx_tasks.links import default_key_file
    from htx_tasks.settings import Settings

    key_file = default_key_file(Settings.from_env(environ=env))
    shown = subprocess.run([sys.executable, "-c", "from htx_tasks.cli.main import app; app()", "links", "show", unit], cwd=ROOT,
                           env={**os.environ, **env, "HTX_LINK_KEY_FILE": str(key_file), "COLUMNS": "4000"},
                           check=True, capture_output=True, text=True, timeout=120)
    return next(word for word in shown.stdout.split() if word.startswith("http"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--keep", action="store_true", help="để hệ thống chạy sau khi chụp (Ctrl-C để dừng)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="htx-screenshots-"))
    port, web_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "HTX_VAR_DIR": str(scratch / "var"),
        "HTX_DATABASE_URL": f"sqlite:///{scratch / 'var' / 'htx-tasks.db'}",
        "HTX_CONFIG_DIR": str(ROOT / "config"),
        "PREFECT_HOME": str(scratch / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "HTX_WEB_URL": f"http://127.0.0.1:{web_port}",
    }
    os.environ.update(env)
    print(f"Dữ liệu minh họa đến {DEMO_NOW:%H:%M %d/%m/%Y} trong {scratch}")
    seed_demo(DEMO_NOW)
    log = (scratch / "serve.log").open("wb")
    serving = subprocess.Popen(
        [sys.executable, "-m", "flows.serve", "--port", str(port), "--web-port", str(web_port),
         "--now", DEMO_NOW.isoformat(timespec="minutes")],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for(lambda: "Lượt theo dõi đầu tiên xong" in (scratch / "serve.log").read_text("utf-8", "replace"), 600,
                 "lượt theo dõi đầu tiên")
        ward_table = latest_artifact(base, f"theo-doi-{SEED}-ubnd-xa-phuong")  # the seed plan's wards
        board, office = latest_artifact(base, f"bang-theo-doi-{SEED}"), latest_artifact(base, "bang-theo-doi-chung")
        print("Chụp màn hình:")
        profile = scratch / "chromium"
        screenshot(f"{base}/v2/deployments", args.out / "deployments.png", profile, (1400, 900))
        screenshot(f"{base}/v2/artifacts/artifact/{ward_table}", args.out / "unit-run.png", profile, (1680, 900))
        # the whole board, down to its "Sổ HTX" section and the ward details: a tall window, cut to its content
        screenshot(f"{base}/v2/artifacts/artifact/{board}", args.out / "board.png", profile, (1400, 14000))
        trim_bottom(args.out / "board.png")
        screenshot(f"{base}/v2/artifacts/artifact/{office}", args.out / "board-office.png", profile, (1400, 3000))
        trim_bottom(args.out / "board-office.png")
        kpi = latest_artifact(base, f"chi-tieu-ke-hoach-{SEED}")
        chart = latest_artifact(base, "bieu-do-giai-the-htx-2030")
        screenshot(f"{base}/v2/artifacts/artifact/{kpi}", args.out / "kpi.png", profile, (2560, 900))  # every column
        screenshot(f"{base}/v2/artifacts/artifact/{chart}", args.out / "kpi-chart.png", profile, (1400, 1000))
        log_text = (scratch / "serve.log").read_text("utf-8", "replace")
        coordinator = log_text.split("Liên kết của cơ quan thường trực: ", 1)[1].split()[0]
        ward = unit_link(env, "phuong-ba-ngoi")
        for name, url, size in (("plans-unit-phone.png", ward, (390, 6000)),
                                ("plans-unit-desktop.png", ward, (1280, 4000)),
                                ("plans-coordinator-phone.png", coordinator, (390, 9000)),
                                ("plans-coordinator-desktop.png", coordinator, (1280, 5000))):
            screenshot(url, args.out / name, profile, size)
            trim_bottom(args.out / name)
        if args.keep:
            print(f"Prefect UI: {base} (Ctrl-C để dừng)")
            serving.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if serving.poll() is None:
            os.killpg(serving.pid, signal.SIGTERM)
            try:
                serving.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(serving.pid, signal.SIGKILL)
        log.close()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
