"""The consolidated report's drafts: one per plan and period, versioned, in parts.

A part is a piece of the report's text: what the office writes (the overview, the directions) or
a unit's own words (its results, difficulties, proposals), quoted with its author and date.
``generated`` is what the last compilation wrote; ``text`` is what the report says; ``edited``
marks a part the coordinator changed, which a new compilation never overwrites: it offers its
own text beside it (``offered``). Every change of a draft is a compare-and-set on ``version``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint, update
from sqlmodel import Field, Session, SQLModel, col, select

from htx_tasks.store.models import utc_column


class ReportDraft(SQLModel, table=True):
    __tablename__ = "report_draft"
    __table_args__ = (UniqueConstraint("plan_code", "period_code", name="uq_report_draft_period"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_code: str = Field(max_length=64)
    period_code: str = Field(max_length=16)
    version: int = 1
    parent: str = Field(default="", max_length=200)  # the issuer's parent body, when it has one (Nghị định 30/2020)
    number: str = Field(default="", max_length=32)  # the clerk's number: "Số: 15/BC-UBND"
    place: str = Field(default="", max_length=128)
    signed_on: dt.date | None = None  # blank ("ngày … tháng … năm …") until the coordinator sets it
    recipients: str = ""  # one per line, "Lưu" excluded (the frame writes it last)
    filed_with: str = Field(default="", max_length=64)  # "- Lưu: VT, <this>."
    compiled_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    changed_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    changed_by: str = Field(max_length=128)

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


class ReportPart(SQLModel, table=True):
    __tablename__ = "report_part"
    __table_args__ = (UniqueConstraint("draft_id", "key", name="uq_report_part_key"),)
    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="report_draft.id", index=True)
    key: str = Field(max_length=64)
    section: str = Field(max_length=32)
    position: int
    heading: str = ""
    author: str | None = Field(default=None, max_length=200)  # a unit's words: its name
    said_on: dt.date | None = None  # and the day it said them
    request: bool = False  # the words of a body the plan asks (III.7): results shared, not a report owed
    generated: str = ""
    text: str = ""
    edited: bool = False
    offered: str | None = None


def find_draft(session: Session, plan_code: str, period_code: str) -> ReportDraft | None:
    return session.exec(
        select(ReportDraft).where(ReportDraft.plan_code == plan_code, ReportDraft.period_code == period_code)
    ).first()


def parts_of(session: Session, draft_id: int) -> list[ReportPart]:
    return list(
        session.exec(
            select(ReportPart).where(ReportPart.draft_id == draft_id).order_by(col(ReportPart.position), col(ReportPart.id))
        ).all()
    )


def claim_version(session: Session, draft_id: int, seen: int) -> bool:
    """Move the draft from ``seen`` to the next version; False when somebody changed it first."""
    moved = session.execute(
        update(ReportDraft)
        .where(col(ReportDraft.id) == draft_id, col(ReportDraft.version) == seen)
        .values(version=ReportDraft.version + 1)
    )
    return moved.rowcount == 1  # type: ignore[attr-defined]
