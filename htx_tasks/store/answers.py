"""Tables of the units' answers through the web app: links, evidence files, extension requests.

Times are UTC (``UTCDateTime``); dates are local calendar dates.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from htx_tasks.core.statuses import ExtensionDecision
from htx_tasks.store.models import utc_column


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
