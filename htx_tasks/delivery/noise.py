"""Who a person is and how much they hear: the measure of noise ``simulate`` prints.

A recipient tag is a role or a unit; a person may hold several (Phòng Kinh tế is a unit and the
coordinator). ``digest_of`` says which tag's digest carries a tag's rows (the dispatcher groups by
it); ``person_of`` says whose inbox that is. A message is one digest: the rows one digest tag
receives at one dispatch time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from htx_tasks.core.policy import COORDINATOR, LEADERSHIP, Target
from htx_tasks.plan.loader import Plan


def person_of(plan: Plan, recipient: str) -> str:
    """The person a tag reaches: a role played by a unit is that unit."""
    if recipient in (COORDINATOR, LEADERSHIP):
        return plan.role_unit(Target(recipient)) or recipient
    return recipient


def digest_of(plan: Plan, recipient: str) -> str:
    """The tag whose digest carries ``recipient``'s rows: one message per person."""
    return person_of(plan, recipient)


def person_name(plan: Plan, person: str) -> str:
    roles = [plan.meta.coordinator.title if r == COORDINATOR else plan.meta.leadership.title
             for r in (COORDINATOR, LEADERSHIP) if person_of(plan, r) == person]
    if person in plan.units:
        name = plan.unit_name(person)
        return f"{name} (cũng là {roles[0].split('(')[-1].rstrip(')')})" if roles else name
    return roles[0] if roles else person


@dataclass
class Noise:
    """What one person receives over a span."""

    person: str
    name: str
    messages: int = 0
    days: int = 0  # days with at least one message
    most_in_a_day: int = 0  # messages on the busiest day (one digest a day is the rule)
    items: int = 0  # item lines over all messages
    distinct_items: int = 0
    most_per_item: int = 0  # the most messages one item appeared in
    busiest: int = 0  # the most item lines in one message
    briefings: int = 0  # messages carrying the weekly briefing
    per_month: dict[str, int] = field(default_factory=dict)  # "2027-01": messages

    def as_json(self) -> dict:
        return asdict(self)


def measure(plan: Plan, rows: Iterable[tuple[dt.datetime, str, int | None]], start: dt.date,
            end: dt.date) -> list[Noise]:
    """Per person, from (local time, recipient tag, item or None for a briefing) rows: one message
    per digest tag and dispatch time, as the dispatcher sends them. Most messages first."""
    messages: dict[str, dict[tuple[str, dt.datetime], list[int | None]]] = defaultdict(lambda: defaultdict(list))
    for at, recipient, item in rows:
        messages[person_of(plan, recipient)][(digest_of(plan, recipient), at)].append(item)
    out = []
    months = []
    day = start.replace(day=1)
    while day <= end:
        months.append(f"{day:%Y-%m}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    for person, sent in messages.items():
        noise = Noise(person, person_name(plan, person), per_month=dict.fromkeys(months, 0))
        per_day: Counter = Counter()
        per_item: Counter = Counter()
        for (_, at), items in sent.items():
            noise.messages += 1
            per_day[at.date()] += 1
            noise.per_month[f"{at:%Y-%m}"] = noise.per_month.get(f"{at:%Y-%m}", 0) + 1
            lines = [i for i in items if i is not None]
            noise.briefings += len(lines) < len(items)
            noise.items += len(lines)
            noise.busiest = max(noise.busiest, len(lines))
            per_item.update(set(lines))
        noise.days = len(per_day)
        noise.most_in_a_day = max(per_day.values(), default=0)
        noise.distinct_items = len(per_item)
        noise.most_per_item = max(per_item.values(), default=0)
        out.append(noise)
    return sorted(out, key=lambda n: (-n.messages, n.name))
