"""The layers hold: import-linter's contracts (pyproject.toml, ``[tool.importlinter]``) pass, every
module of ours is in a layer, a wrong import breaks them, and the services load no Apprise or web.

The contracts: front doors (cli > flows | web) > bootstrap, config > simulate > services > read
models > domain > links > store, plan, clock, settings (independent) > core (pure); no package
imports another in a loop, at any depth; inside ``web/`` nothing imports ``app.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import htx_tasks

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {c["id"]: c for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]}


def lint(root: Path) -> subprocess.CompletedProcess:
    """lint-imports on the packages found in ``root`` (it puts its working directory first on the path)."""
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120)


def top_level() -> set[str]:
    """Every package and module directly under ``htx_tasks``."""
    return {f"htx_tasks.{p.stem}" for p in Path(htx_tasks.__file__).parent.iterdir()
            if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}


def test_the_import_contracts_hold() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_module_of_ours_has_a_layer_and_the_core_may_import_none_of_them() -> None:
    named = {name.strip("() ") for layer in CONTRACTS["layers"]["layers"]
             for name in layer.replace(":", "|").split("|")}
    assert top_level() - named == set(), "add the new module to a layer in pyproject.toml"
    forbidden = set(CONTRACTS["pure-core"]["forbidden_modules"])
    assert top_level() - {"htx_tasks.core"} <= forbidden, "the core's forbidden list names every other module"


def copy_project(tmp_path: Path) -> Path:
    for folder in ("htx_tasks", "flows"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


# one wrong import per contract: the file it is written into, the import, what the tool must say
BREAKS = [
    ("htx_tasks/core/lifecycle.py", "from htx_tasks.plan import schema",
     ["htx_tasks.core is not allowed to import htx_tasks.plan", "htx_tasks.core.lifecycle -> htx_tasks.plan.schema"]),
    ("htx_tasks/core/calendar.py", "import sqlalchemy",
     ["The core is pure", "htx_tasks.core.calendar -> sqlalchemy"]),
    ("flows/board.py", "from htx_tasks.cli import output", ["flows is not allowed to import htx_tasks.cli"]),
    ("htx_tasks/services/notices.py", "from htx_tasks.delivery import channels",
     ["htx_tasks.services is not allowed to import apprise", "htx_tasks.services.notices -> htx_tasks.delivery.channels"]),
    ("htx_tasks/delivery/dispatcher.py", "from htx_tasks.delivery import sender",
     ["htx_tasks.services is not allowed to import apprise", "htx_tasks.delivery.dispatcher -> htx_tasks.delivery.sender"]),
    ("flows/tasks.py", "from htx_tasks.delivery import dispatcher",
     ["flows is not allowed to import htx_tasks.delivery.dispatcher", "flows.tasks -> htx_tasks.delivery.dispatcher"]),
    ("htx_tasks/web/unit.py", "from htx_tasks.web import app",
     ["htx_tasks.web.unit is not allowed to import htx_tasks.web.app", "No cycles are allowed in htx_tasks.web"]),
    ("htx_tasks/plan/loader.py", "from htx_tasks.store import models",
     ["htx_tasks.plan is not allowed to import htx_tasks.store"]),
    ("htx_tasks/registry/standing.py", "from htx_tasks.indicators import compute",
     ["No cycles are allowed in htx_tasks.", ".registry -> .indicators"]),
]


@pytest.mark.parametrize(("path", "line", "said"), BREAKS, ids=[b[0].split("/", 1)[1] + " " + b[1] for b in BREAKS])
def test_a_wrong_import_breaks_a_contract_and_the_tool_names_the_chain(tmp_path: Path, path: str, line: str,
                                                                       said: list[str]) -> None:
    root = copy_project(tmp_path)
    assert lint(root).returncode == 0  # the copy holds before the change
    with (root / path).open("a") as handle:
        handle.write(f"\n{line}  # noqa\n")
    result = lint(root)
    out = " ".join(result.stdout.split())  # the tool wraps long lines
    assert result.returncode != 0, out
    for text in said:
        assert text in out, out


PROBE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [m.name for m in pkgutil.iter_modules(getattr(package, "__path__", []), package.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(len(names))
print(" ".join(sorted(n for n in sys.modules if n.split(".")[0] in ("apprise", "fastapi", "starlette")
                      or n.startswith(("htx_tasks.web", "htx_tasks.delivery.channels", "htx_tasks.delivery.sender",
                                       "htx_tasks.delivery.inbox", "flows")))))
"""


def loaded_by(module: str) -> tuple[int, list[str]]:
    """How many submodules the probe imported with ``module``, and the heavy modules then loaded."""
    result = subprocess.run([sys.executable, "-c", PROBE, module], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    count, heavy = (result.stdout.splitlines() + [""])[:2]
    return int(count), heavy.split()


def test_importing_the_services_loads_no_apprise_fastapi_or_web_app() -> None:
    submodules, heavy = loaded_by("htx_tasks.services")  # the package and every module in it
    assert submodules >= 8
    assert heavy == []
    assert "apprise" in loaded_by("htx_tasks.delivery.channels")[1]  # the probe sees what is loaded
    # the dispatcher the services call is handed its channels: it loads no Apprise of its own
    assert loaded_by("htx_tasks.delivery.dispatcher")[1] == []
