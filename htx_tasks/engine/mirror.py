"""Mirroring the plans into the database: the plan rows, the units and duties, written only when changed.

One read of what is stored serves every plan of the pass: the units are the office's (each written
once, however many plans name it), and a row is built only for what changed, so a pass that
changes nothing costs one read of the plan, unit and duty tables, not one per plan.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from htx_tasks.core.statuses import PlanStatus
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import DutyRow, PlanRow, UnitRow


def sync_plan(session: Session, plan: Plan) -> PlanStatus:
    """Mirror one plan (see ``sync_plans``); returns where it stands."""
    return sync_plans(session, [plan])[plan.meta.code]


def sync_plans(session: Session, plans: Sequence[Plan]) -> dict[str, PlanStatus]:
    """Mirror the plans, their units and duties into the database so reports and joins can name
    them; returns where each plan stands, by code. A plan seen for the first time starts in the
    status its configuration gives; after that the stored status rules (``plan activate``, ``plan
    close``). A unit named by several plans is written as the last of them describes it."""
    codes = [plan.meta.code for plan in plans]
    stored_plans = {row.code: row for row in session.execute(select(PlanRow).where(col(PlanRow.code).in_(codes))).scalars()}
    statuses: dict[str, PlanStatus] = {}
    for plan in plans:
        stored_plan = stored_plans.get(plan.meta.code)
        title, document = plan.meta.short_title, plan.meta.document or plan.meta.issuer
        if stored_plan is None:
            stored_plan = PlanRow(code=plan.meta.code, title=title, document=document, status=plan.meta.status)
            stored_plans[plan.meta.code] = stored_plan
            session.add(stored_plan)
        elif (stored_plan.title, stored_plan.document) != (title, document):
            stored_plan.title, stored_plan.document = title, document
            session.add(stored_plan)
        statuses[plan.meta.code] = PlanStatus(stored_plan.status)
    wanted = {**_units(plans), **_duties(plans)}
    stored = {
        _key(model, values): values
        for model, table in ((UnitRow, "unit"), (DutyRow, "duty"))
        for values in map(dict, session.execute(select(*UnitRow.metadata.tables[table].c)).mappings())
    }
    for key, values in wanted.items():  # write only what changed: a pass usually writes nothing here
        if stored.get(key) != values:
            session.merge(key[0](**values))
    session.flush()
    return statuses


Key = tuple[type[UnitRow] | type[DutyRow], str | None, str]


def _key(model: type[UnitRow] | type[DutyRow], values: dict) -> Key:
    return model, values.get("plan_code"), values["code"]


def _units(plans: Sequence[Plan]) -> dict[Key, dict]:
    """The office's units as the last plan naming each describes it, as stored column values."""
    out: dict[Key, dict] = {}
    for plan in reversed(plans):
        groups: dict[str, str] | None = None
        for unit in plan.source.units:
            key: Key = (UnitRow, None, unit.code)
            if key in out:
                continue
            if groups is None:
                groups = {m: u.code for u in plan.source.units for m in (u.members or [])}
            out[key] = dict(
                code=unit.code,
                name=unit.name,
                kind=unit.kind.value,
                group_code=groups.get(unit.code),
                successor_code=unit.successor.unit if unit.successor else None,
                successor_on=unit.successor.on if unit.successor else None,
                ref=unit.ref,
            )
    return out


def _duties(plans: Sequence[Plan]) -> dict[Key, dict]:
    return {
        (DutyRow, plan.meta.code, duty.code): dict(
            plan_code=plan.meta.code,
            code=duty.code,
            ref=duty.ref,
            title=duty.title,
            unit_code=duty.unit,
            every=duty.recurrence.every.value,
            deliverable=duty.deliverable,
        )
        for plan in plans
        for duty in plan.source.duties
    }
