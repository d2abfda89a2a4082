"""The tables. Times are UTC (``UTCDateTime``); dates are local calendar dates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from htx_tasks.core.statuses import NotificationStatus, PlanStatus, SubmissionDecision
from htx_tasks.store.types import UTCDateTime


def utc_column(*, nullable: bool = True, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class PlanRow(SQLModel, table=True):
    """A plan the office follows: its code, title, issuing document and status.

    The configuration holds what a plan asks; this row holds where it stands (``PlanStatus``):
    a draft is checked but not followed, an active plan is followed every pass, a closed one
    has its open items ended and sends nothing more.
    """

    __tablename__ = "plan"
    code: str = Field(primary_key=True, max_length=64)
    title: str
    document: str = ""  # the issuing document: number and date, issuer
    status: str = Field(default=PlanStatus.ACTIVE, max_length=16)  # core.statuses.PlanStatus
    status_at: dt.datetime | None = Field(default=None, sa_column=utc_column())
    # A plan read from a file into the database (``plan import|draft --into-db``) lives here rather than in
    # the configuration folder: ``draft`` holds what the file gave beyond its rows (JSON: the plan's header,
    # the units it proposes), ``source`` the whole plan the coordinator activated (JSON, ``PlanFile``'s
    # shape). ``version`` moves on every change to the draft: a page sends back the one it showed.
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default=text("1")))
    draft: str | None = None
    source: str | None = None


class DraftRow(SQLModel, table=True):
    """One duty of a draft plan as read from its file, with where it came from and what the
    coordinator made of it (unit fixed, deadline set, asked rather than ordered, dropped)."""

    __tablename__ = "draft_row"
    id: int | None = Field(default=None, primary_key=True)
    plan_code: str = Field(foreign_key="plan.code", max_length=64, index=True)
    position: int
    code: str = Field(max_length=64)  # the duty's code once the plan is followed
    ref: str = Field(max_length=32)
    title: str
    source: str  # where in the file: "dòng 89", "trang 'Phụ lục', dòng 7"
    unit_text: str = ""  # the unit as the file names it
    unit_code: str | None = Field(default=None, max_length=64)
    unit_note: str = ""  # what the reader understood: matched name and score, or why not
    unit_sure: bool = False  # a known unit matched surely, or the coordinator chose it
    coordinating: str = "[]"  # JSON list of unit codes
    deadline_phrase: str = ""  # the deadline as the file words it
    deadline_note: str = ""  # what the reader understood, or why it is flagged
    recurrence: str | None = None  # JSON of the plan's ``recurrence`` once read or set
    deadline_source: str = Field(default="coordinator", max_length=16)
    active: str | None = None  # JSON of the plan's ``active`` window
    deliverable: str = ""
    request: bool = False  # the plan asks this unit (Đề nghị …) rather than orders it
    dropped: bool = False
    flags: str = ""  # what a person must look at, one per line


class UnitRow(SQLModel, table=True):
    __tablename__ = "unit"
    code: str = Field(primary_key=True, max_length=64)
    name: str
    kind: str = Field(max_length=16)
    group_code: str | None = Field(default=None, max_length=64)
    successor_code: str | None = Field(default=None, max_length=64)
    successor_on: dt.date | None = None
    ref: str | None = Field(default=None, max_length=16)


class DutyRow(SQLModel, table=True):
    __tablename__ = "duty"
    plan_code: str = Field(primary_key=True, max_length=64)  # every writer names the plan
    code: str = Field(primary_key=True, max_length=64)
    ref: str = Field(max_length=16)
    title: str
    unit_code: str = Field(max_length=64)
    every: str = Field(max_length=16)
    deliverable: str


# Every ORM update of an occurrence is a compare-and-set on this column ("... WHERE version = :seen");
# a writer that lost the race gets StaleDataError instead of overwriting a decision it never saw.
OCCURRENCE_VERSION = Column("version", Integer, nullable=False, default=1, server_default=text("1"))


class Occurrence(SQLModel, table=True):
    """One obligation: a duty × unit × period, or one case received."""

    __table_args__ = (
        UniqueConstraint("plan_code", "duty_code", "unit_code", "period_key", name="uq_occurrence_period"),
        Index("ix_occurrence_unit_state", "unit_code", "state"),
        Index("ix_occurrence_plan_state", "plan_code", "state"),
    )
    __mapper_args__ = {"version_id_col": OCCURRENCE_VERSION}
    id: int | None = Field(default=None, primary_key=True)
    plan_code: str = Field(max_length=64)  # every writer names the plan
    duty_code: str = Field(max_length=64, index=True)
    unit_code: str = Field(max_length=64)
    period_key: str = Field(max_length=128)
    period_label: str
    case_kind: str | None = Field(default=None, max_length=64)
    case_ref: str | None = None
    received_on: dt.date | None = None
    opened_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    deadline: dt.date = Field(index=True)
    original_deadline: dt.date
    state: str = Field(max_length=16)
    escalation_level: int = -1
    last_action_at: dt.datetime | None = Field(default=None, sa_column=utc_column())
    next_action_at: dt.datetime | None = Field(default=None, sa_column=utc_column(index=True))
    submitted_at: dt.datetime | None = Field(default=None, sa_column=utc_column())
    closed_at: dt.datetime | None = Field(default=None, sa_column=utc_column())
    predecessor_id: int | None = Field(default=None, foreign_key="occurrence.id")
    version: int = Field(default=1, sa_column=OCCURRENCE_VERSION)


class Submission(SQLModel, table=True):
    """A unit's report, with evidence, and what became of it.

    The report holds what its duty asks (``plan.unitreport.ReportForm``): the results achieved,
    the figures the duty declares (``figures``: key → whole or decimal number), difficulties and
    obstacles, proposals and recommendations (empty when not asked or nothing to say).
    ``decision`` is "pending" exactly while the occurrence is "submitted" (the occurrence's state
    is the one home of "awaiting review"); accept, return and waive close it.
    """

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="occurrence.id", index=True)
    unit_code: str = Field(max_length=64)
    submitted_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    results: str  # "Kết quả đạt được" (before migration p20: the report's one free-text note)
    difficulties: str = Field(default="", sa_column_kwargs={"server_default": ""})  # "Khó khăn, vướng mắc"
    proposals: str = Field(default="", sa_column_kwargs={"server_default": ""})  # "Đề xuất, kiến nghị"
    figures: dict[str, int | float] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default=text("'{}'")))
    evidence_url: str | None = None
    decision: str = Field(default=SubmissionDecision.PENDING, max_length=16)  # core.statuses.SubmissionDecision
    decided_at: dt.datetime | None = Field(default=None, sa_column=utc_column())
    decision_note: str | None = None


class AuditEvent(SQLModel, table=True):
    """Append-only trail of every state change: who, when, from, to, why.

    ``actor`` names who acted (a unit code, the coordinator, the system), ``role`` what they acted
    as (unit, coordinator, system) and ``via`` how the action came (``cli:<user>``,
    ``form:<flow run id>``, ``link:<signed link id>``).
    """

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id", index=True)
    at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    actor: str = Field(max_length=128)
    action: str = Field(max_length=32)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str | None = Field(default=None, max_length=16)
    reason: str | None = None
    role: str | None = Field(default=None, max_length=16)
    via: str | None = Field(default=None, max_length=128)


LEASE = dt.timedelta(minutes=15)  # a row 'sending' for longer is stuck: the next dispatch sets it aside for review


class Notification(SQLModel, table=True):
    """Outbox: one row per follow-up event and recipient, written with the state change.

    A notice about something other than an item (an indicator off its path) has no occurrence:
    ``subject`` names what it is about (unique per recipient: told once) and ``body`` holds its
    line, fixed when it was recorded.
    """

    __table_args__ = (
        UniqueConstraint(
            "occurrence_id", "kind", "level", "due_at", "recipient", name="uq_notification_key"
        ),
        UniqueConstraint("subject", "recipient", name="uq_notification_subject"),
        Index("ix_notification_status_next", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id", index=True)
    kind: str = Field(max_length=16)
    level: int
    detail: int = 0
    due_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    recipient: str = Field(max_length=64)
    created_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    status: str = Field(default=NotificationStatus.PENDING, max_length=16)  # core.statuses.NotificationStatus
    attempts: int = 0
    next_attempt_at: dt.datetime | None = Field(default=None, sa_column=utc_column())
    claim_token: str | None = Field(default=None, max_length=64)
    claimed_at: dt.datetime | None = Field(default=None, sa_column=utc_column())
    sent_at: dt.datetime | None = Field(default=None, sa_column=utc_column())
    last_error: str | None = None
    delivered_urls: str = ""  # url ids (hashes) that already have this row, for partial retries
    subject: str | None = Field(default=None, max_length=128)
    body: str | None = None


class OpeningCursor(SQLModel, table=True):
    """How far periods of a duty have been opened for a unit (local date)."""

    __tablename__ = "opening_cursor"
    plan_code: str = Field(primary_key=True, max_length=64)  # every writer names the plan
    duty_code: str = Field(primary_key=True, max_length=64)
    unit_code: str = Field(primary_key=True, max_length=64)
    opened_through: dt.date


class Delivery(SQLModel, table=True):
    """One attempt to deliver one digest to one URL: Apprise's per-URL result, secrets masked."""

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=64, index=True)
    at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    url: str  # masked by Apprise (privacy mode), then scrubbed of template values
    url_id: str = Field(max_length=64)
    status: str = Field(max_length=16)  # success, failure, timeout
    notification_ids: str  # comma-separated outbox rows this digest carried
    error: str | None = None
