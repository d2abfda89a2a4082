"""The first page of the consolidated report (.docx) as a PNG, for the README.

Builds a scratch database with the synthetic registry and six weeks of follow-up, writes the
2026-H2 report, converts the .docx with LibreOffice headless and the first page with pdftoppm.
Needs Debian's ``libreoffice-writer-nogui`` and ``poppler-utils``.
Usage: ``.venv/bin/python scripts/report_page.py [--out docs/screenshots/report-page1.png]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "report-page1.png")
    args = parser.parse_args(argv)
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        print("cần soffice và pdftoppm: apt-get install -y libreoffice-writer-nogui poppler-utils")
        return 1
    scratch = Path(tempfile.mkdtemp(prefix="htx-report-"))
    os.environ.update(HTX_VAR_DIR=str(scratch / "var"), HTX_CONFIG_DIR=str(ROOT / "config"),
                      HTX_DATABASE_URL=f"sqlite:///{scratch / 'htx.db'}")
    from htx_tasks import clock
    from htx_tasks.engine import run_pass, sync_plan
    from htx_tasks.plan.loader import load_plan
    from htx_tasks.registry.service import load_demo
    from htx_tasks.reporting.service import write
    from htx_tasks.services.reporting import parse_period
    from htx_tasks.settings import Settings
    from htx_tasks.store.db import make_engine, session_scope, upgrade

    settings = Settings.from_env()
    plan, engine = load_plan(settings.config_dir), make_engine(settings.database_url)
    upgrade(engine)
    now = clock.parse_instant("2026-12-28T09:00")
    with session_scope(engine) as session:
        sync_plan(session, plan)
        load_demo(session, plan, now=now)
    run_pass(engine, plan, now)
    _, files = write(engine, plan, parse_period("2026-H2"), scratch / "out", now=now, var_dir=settings.var_dir)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(scratch / "out"),
                    str(files["docx"])], check=True, capture_output=True, timeout=300)
    pdf = files["docx"].with_suffix(".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(scratch / "page")], check=True, timeout=120)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(scratch / "page.png", args.out)
    print(f"Đã ghi {args.out}")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
