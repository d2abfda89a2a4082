"""The statuses of the rows kept beside an obligation, as enums with their Vietnamese label.

The stored values are these strings (no migration: ``StrEnum`` members compare and store as
their value); the words live in ``core.wording``, like ``lifecycle.State``'s.
"""

from __future__ import annotations

from enum import StrEnum

from htx_tasks.core import wording


class NotificationStatus(StrEnum):
    """An outbox row (``store.models.Notification.status``)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # given up on after the retries
    REVIEW = "review"  # the process stopped while sending: a person decides
    CANCELLED = "cancelled"  # the obligation closed before it was sent
    SUPERSEDED = "superseded"  # a newer notice of the same kind replaced it

    @property
    def label(self) -> str:
        return wording.notification_status_label(self)


class SubmissionDecision(StrEnum):
    """What became of a unit's report (``store.models.Submission.decision``)."""

    PENDING = "pending"  # exactly while the obligation is "submitted"
    ACCEPT = "accept"
    RETURN = "return"
    WAIVE = "waive"

    @property
    def label(self) -> str:
        return wording.submission_decision_label(self)


class ExtensionDecision(StrEnum):
    """The coordinator's answer to a request for more time (``store.answers.ExtensionRequest.decision``)."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return wording.extension_decision_label(self)

    def label_for(self, *, request: bool) -> str:
        return wording.extension_decision_label(self, request=request)


class PlanStatus(StrEnum):
    """Where a plan stands (``store.models.PlanRow.status``)."""

    DRAFT = "draft"  # checked, not followed yet
    ACTIVE = "active"  # followed every pass
    CLOSED = "closed"  # its open items ended, nothing more sent

    @property
    def label(self) -> str:
        return wording.plan_status_label(self)
