"""Test helper: the shipped configuration in the office layout (``units.yaml`` + ``plans/<code>.yaml``).

The shipped ``plan.yaml`` is cut at its top-level keys, comments kept: the default policy and
the units go to ``units.yaml``, the rest to ``plans/<code>.yaml``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

CONFIG_DIR = Path(__file__).parents[1] / "config"
SEED = "kh-46-ctr-tu-cam-ranh"
TO_UNITS = ("policy", "units")


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


def office_folder(target: Path) -> Path:
    """A copy of ``config/`` in the office layout; returns the folder."""
    shutil.copytree(CONFIG_DIR, target)
    parts = sections((target / "plan.yaml").read_text(encoding="utf-8"))
    (target / "plan.yaml").unlink()
    (target / "units.yaml").write_text("version: 1\n" + "".join(parts[k] for k in TO_UNITS), encoding="utf-8")
    (target / "plans").mkdir()
    rest = "".join(text for key, text in parts.items() if key not in TO_UNITS and key != "version")
    (target / "plans" / f"{SEED}.yaml").write_text("version: 1\n" + rest, encoding="utf-8")
    return target


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")
