"""Run the broken-configuration corpus in one capped process and report what each case did.

    python tests/corpus_worker.py WORKDIR RESULT.json

The process caps its own address space (``MEMORY_CAP``) and gives each case ``CASE_SECONDS``
(SIGALRM): an alias bomb or a deep file that slipped through fails its case with MemoryError or
a timeout instead of taking the machine down. For each case it runs ``validate``, ``init`` on a
fresh database path and ``tick`` on a database initialised from the unbroken configuration, and
records exit codes, stderr, whether a Python traceback escaped, and the databases' contents.
"""

from __future__ import annotations

import hashlib
import json
import resource
import shutil
import signal
import sqlite3
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

MEMORY_CAP = 1536 * 1024 * 1024
CASE_SECONDS = 30
NOW = "2027-03-02T09:00"  # the initialised database has had a pass at NOW ...
LATER = "2027-06-02T09:00"  # ... so a pass at LATER on it would open, advance and notify


class CaseTimeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise CaseTimeout(f"case ran over {CASE_SECONDS} s")


def digest(db: Path) -> str:
    """Every row of every table, hashed: equal digests mean nothing was written."""
    conn = sqlite3.connect(db)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def main(workdir: Path, out: Path) -> int:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    signal.signal(signal.SIGALRM, _alarm)
    from config_corpus import CASES, expected_line
    from office import SEED_DIR
    from typer.testing import CliRunner

    from htx_tasks.cli.main import app

    runner = CliRunner()
    good = workdir / "good"
    shutil.copytree(SEED_DIR, good)
    base_db = workdir / "base.db"
    env = {"HTX_DATABASE_URL": f"sqlite:///{base_db}", "HTX_VAR_DIR": str(workdir / "var"),
           "COLUMNS": "4000", "HTX_CONFIG_DIR": str(good)}
    for args in (["init"], ["tick", "--now", NOW]):
        result = runner.invoke(app, [*args, "--config", str(good)], env=env)
        assert result.exit_code == 0, result.output
    results = {}
    for case in CASES:
        before = digest(base_db)
        folder = workdir / case.id / "config"
        shutil.copytree(good, folder)
        broken = None
        record: dict = {"file": str(folder / case.file) if case.file != "." else None}
        signal.alarm(CASE_SECONDS)
        started = time.perf_counter()
        try:
            if case.edit is not None:
                path = folder / case.file
                broken = case.edit(path.read_text(encoding="utf-8"))
                path.write_text(broken, encoding="utf-8")
            if case.setup is not None:
                case.setup(folder)
                if case.marker is not None:
                    broken = (folder / case.file).read_bytes().decode("utf-8", "replace")
            target = case.config_arg(folder) if case.config_arg else folder
            record["file"] = str(target) if case.file == "." else record["file"]
            record["line"] = expected_line(case, broken)
            fresh = workdir / case.id / "fresh.db"
            runs = {}
            for name, args, db in (("validate", ["validate"], None), ("init", ["init"], fresh),
                                   ("tick", ["tick", "--now", LATER], base_db)):
                run_env = {**env, "HTX_DATABASE_URL": f"sqlite:///{db or fresh}"}
                result = runner.invoke(app, [*args, "--config", str(target)], env=run_env)
                escaped = result.exception if not isinstance(result.exception, SystemExit) else None
                runs[name] = {
                    "exit": result.exit_code, "stderr": result.stderr, "stdout": result.stdout,
                    "traceback": "".join(traceback.format_exception(escaped)) if escaped else "",
                }
            record["runs"] = runs
            record["fresh_db_created"] = fresh.exists()
            record["base_db_unchanged"] = digest(base_db) == before
        except Exception as exc:  # noqa: BLE001 - the case failed; say how
            record["error"] = "".join(traceback.format_exception(exc))[-3000:]
        finally:
            signal.alarm(0)
        record["seconds"] = round(time.perf_counter() - started, 3)
        results[case.id] = record
    record_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.write_text(json.dumps({"cases": results, "peak_rss_kb": record_peak}, ensure_ascii=False),
                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
