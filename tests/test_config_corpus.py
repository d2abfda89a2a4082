"""Every broken configuration of the corpus is refused the same way, whatever broke it.

Exit 2, the file and line of the problem, a Vietnamese message, no traceback, and no write:
``init`` creates no database, ``tick`` leaves an initialised one exactly as it was. The corpus
(``tests/config_corpus.py``) runs in one subprocess with a memory cap and a per-case alarm
(``tests/corpus_worker.py``): a case that hangs or balloons fails instead of harming the machine.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from config_corpus import CASES

WORKER = Path(__file__).with_name("corpus_worker.py")
# library texts that must never reach a user (English from PyYAML, pydantic, the OS or Python)
ENGLISH = re.compile(r"Traceback|should be|Input should|while scanning|while parsing|could not|Errno|"
                     r"expected <|found character|String should|Error:|ValidationError")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir = tmp_path_factory.mktemp("corpus")
    out = workdir / "result.json"
    done = subprocess.run([sys.executable, str(WORKER), str(workdir), str(out)], check=False,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_config_is_refused_with_its_line_and_nothing_is_written(case, corpus: dict) -> None:
    record = corpus["cases"][case.id]
    assert "error" not in record, record["error"]
    where = f"{record['file']}:{record['line']}: "
    for name, run in record["runs"].items():
        assert not run["traceback"], f"{name}: {run['traceback']}"
        assert run["exit"] == 2, f"{name} exited {run['exit']}: {run['stdout']}{run['stderr']}"
        assert where in run["stderr"], f"{name}: expected {where!r} in:\n{run['stderr']}"
        reported = [line for line in run["stderr"].splitlines() if where in line]
        assert case.message in reported[0], f"{name}: {case.message!r} not in {reported[0]!r}"
        assert not ENGLISH.search(run["stderr"] + run["stdout"]), f"{name}: {run['stderr']}"
    assert not record["fresh_db_created"], "init created a database from a broken configuration"
    assert record["base_db_unchanged"], "tick wrote to the database before refusing the configuration"
