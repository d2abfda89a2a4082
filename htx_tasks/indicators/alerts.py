"""Tell the coordinator and leadership when an indicator leaves its path.

Demonstration figures are told to the coordinator only: leadership never hears of numbers that
are not real (a fresh ``make run`` loads the synthetic registry).

Recorded, then delivered (the house pattern): ``record`` writes one ``indicator_alert`` row per
indicator, year and recipient the first time the indicator is off its path that year (a unique
key makes reruns harmless); ``deliver`` claims pending rows with a compare-and-set, sends one
message per recipient through the delivery system's Apprise wrapper and channels, and keeps
failed rows for the next run (up to ``MAX_ATTEMPTS``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, UniqueConstraint, update
from sqlmodel import Field, Session, SQLModel, col, select

from htx_tasks.clock import local_date
from htx_tasks.core.calendar import format_date_vi
from htx_tasks.delivery.channels import COORDINATOR, LEADERSHIP, Channels
from htx_tasks.delivery.messages import Message, recipient_name
from htx_tasks.delivery.sender import UrlResult, scrub, send
from htx_tasks.indicators.service import Kpi
from htx_tasks.indicators.wording import amount, gap_text, held_to
from htx_tasks.plan.loader import Plan
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import utc_column

RECIPIENTS = (COORDINATOR, LEADERSHIP)
MAX_ATTEMPTS = 5


class IndicatorAlert(SQLModel, table=True):
    __tablename__ = "indicator_alert"
    __table_args__ = (UniqueConstraint("indicator", "year", "recipient", name="uq_indicator_alert"),)
    id: int | None = Field(default=None, primary_key=True)
    indicator: str = Field(max_length=64)
    year: int
    recipient: str = Field(max_length=64)
    text: str  # the line the message carries, fixed when the alert is recorded
    created_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)  # pending, sending, sent, failed
    attempts: int = 0
    claim_token: str | None = Field(default=None, max_length=64)
    sent_at: dt.datetime | None = Field(default=None, sa_column=utc_column())
    last_error: str | None = None


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
    known = set(session.exec(select(IndicatorAlert.indicator, IndicatorAlert.recipient)
                             .where(IndicatorAlert.year == kpi.year)).all())
    added = 0
    recipients = (COORDINATOR,) if kpi.synthetic else RECIPIENTS
    for result in off:
        text = alert_line(kpi, plan, result.indicator.code)
        if kpi.synthetic:
            text += " (Dữ liệu minh họa.)"
        for recipient in recipients:
            if (result.indicator.code, recipient) not in known:
                session.add(IndicatorAlert(indicator=result.indicator.code, year=kpi.year, recipient=recipient,
                                           text=text, created_at=now))
                added += 1
    session.flush()
    return added


@dataclass
class AlertDelivery:
    sent: int = 0
    failed: int = 0


def render(plan: Plan, recipient: str, year: int, lines: list[str], now: dt.datetime) -> Message:
    title = f"[{plan.meta.label}] {len(lines)} chỉ tiêu năm {year} chệch lộ trình"
    body = "\n".join([
        f"Kính gửi {recipient_name(plan, recipient)},",
        "",
        (f"Đến ngày {format_date_vi(local_date(now))}, các chỉ tiêu sau của {plan.meta.short_title} "
         "chưa đạt mức cần đạt trong năm (theo lộ trình, hoặc khoảng mục tiêu phải duy trì):"),
        *lines,
        "",
        "Chi tiết: htx-tasks kpi, hoặc bảng chỉ tiêu trong Prefect (lượt chạy 'Chỉ tiêu kế hoạch').",
    ])
    return Message(title=title, text=body, markdown=body)


def deliver(engine: Engine, plan: Plan, channels: Channels, now: dt.datetime) -> AlertDelivery:
    """Send every pending alert: one message per recipient and year."""
    token = uuid.uuid4().hex
    with session_scope(engine) as session:
        session.execute(update(IndicatorAlert).where(col(IndicatorAlert.status) == "pending")
                        .values(status="sending", claim_token=token))
    with session_scope(engine) as session:
        rows = session.exec(select(IndicatorAlert).where(IndicatorAlert.claim_token == token,
                                                         IndicatorAlert.status == "sending")
                            .order_by(col(IndicatorAlert.recipient), col(IndicatorAlert.year), col(IndicatorAlert.id))).all()
    groups: dict[tuple[str, int], list[IndicatorAlert]] = {}
    for row in rows:
        groups.setdefault((row.recipient, row.year), []).append(row)
    template = channels.template_values()
    out = AlertDelivery()
    for (recipient, year), group in groups.items():
        message = render(plan, recipient, year, [r.text for r in group], now)
        try:
            results = send(channels.apprise_for(recipient), recipient, message, skip=set(), template=template)
        except Exception as exc:  # noqa: BLE001 - one recipient's failure never stops the others
            results = [UrlResult("", recipient, "failure", scrub(str(exc), template)[:500])]
        ok = bool(results) and all(r.ok for r in results)
        error = "; ".join(r.error or r.status for r in results if not r.ok) or (None if results else "không có kênh nhận")
        with session_scope(engine) as session:
            for row in group:
                failed_for_good = not ok and row.attempts + 1 >= MAX_ATTEMPTS
                session.execute(update(IndicatorAlert).where(col(IndicatorAlert.id) == row.id).values(
                    status="sent" if ok else ("failed" if failed_for_good else "pending"),
                    sent_at=now if ok else None, attempts=row.attempts + 1, last_error=error, claim_token=None))
        if ok:
            out.sent += len(group)
        else:
            out.failed += len(group)
    return out
