"""A stored obligation as its reader sees it now: ``core.itemview.read`` fed from a row and the plan.

The one place that turns an ``Occurrence`` row into the pure view's facts (its unit's register
from the plan, its policy, the calendar). Every surface calls ``reading_of`` and renders the
result; none reads ``Occurrence.state`` or compares a deadline itself.
"""

from __future__ import annotations

import datetime as dt

from htx_tasks.core.itemview import ItemFacts, Reading, read
from htx_tasks.core.lifecycle import State
from htx_tasks.core.policy import Assignment
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import Occurrence


def is_request(plan: Plan, unit_code: str) -> bool:
    """The plan asks this unit (III.7: the Fatherland Front, the organisations) rather than directs it."""
    return plan.assignment_of(unit_code) is Assignment.REQUEST


def facts_of(plan: Plan, row: Occurrence) -> ItemFacts:
    return ItemFacts(deadline=row.deadline, state=State(row.state), request=is_request(plan, row.unit_code),
                     escalation_level=row.escalation_level, submitted_at=row.submitted_at)


def reading_of(plan: Plan, row: Occurrence, now: dt.datetime) -> Reading:
    """What a reader sees of ``row`` at ``now``."""
    return read(facts_of(plan, row), plan.policy_for(row.duty_code, row.unit_code), plan.calendar, now)


def provenance(plan: Plan, duty_code: str) -> str:
    """Where an item comes from, as a page's "Căn cứ" line: the plan's section, or the standing
    office that added the duty; and a deadline a legal text sets, with its citation."""
    duty = plan.duty(duty_code)
    where = f"Mục {duty.ref}, {plan.meta.short_title}"
    said = f"{duty.origin.label} (theo dõi cùng {where})" if duty.added else where
    return f"{said}; {duty.deadline_words}" if duty.deadline_basis else said
