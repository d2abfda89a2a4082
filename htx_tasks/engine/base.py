"""What every step of a pass shares: its result, the plans by code, the batch sizes.

The batch sizes are read at call time (``base.BATCH``), so a test may lower them for one pass.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from htx_tasks.plan.loader import Plan
from htx_tasks.store.writes import Columns

BATCH = 2000  # occurrences advanced per transaction
OPEN_BATCH = 500  # occurrences opened per transaction


@dataclass
class PassResult:
    """What one pass did, for logs, the CLI and the flows."""

    now: dt.datetime
    opened: int = 0
    advanced: int = 0
    notifications: int = 0
    transferred: int = 0
    not_opened: list[str] = field(default_factory=list)  # periods born too close to their deadline
    failed: list[tuple[int, str]] = field(default_factory=list)
    events: Counter = field(default_factory=Counter)
    repeats_folded: int = 0  # weekly repeats of one item that fell in one catch-up, kept as the newest


Progress = Callable[[PassResult], None]
Plans = Mapping[str, Plan]  # plans by code: a due row is advanced under its own plan


def by_code(plans: Plan | Plans) -> Plans:
    return {plans.meta.code: plans} if isinstance(plans, Plan) else plans


def append(cols: Columns, *values: object) -> None:
    """One row appended to column-wise lists (the order of ``cols``)."""
    for values_of_column, value in zip(cols.values(), values, strict=True):
        values_of_column.append(value)
