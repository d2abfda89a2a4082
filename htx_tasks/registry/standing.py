"""Read model of registry upkeep: which organisations a unit follows, and how current its data is.

A unit follows organisations through the monitoring duties that carry ``registry_upkeep`` in
``config/plan.yaml``: with scope ``follow_unit`` those whose "Đơn vị theo dõi" is the unit
(Phòng Kinh tế, Phòng Quản lý đô thị, by sector), with scope ``ward`` those whose "Xã, phường" is
the unit (each ward or commune). Dissolved organisations are no longer followed. No wording here
beyond labels: the board, the web pages and the CLI render these dataclasses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from htx_tasks.core.coops import Status
from htx_tasks.plan.loader import Plan
from htx_tasks.plan.schema import Duty, RegistryScope
from htx_tasks.registry.models import CoopVersion, RegistryUpdate
from htx_tasks.registry.staleness import Upkeep, upkeep


def upkeep_duties(plan: Plan, unit: str) -> list[Duty]:
    """The registry upkeep duties ``unit`` owns (a ward owns its group's duty)."""
    return [d for d in plan.source.duties if d.registry_upkeep is not None and unit in plan.assignees(d)]


def merged_into(plan: Plan, unit: str, on: dt.date) -> list[str]:
    """``unit`` and the units whose duties it holds on ``on`` (merged into it, renamed as it)."""
    return [unit, *(code for code in plan.units if code != unit and plan.current_holder(code, on) == unit)]


def held_duties(plan: Plan, unit: str, on: dt.date) -> list[Duty]:
    """The upkeep duties ``unit`` carries on ``on``: its own and those of the units merged into it."""
    units = merged_into(plan, unit, on)
    return [d for d in plan.source.duties
            if d.registry_upkeep is not None and any(u in plan.assignees(d) for u in units)]


Keys = set[tuple[RegistryScope, str]]


def follow_keys(plan: Plan, unit: str, on: dt.date) -> Keys:
    """What ``unit`` follows on ``on``: (scope, unit code) for itself and each unit merged into it."""
    return {(d.registry_upkeep, code) for code in merged_into(plan, unit, on) for d in upkeep_duties(plan, code)
            if d.registry_upkeep is not None}


def follows(keys: Keys, row: CoopVersion) -> bool:
    """Whether an organisation is kept current under these keys; not once dissolved."""
    if row.status == Status.DISSOLVED.value:
        return False
    return (RegistryScope.FOLLOW_UNIT, row.follow_unit) in keys or (RegistryScope.WARD, row.ward) in keys


def merged_notice(plan: Plan, unit: str, on: dt.date) -> str | None:
    """Why ``unit`` no longer keeps its part of the registry on ``on`` (it was merged), or None."""
    holder = plan.current_holder(unit, on)
    successor = plan.unit(unit).successor
    if holder == unit or successor is None:
        return None
    why = f" ({successor.why})" if successor.why else ""
    return (f"{plan.unit_name(unit)} đã chuyển nhiệm vụ sang {plan.unit_name(holder)} từ ngày "
            f"{successor.on:%d/%m/%Y}{why}: sổ theo dõi hợp tác xã nay do {plan.unit_name(holder)} cập nhật, "
            f"bằng liên kết của {plan.unit_name(holder)}")


def rows_on(session: Session, on: dt.date) -> list[CoopVersion]:
    """Every organisation's version valid on ``on``."""
    return list(session.exec(
        select(CoopVersion)
        .where(col(CoopVersion.valid_from) <= on, col(CoopVersion.valid_to).is_(None) | (col(CoopVersion.valid_to) > on))
        .order_by(CoopVersion.code)
    ).all())


def followed_rows(session: Session, plan: Plan, unit: str, on: dt.date) -> list[CoopVersion]:
    """The organisations ``unit`` follows, as the registry knows them on ``on``, by code (with those
    of the units merged into it)."""
    keys = follow_keys(plan, unit, on)
    return [r for r in rows_on(session, on) if follows(keys, r)]


def fingerprint(rows: list[CoopVersion]) -> str:
    """Names the list a person saw: it changes when any organisation in it gets a new version."""
    text = ";".join(f"{r.code}:{r.id}" for r in sorted(rows, key=lambda r: r.code))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def last_updates(session: Session, units: list[str] | None = None) -> dict[str, dt.date]:
    """Each unit's latest confirmation or edit (its ``as_of`` day)."""
    query = select(RegistryUpdate.unit_code, func.max(RegistryUpdate.as_of)).group_by(RegistryUpdate.unit_code)
    if units is not None:
        query = query.where(col(RegistryUpdate.unit_code).in_(units))
    return dict(session.exec(query).all())


@dataclass(frozen=True)
class UnitUpkeep:
    """One unit's part of the registry under one upkeep duty, on one day."""

    unit: str
    unit_name: str
    duty: Duty
    organisations: int
    standing: Upkeep | None  # None: no period of the duty counts yet (before tracking, duty ended)
    seen: str = ""  # the mark of the list (``fingerprint``): what confirming it sends back

    @property
    def last(self) -> dt.date | None:
        return self.standing.last if self.standing else None


def upkeep_lines(session: Session, plan: Plan, today: dt.date) -> list[UnitUpkeep]:
    """Every unit that keeps part of the registry today (a merged unit's part is its successor's), in
    the plan's order of duties and members."""
    rows = rows_on(session, today)
    pairs: list[tuple[Duty, str]] = []
    for duty in plan.source.duties:
        if duty.registry_upkeep is not None:
            holders = dict.fromkeys(plan.current_holder(unit, today) for unit in plan.assignees(duty))
            pairs += [(duty, holder) for holder in holders]
    last = last_updates(session, [unit for _, unit in pairs])
    return [_line(plan, duty, unit, rows, last.get(unit), today) for duty, unit in pairs]


def unit_upkeep(session: Session, plan: Plan, unit: str, today: dt.date) -> list[UnitUpkeep]:
    """The unit's standing under each upkeep duty it carries today (empty: it keeps no part of the
    registry, or it was merged into another unit)."""
    duties = held_duties(plan, unit, today)
    if not duties or merged_notice(plan, unit, today):
        return []
    rows, last = rows_on(session, today), last_updates(session, [unit]).get(unit)
    return [_line(plan, duty, unit, rows, last, today) for duty in duties]


def _line(plan: Plan, duty: Duty, unit: str, rows: list[CoopVersion], last: dt.date | None,
          today: dt.date) -> UnitUpkeep:
    keys = follow_keys(plan, unit, today)
    followed = [r for r in rows if follows(keys, r)]
    return UnitUpkeep(unit=unit, unit_name=plan.unit_name(unit), duty=duty, organisations=len(followed),
                      standing=upkeep(duty, plan.calendar, last, today, plan.meta.tracking_from),
                      seen=fingerprint(followed))
