"""Test helper: the shipped configuration, whole or as the seed plan alone.

``config/`` ships in the office layout: ``units.yaml`` (the units and the default policy),
``plans/<code>.yaml`` (the seed plan and the demonstration plan), ``calendar.yaml``,
``channels.yaml``. Most tests are about the seed plan alone and edit its text: ``SEED_DIR`` is
that plan in the one-plan layout (``plan.yaml`` put back together from ``units.yaml`` and
``plans/<seed>.yaml`` at their top-level keys, comments kept; the loader reads both layouts).
``office_folder`` copies the office layout, the demonstration plan left out unless asked for.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path

CONFIG_DIR = Path(__file__).parents[1] / "config"
SEED = "kh-46-ctr-tu-cam-ranh"
DEMO = "minh-hoa-ra-soat-htx"
DEMO_FILE = CONFIG_DIR / "plans" / f"{DEMO}.yaml"
OFFICE_FILES = ("calendar.yaml", "channels.yaml", "registry.yaml")


def sections(text: str) -> dict[str, str]:
    """The file's top-level keys with their text (the comment lines just above a key go with it)."""
    out: dict[str, str] = {}
    pending: list[str] = []
    current = None
    for line in text.splitlines(keepends=True):
        key = re.match(r"^([a-z_]+):", line)
        if key:
            current = key.group(1)
            out[current] = "".join(pending) + line
            pending = []
        elif current is None or line.startswith("#") or not line.strip():
            pending.append(line)
        else:
            out[current] += "".join(pending) + line
            pending = []
    return out


def office_folder(target: Path, *, demo: bool = False) -> Path:
    """A copy of ``config/`` in the office layout (the seed plan, and the demonstration plan when
    ``demo``); returns the folder."""
    shutil.copytree(CONFIG_DIR, target, ignore=shutil.ignore_patterns("examples"))
    if not demo:
        (target / "plans" / DEMO_FILE.name).unlink()
    return target


def seed_folder(target: Path) -> Path:
    """The seed plan alone in the one-plan layout (``plan.yaml`` with its units, as before plans
    were objects), with the office's calendar, channels and registry; returns the folder."""
    target.mkdir(parents=True)
    for name in OFFICE_FILES:
        shutil.copyfile(CONFIG_DIR / name, target / name)
    units = sections((CONFIG_DIR / "units.yaml").read_text(encoding="utf-8"))
    plan = sections((CONFIG_DIR / "plans" / f"{SEED}.yaml").read_text(encoding="utf-8"))
    order = [plan["version"], plan["plan"], units["policy"], plan["indicators"], plan["sections"], plan["task_groups"],
             units["units"], plan["duties"]]
    (target / "plan.yaml").write_text("".join(order), encoding="utf-8")
    return target


def _seed_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="htx-seed-"))
    atexit.register(shutil.rmtree, folder, True)
    return seed_folder(folder / "config")


SEED_DIR = _seed_dir()  # read-only: a test that edits it copies it first


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")
