"""Who a plan's follow-up speaks to and how: targets, role tags, escalation steps, the policy.

Values the plan declares (``config/plan.yaml``) and every layer uses: the lifecycle computes
with them, the engine and delivery address messages by the role tags, the wording service
words requests (``Assignment.REQUEST``) as requests.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, field_validator

from htx_tasks.core.strict import Strict


class Target(StrEnum):
    UNIT = "unit"
    COORDINATOR = "coordinator"
    LEADERSHIP = "leadership"


COORDINATOR, LEADERSHIP = Target.COORDINATOR.value, Target.LEADERSHIP.value  # recipient tags of the roles
FALLBACK = "fallback"  # the coordinator's channel that hears of a recipient given up on


class EscalationStep(Strict):
    after_working_days: int = Field(ge=0, le=60)
    to: Target


class Policy(Strict):
    """Follow-up policy. Every key is optional so a unit or duty overrides only what it names."""

    reminder_days: list[int] | None = None
    due_soon_working_days: int | None = Field(default=None, ge=0, le=30)
    escalation: list[EscalationStep] | None = None
    # overdue repeats to the unit: on these working days past the deadline (those an escalation
    # step already tells the unit are not repeated), then every `repeat_every_days`, at most
    # `repeat_limit` repeats in all
    repeat_after_working_days: list[int] | None = None
    repeat_every_days: int | None = Field(default=None, ge=1, le=90)
    repeat_limit: int | None = Field(default=None, ge=0, le=24)
    # a periodic item still unanswered when the next period of the duty comes due closes as
    # "Không báo cáo" (missed); a request never does
    close_when_next_due: bool | None = None
    # escalations of an urgent duty reach leadership at once, not in the weekly briefing
    urgent: bool | None = None
    # leadership's weekly briefing (and the coordinator's): weekday (1 = thứ Hai … 7 = Chủ nhật)
    # and hour (default: work_start); a day off moves it to the next working day
    briefing_weekday: int | None = Field(default=None, ge=1, le=7)
    briefing_time: dt.time | None = None
    # a request (assignment: request) is recalled at most this often once its date has passed
    request_repeat_every_days: int | None = Field(default=None, ge=7, le=366)
    # a period born within this many days of its deadline (tracking starts, a duty or unit is
    # added) is not opened; default: the longest reminder offset
    lead_days: int | None = Field(default=None, ge=0, le=90)
    work_start: dt.time | None = None
    work_end: dt.time | None = None

    @field_validator("reminder_days")
    @classmethod
    def _offsets(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(not 0 <= v <= 90 for v in value):
            raise ValueError("reminder_days chỉ nhận số ngày từ 0 đến 90")
        return value

    @field_validator("repeat_after_working_days")
    @classmethod
    def _backoff(cls, value: list[int] | None) -> list[int] | None:
        if value is None:
            return value
        if any(not 1 <= v <= 120 for v in value):
            raise ValueError("repeat_after_working_days chỉ nhận số ngày làm việc từ 1 đến 120")
        if value != sorted(set(value)):
            raise ValueError("repeat_after_working_days phải tăng dần, không trùng nhau")
        return value

    @field_validator("escalation")
    @classmethod
    def _ordered(cls, value: list[EscalationStep] | None) -> list[EscalationStep] | None:
        if value is None:
            return value
        days = [s.after_working_days for s in value]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ValueError("các bậc escalation phải có after_working_days tăng dần")
        if not value or value[0].to is not Target.UNIT:
            raise ValueError("bậc escalation đầu tiên phải là 'unit' (báo quá hạn cho đơn vị)")
        return value

    def over(self, base: Policy) -> Policy:
        """This policy's keys laid over ``base``."""
        update = {name: getattr(self, name) for name in type(self).model_fields if getattr(self, name) is not None}
        return base.model_copy(update=update)


class Assignment(StrEnum):
    DIRECT = "direct"  # giao: the People's Committee directs its own bodies
    REQUEST = "request"  # đề nghị: the Fatherland Front and mass organisations
