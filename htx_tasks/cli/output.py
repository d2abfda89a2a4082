"""The CLI's output layer: Rich tables for people, JSON and CSV for programs."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from htx_tasks.core.cells import to_csv

console = Console()
errors = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(header)
    writer.writerows([to_csv(v) for v in row] for row in rows)


def print_table(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, whole: Sequence[int] = ()) -> None:
    """``whole``: the columns a person types back (codes) are never wrapped nor cut, however narrow
    the terminal; the other columns wrap around them."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    table = Table(title=title, header_style="bold", show_lines=False)
    for i, name in enumerate(header):
        if i in whole:
            table.add_column(name, no_wrap=True, min_width=max((len(r[i]) for r in cells), default=0))
        else:
            table.add_column(name)
    for row in cells:
        table.add_row(*(Text(v) for v in row))  # data, never markup
    console.print(table)


def say(text: str, *, markup: bool = False) -> None:
    """Print a line; ``markup`` only for fixed texts of ours (user data may hold '[...]')."""
    console.print(text, markup=markup, highlight=False)


def not_opened(lines: list[str], *, verbose: bool = False) -> str:
    """Periods not opened on a fresh install: a count by item of the plan, or (``--verbose``) the list."""
    head = f"Không mở {len(lines)} kỳ có hạn quá gần lúc bắt đầu theo dõi"
    if verbose:
        return head + ":\n" + "\n".join(f"  - {line}" for line in lines)
    refs = Counter(line.split(" ", 1)[0] for line in lines)
    return head + " (" + ", ".join(f"{ref}: {n}" for ref, n in refs.items()) + "); xem danh sách: tick --verbose."


def fail(text: str) -> None:
    errors.print(f"[bold red]Lỗi:[/] {escape(text)}", highlight=False, soft_wrap=True)


def pass_progress(result: Any) -> None:
    """One line on stderr per committed batch of a long catch-up (``engine.PassResult``)."""
    errors.print(f"  … đã mở {result.opened:,} nhiệm vụ, đã xét {result.advanced:,}, "
                 f"ghi {result.notifications:,} thông báo", highlight=False, markup=False)
