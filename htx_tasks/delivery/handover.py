"""Who a successor took work over from, for its digest.

When a unit is merged into, or renamed as, another, the engine moves its open items to the
successor (``engine.transfer_succeeded``): the first moved item of a duty and period becomes the
successor's, the others of the same duty and period (several communes merged into one) join it.
The successor's "assigned" notice then names every former unit whose item it now carries, and
its digest opens with one line saying whose work it took over, from when and why.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Row, select

from htx_tasks.core import wording
from htx_tasks.core.lifecycle import State
from htx_tasks.core.zones import local_date
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import Occurrence

_O = Occurrence.__table__.c  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Handover:
    codes: list[str]  # the former units, by code
    names: list[str]  # and by name, in the same order
    on: dt.date
    why: str | None


def handovers(session, plan: Plan, found: Mapping[int, Row], now: dt.datetime) -> dict[int, Handover]:
    """For each item opened by a succession (it has a predecessor), the former units it carries."""
    moved = {i: r for i, r in found.items() if getattr(r, "predecessor_id", None) is not None}
    if not moved:
        return {}
    today = local_date(now)
    taking = {r.unit_code for r in moved.values()}
    before = {code: plan.holders(code, today) for code in plan.units}  # a split: several
    former = [code for code, now_held in before.items() if taking.intersection(now_held) and code not in now_held]
    if not former:
        return {}
    query = select(_O.plan_code, _O.duty_code, _O.period_key, _O.unit_code).where(
        _O.state == State.SUCCEEDED.value, _O.unit_code.in_(former),
        _O.duty_code.in_(sorted({r.duty_code for r in moved.values()})))
    carried: dict[tuple, set[str]] = defaultdict(set)
    for plan_code, duty, period, unit in session.execute(query):
        for holder in before[unit]:
            carried[(plan_code, duty, period, holder)].add(unit)
    out = {}
    for item, row in moved.items():
        units = sorted(carried.get((row.plan_code, row.duty_code, row.period_key, row.unit_code), ()))
        if units:
            first = plan.unit(units[0]).successor
            assert first is not None
            out[item] = Handover(units, [plan.unit_name(u) for u in units], first.on, first.why)
    return out


def intro(items: Mapping[int, Handover]) -> str:
    """The digest's first line about the handovers it carries (empty when there are none)."""
    if not items:
        return ""
    named = dict(sorted({c: n for h in items.values() for c, n in zip(h.codes, h.names, strict=True)}.items()))
    names = list(named.values())
    first = min(items.values(), key=lambda h: h.on)
    return wording.handover_intro(names, first.on, first.why, len(items))
