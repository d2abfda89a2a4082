"""What the command-line tests share: the first working morning of tracking, result readers and look-ups
through the CLI itself. The ``ready`` fixture (initialised, ticked once) is in conftest.py.
"""

from __future__ import annotations

import datetime as dt
import json

D = dt.date.fromisoformat
NOW = "2026-11-02T07:30"  # local time: the first working morning of tracking
INIT_MESSAGE = "Lỗi: cơ sở dữ liệu chưa được khởi tạo; hãy chạy 'htx-tasks init' trước"


def ok(result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}"
    return result.stdout


def as_json(result):
    return json.loads(ok(result))


def version_of(run_cli, number: int) -> str:
    """The version ``htx-tasks show`` displays: what a coordinator's decision sends back."""
    return str(as_json(run_cli("show", number, "--json"))["version"])


def occurrence_id(run_cli, duty: str, unit: str) -> int:
    rows = as_json(run_cli("status", "--json", "--unit", unit, "--now", NOW))
    (row,) = [r for r in rows if r["duty"] == duty]
    return row["id"]
