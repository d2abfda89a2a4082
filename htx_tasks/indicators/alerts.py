"""Tell the coordinator and leadership when an indicator leaves its path: through the outbox.

Demonstration figures are told to the coordinator only: leadership never hears of numbers that
are not real (a fresh ``make run`` loads the synthetic registry).

Recorded, then delivered (the house pattern): ``record`` writes one ordinary ``notification`` row
(kind ``indicator``) per indicator, year, standing and recipient the first time the indicator is
off its path that year, with the line its message carries. The dispatcher then delivers it like
any other notice: claimed under a lease, sent in the recipient's working hours, retried with
backoff, every attempt kept as a delivery row, shown by ``htx-tasks notify``. The subject is
unique per recipient, so reruns tell nobody twice.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from htx_tasks.core.lifecycle import Kind
from htx_tasks.core.policy import Target
from htx_tasks.core.statuses import NotificationStatus
from htx_tasks.indicators.compute import Standing
from htx_tasks.indicators.service import Kpi
from htx_tasks.indicators.wording import amount, gap_text, held_to
from htx_tasks.plan.loader import Plan
from htx_tasks.store.models import Notification

RECIPIENTS = (Target.COORDINATOR.value, Target.LEADERSHIP.value)


def subject_of(indicator: str, year: int, standing: Standing) -> str:
    """``giai-the-htx-2030/2026/behind``: what an alert is about, told once to each recipient."""
    return f"{indicator}/{year}/{standing.value}"


def told_before(subject: str) -> str:
    """The part of a subject that says "this indicator, this year" (``indicator/year/``).

    An indicator is told once a year, whatever standing took it off its path (behind its path,
    below the band it must hold, or missed in its target year), as it always was; alerts moved
    from the old table carry ``off_track``."""
    return subject.rsplit("/", 1)[0] + "/"


def alert_line(kpi: Kpi, plan: Plan, code: str) -> str:
    result = next(r for r in kpi.results if r.indicator.code == code)
    i, a = result.indicator, result.point.assessment
    return (f"- {i.title}: {amount(i, result.point.value)} tại {result.point.on:%d/%m/%Y}; mức cần đạt năm "
            f"{kpi.year} là {held_to(i, kpi.year, a)} (chênh lệch {gap_text(i, a.gap)}); mục tiêu {result.target} "
            f"năm {i.year}. Đơn vị chủ trì: {plan.unit_name(i.owner or '')}.")


def record(session: Session, plan: Plan, kpi: Kpi, now: dt.datetime) -> int:
    """Record an alert for each indicator newly off its path this year; returns how many rows."""
    off = kpi.off_track
    if not off:
        return 0
    known = {(told_before(subject), recipient) for subject, recipient in session.exec(
        select(Notification.subject, Notification.recipient).where(
            Notification.kind == Kind.INDICATOR.value, col(Notification.subject).like(f"%/{kpi.year}/%")))
        if subject is not None}
    added = 0
    recipients = RECIPIENTS[:1] if kpi.synthetic else RECIPIENTS
    for result in off:
        subject = subject_of(result.indicator.code, kpi.year, result.standing)
        text = alert_line(kpi, plan, result.indicator.code)
        if kpi.synthetic:
            text += " (Dữ liệu minh họa.)"
        for recipient in recipients:
            if (told_before(subject), recipient) not in known:
                session.add(Notification(
                    occurrence_id=None, kind=Kind.INDICATOR.value, level=-1, detail=kpi.year, due_at=now,
                    recipient=recipient, created_at=now, status=NotificationStatus.PENDING, next_attempt_at=now,
                    subject=subject, body=text))
                added += 1
    session.flush()
    return added
