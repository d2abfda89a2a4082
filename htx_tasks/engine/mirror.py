"""Mirroring the plan into the database: the plan row, its units and duties, written only when changed."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from htx_tasks.core.statuses import PlanStatus
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import DutyRow, PlanRow, UnitRow


def sync_plan(session: Session, plan: Plan) -> PlanStatus:
    """Mirror the plan, its units and duties into the database so reports and joins can name
    them; returns where the plan stands. A plan seen for the first time starts in the status its
    configuration gives; after that the stored status rules (``plan activate``, ``plan close``)."""
    stored_plan = session.get(PlanRow, plan.meta.code)
    title, document = plan.meta.short_title, plan.meta.document or plan.meta.issuer
    if stored_plan is None:
        stored_plan = PlanRow(code=plan.meta.code, title=title, document=document, status=plan.meta.status)
        session.add(stored_plan)
    elif (stored_plan.title, stored_plan.document) != (title, document):
        stored_plan.title, stored_plan.document = title, document
        session.add(stored_plan)
    groups = {m: u.code for u in plan.source.units for m in (u.members or [])}
    wanted: list[UnitRow | DutyRow] = [
        UnitRow(
            code=unit.code,
            name=unit.name,
            kind=unit.kind.value,
            assignment=plan.assignment_of(unit.code).value,
            group_code=groups.get(unit.code),
            successor_code=unit.successor.unit if unit.successor else None,
            successor_on=unit.successor.on if unit.successor else None,
            ref=unit.ref,
        )
        for unit in plan.source.units
    ]
    wanted += [
        DutyRow(
            plan_code=plan.meta.code,
            code=duty.code,
            ref=duty.ref,
            title=duty.title,
            unit_code=duty.unit,
            every=duty.recurrence.every.value,
            deliverable=duty.deliverable,
        )
        for duty in plan.source.duties
    ]
    stored = {
        (type(row), getattr(row, "plan_code", None), row.code): row.model_dump()
        for model in (UnitRow, DutyRow)
        for row in session.execute(select(model)).scalars()
    }
    for row in wanted:  # write only what changed: a pass usually writes nothing here
        if stored.get((type(row), getattr(row, "plan_code", None), row.code)) != row.model_dump():
            session.merge(row)
    session.flush()
    return PlanStatus(stored_plan.status)
