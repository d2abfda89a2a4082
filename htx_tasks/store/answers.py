"""Tables of the units' answers through the web app: links, evidence files, extension requests;
and the units' reports as the consolidated report reads them (``reports_in_period``).

Times are UTC (``UTCDateTime``); dates are local calendar dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_
from sqlmodel import Field, Session, SQLModel, col, select

from htx_tasks.core.statuses import ExtensionDecision, SubmissionDecision
from htx_tasks.store.models import DutyRow, Occurrence, Submission, utc_column


class LinkVersion(SQLModel, table=True):
    """Signed links carry the version of their subject (a unit, or the coordinator); bumping it
    revokes every link issued before."""

    __tablename__ = "link_version"
    subject: str = Field(primary_key=True, max_length=64)
    version: int = 1
    changed_at: dt.datetime | None = Field(default=None, sa_column=utc_column())


class EvidenceFile(SQLModel, table=True):
    """A file sent with a report, stored content-addressed (``sha256``) under the evidence folder."""

    __tablename__ = "evidence_file"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    sha256: str = Field(max_length=64)
    name: str = Field(max_length=200)  # sanitised, shown only as a download name
    kind: str = Field(max_length=8)  # pdf, docx, xlsx, jpg, png (detected from the content)
    size: int


class ExtensionRequest(SQLModel, table=True):
    """A unit's request for more time ("đề nghị gia hạn") and the coordinator's decision."""

    __tablename__ = "extension_request"
    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="occurrence.id", index=True)
    unit_code: str = Field(max_length=64)
    requested_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    proposed: dt.date
    reason: str
    deadline_then: dt.date
    decision: str = Field(default=ExtensionDecision.PENDING, max_length=16)  # core.statuses.ExtensionDecision
    decided_at: dt.datetime | None = Field(default=None, sa_column=utc_column())
    decision_note: str | None = None
    new_deadline: dt.date | None = None


class WebAudit(SQLModel, table=True):
    """One line per action taken through a signed link: who, which link, when, from where."""

    __tablename__ = "web_audit"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    subject: str = Field(max_length=64)  # unit code or "coordinator"
    link_id: str = Field(max_length=32, index=True)
    client: str = Field(max_length=64)
    action: str = Field(max_length=32)
    occurrence_id: int | None = None
    outcome: str = Field(max_length=16)  # done, refused
    detail: str | None = None


class Acknowledgement(SQLModel, table=True):
    """A unit says it has the work in hand, when it expects to finish and how far it has got.

    Not an extension: the deadline stays; repeats about the item pause until ``expected_on``
    (``core.acknowledgement``). The latest row of an occurrence is the one that counts."""

    __tablename__ = "acknowledgement"
    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="occurrence.id", index=True)
    unit_code: str = Field(max_length=64)
    acknowledged_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    expected_on: dt.date
    note: str
    deadline_then: dt.date  # the deadline when it was said (it does not move)
    via: str = Field(max_length=128)


def latest_report(session: Session, occurrence_id: int) -> Submission | None:
    """The item's last report (awaiting review, or what became of the last one sent)."""
    return session.exec(select(Submission).where(col(Submission.occurrence_id) == occurrence_id)
                        .order_by(col(Submission.id).desc()).limit(1)).first()


@dataclass(frozen=True)
class UnitReportRow:
    """One unit's report on one item, as the consolidated report compiles it.

    ``figures`` are the numbers as reported (key → int, or float for a figure declared
    ``whole: false``); their labels and units are the plan's, not stored: the caller reads them
    from ``plan.duty(duty_code).report.figure(key)`` (``plan.unitreport.Figure``: label, unit).
    ``decision`` is what became of the report (``SubmissionDecision``: pending, accept, return,
    waive); ``latest`` is true for the item's last report (a returned report is usually followed
    by another on the same item).
    """

    plan_code: str
    duty_code: str
    duty_ref: str  # "III.8.2"; the duty's code when the duty is no longer stored
    unit_code: str  # the unit that reported
    occurrence_id: int
    period_label: str  # "quý IV/2026", "hồ sơ HTX-DAT-07"
    deadline: dt.date  # the period's own deadline as the plan set it (before any extension)
    submission_id: int
    submitted_at: dt.datetime  # UTC
    results: str
    difficulties: str
    proposals: str
    figures: dict[str, int | float]
    decision: SubmissionDecision
    latest: bool


def reports_in_period(session: Session, plan_code: str, start: dt.date, end: dt.date) -> list[UnitReportRow]:
    """Every report on ``plan_code``'s items whose period falls in ``start``..``end`` (local dates,
    both included), in deadline, duty, unit and report order.

    A period falls in the window when its original deadline (``Occurrence.original_deadline``: the
    term the plan set, before any extension) does: a half-yearly report on 1/7–31/12 compiles the
    units' reports on the third and fourth quarters, the second half-year, the months July to
    December and the cases due then, whenever the unit sent them (a fourth-quarter report sent on
    5/1 still belongs to the year's report; a report sent in July on June's work does not).
    """
    rows = session.exec(
        select(Submission, Occurrence, DutyRow.ref)
        .join(Occurrence, col(Occurrence.id) == Submission.occurrence_id)
        .join(DutyRow, and_(col(DutyRow.plan_code) == Occurrence.plan_code, col(DutyRow.code) == Occurrence.duty_code),
              isouter=True)
        .where(col(Occurrence.plan_code) == plan_code, col(Occurrence.original_deadline) >= start,
               col(Occurrence.original_deadline) <= end)
        .order_by(col(Occurrence.original_deadline), col(Occurrence.duty_code), col(Occurrence.unit_code),
                  col(Submission.id))
    ).all()
    last: dict[int, int] = {}
    for submission, _, _ in rows:
        assert submission.id is not None
        last[submission.occurrence_id] = max(last.get(submission.occurrence_id, 0), submission.id)
    out = []
    for submission, occurrence, ref in rows:
        assert submission.id is not None and occurrence.id is not None
        out.append(UnitReportRow(
            plan_code=occurrence.plan_code, duty_code=occurrence.duty_code, duty_ref=ref or occurrence.duty_code,
            unit_code=submission.unit_code, occurrence_id=occurrence.id, period_label=occurrence.period_label,
            deadline=occurrence.original_deadline, submission_id=submission.id, submitted_at=submission.submitted_at,
            results=submission.results, difficulties=submission.difficulties, proposals=submission.proposals,
            figures=dict(submission.figures or {}), decision=SubmissionDecision(submission.decision),
            latest=last[occurrence.id] == submission.id))
    return out
