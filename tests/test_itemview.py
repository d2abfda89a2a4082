"""One view of an item (``core.itemview.read``): hand-computed cases, and the words it carries.

The calendar of 2027: Tết is Thursday 04/02 to Wednesday 10/02 (back to work Thursday 11/02);
22/03 is a Monday. The policy's "due soon" window is 3 working days before the deadline.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from htx_tasks.core import wording
from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.itemview import ItemFacts, read
from htx_tasks.core.lifecycle import ACTIVE, Kind, Outcome, State
from htx_tasks.core.policy import Policy, Target
from htx_tasks.core.statuses import ExtensionDecision, NotificationStatus, SubmissionDecision
from htx_tasks.core.zones import at_local

D = dt.date.fromisoformat
CAL = WorkCalendar()
POLICY = Policy(due_soon_working_days=3)
ORDER_WORDS = re.compile(r"giao|quá hạn|đôn đốc|cấp trên|hoàn thành", re.IGNORECASE)


def L(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return at_local(D(day), hour, minute)


def reading(deadline: str, state: State, now: dt.datetime, *, request: bool = False, level: int = -1,
            submitted: dt.datetime | None = None):
    return read(ItemFacts(D(deadline), state, request, level, submitted), POLICY, CAL, now)


# deadline, stored state, level, now, asked (a request) -> state now, past, due soon, days left, working days left,
# working days overdue, label, timing, table cell
CASES = [
    # a week ahead: Tue 16 … Mon 22 holds five working days
    ("2027-03-22", State.OPEN, -1, L("2027-03-15", 8), False,
     State.OPEN, False, False, 7, 5, 0, "Đang thực hiện", "còn 7 ngày", "còn 7 ngày"),
    ("2027-03-22", State.OPEN, -1, L("2027-03-15", 8), True,
     State.OPEN, False, False, 7, 5, 0, "Đang phối hợp thực hiện", "còn 7 ngày đến mốc", "còn 7 ngày đến mốc"),
    # stored "open" by Monday's pass; by Friday it is due soon (the window opened Wednesday 17/03)
    ("2027-03-22", State.OPEN, -1, L("2027-03-19", 8), False,
     State.DUE_SOON, False, True, 3, 1, 0, "Sắp đến hạn", "còn 3 ngày", "còn 3 ngày"),
    # due today
    ("2027-03-22", State.DUE_SOON, -1, L("2027-03-22", 16), False,
     State.DUE_SOON, False, True, 0, 0, 0, "Sắp đến hạn", "đến hạn hôm nay", "đến hạn hôm nay"),
    ("2027-03-22", State.DUE_SOON, -1, L("2027-03-22", 16), True,
     State.DUE_SOON, False, True, 0, 0, 0, "Sắp đến mốc trao đổi kết quả", "mốc là hôm nay", "mốc là hôm nay"),
    # the first working day after, before any pass: stored "due soon", read overdue; no whole working day yet
    ("2027-03-22", State.DUE_SOON, -1, L("2027-03-23", 7, 30), False,
     State.OVERDUE, True, False, -1, 0, 0, "Quá hạn", "đã quá hạn", "quá hạn 1 ngày"),
    ("2027-03-22", State.DUE_SOON, -1, L("2027-03-23", 7, 30), True,
     State.OVERDUE, True, False, -1, 0, 0, "Đã qua mốc trao đổi", "đã qua mốc", "đã qua mốc 1 ngày"),
    # Thursday, the coordinator told (level 1): Tuesday and Wednesday have elapsed
    ("2027-03-22", State.OVERDUE, 1, L("2027-03-25", 7, 30), False,
     State.ESCALATED, True, False, -3, 0, 2, "Quá hạn, đã báo cấp trên", "quá hạn 2 ngày làm việc",
     "quá hạn 3 ngày (2 ngày làm việc)"),
    ("2027-03-22", State.OVERDUE, 1, L("2027-03-25", 7, 30), True,
     State.ESCALATED, True, False, -3, 0, 2, "Đã qua mốc, cơ quan thường trực đang trao đổi",
     "đã qua mốc 2 ngày làm việc", "đã qua mốc 3 ngày (2 ngày làm việc)"),
    # a Friday term over the weekend: Saturday and Monday morning, no whole working day; Wednesday, two
    ("2027-03-19", State.DUE_SOON, -1, L("2027-03-20", 10), False,
     State.OVERDUE, True, False, -1, 0, 0, "Quá hạn", "đã quá hạn", "quá hạn 1 ngày"),
    ("2027-03-19", State.OVERDUE, 0, L("2027-03-22", 8), False,
     State.OVERDUE, True, False, -3, 0, 0, "Quá hạn", "đã quá hạn", "quá hạn 3 ngày"),
    ("2027-03-19", State.OVERDUE, 0, L("2027-03-24", 8), False,
     State.OVERDUE, True, False, -5, 0, 2, "Quá hạn", "quá hạn 2 ngày làm việc", "quá hạn 5 ngày (2 ngày làm việc)"),
    # across Tết: due Wednesday 03/02; on mùng ba no working day has passed; Friday 12/02 one has
    ("2027-02-03", State.OVERDUE, 0, L("2027-02-08", 10), False,
     State.OVERDUE, True, False, -5, 0, 0, "Quá hạn", "đã quá hạn", "quá hạn 5 ngày"),
    ("2027-02-03", State.OVERDUE, 0, L("2027-02-12", 7, 30), False,
     State.OVERDUE, True, False, -9, 0, 1, "Quá hạn", "quá hạn 1 ngày làm việc", "quá hạn 9 ngày (1 ngày làm việc)"),
    # due Friday 12/02, after Tết: on 01/02 eleven days but only four working days remain (2, 3, 11, 12);
    # on 03/02 the window of three working days (11, 12 and 03/02 itself) is open although nine days remain
    ("2027-02-12", State.OPEN, -1, L("2027-02-01", 8), False,
     State.OPEN, False, False, 11, 4, 0, "Đang thực hiện", "còn 11 ngày", "còn 11 ngày"),
    ("2027-02-12", State.OPEN, -1, L("2027-02-03", 8), False,
     State.DUE_SOON, False, True, 9, 2, 0, "Sắp đến hạn", "còn 9 ngày", "còn 9 ngày"),
    # returned for completion: keeps its label while in time (though due soon), overdue once past
    ("2027-03-22", State.RETURNED, -1, L("2027-03-19", 8), False,
     State.RETURNED, False, True, 3, 1, 0, "Trả lại để hoàn thiện", "còn 3 ngày", "còn 3 ngày"),
    ("2027-03-22", State.RETURNED, -1, L("2027-03-24", 8), True,
     State.OVERDUE, True, False, -2, 0, 1, "Đã qua mốc trao đổi", "đã qua mốc 1 ngày làm việc",
     "đã qua mốc 2 ngày (1 ngày làm việc)"),
    # reported, awaiting review: the clock no longer moves it, whatever the date
    ("2027-03-22", State.SUBMITTED, -1, L("2027-03-30", 8), False,
     State.SUBMITTED, False, False, -8, 0, 0, "Đã báo cáo, chờ duyệt", "", "đã báo cáo"),
    ("2027-03-22", State.SUBMITTED, -1, L("2027-03-30", 8), True,
     State.SUBMITTED, False, False, -8, 0, 0, "Đã gửi thông tin kết quả, chờ tiếp nhận", "", "đã gửi thông tin kết quả"),
    # closed
    ("2027-03-22", State.DONE_LATE, 0, L("2027-03-30", 8), False,
     State.DONE_LATE, False, False, -8, 0, 0, "Hoàn thành quá hạn", "", "—"),
    ("2027-03-22", State.DONE_LATE, 0, L("2027-03-30", 8), True,
     State.DONE_LATE, False, False, -8, 0, 0, "Đã trao đổi kết quả", "", "—"),
]


@pytest.mark.parametrize(
    ("deadline", "stored", "level", "now", "asked", "state", "past", "due_soon", "days_left",
     "working_days_left", "working_days_overdue", "label", "timing", "cell"), CASES)
def test_the_view_of_an_item_at_now(deadline, stored, level, now, asked, state, past, due_soon, days_left,
                                    working_days_left, working_days_overdue, label, timing, cell) -> None:
    seen = reading(deadline, stored, now, request=asked, level=level,
                   submitted=L(deadline, 15) if stored is State.SUBMITTED else None)
    assert (seen.state, seen.past, seen.overdue, seen.due_soon) == (state, past, past and not asked, due_soon)
    assert (seen.days_left, seen.working_days_left, seen.working_days_overdue) == (
        days_left, working_days_left, working_days_overdue)
    assert (seen.label, seen.timing, seen.cell) == (label, timing, cell)
    assert seen.lateness == (re.sub(r"^(quá hạn|đã qua mốc) ", "", cell) if past else "")


@pytest.mark.parametrize(("submitted", "state", "outcome"), [
    (L("2027-03-22", 23, 59), State.SUBMITTED, Outcome.DONE_ON_TIME),  # submitted on the last day
    (L("2027-03-23", 0, 1), State.SUBMITTED, Outcome.DONE_LATE),  # a minute into the next
    (None, State.DONE_ON_TIME, Outcome.DONE_ON_TIME),
    (None, State.WAIVED, None),  # no longer counted
    (None, State.OVERDUE, Outcome.PENDING_OVERDUE),
])
def test_the_view_carries_the_report_class(submitted, state, outcome) -> None:
    assert reading("2027-03-22", state, L("2027-03-30", 8), submitted=submitted).outcome is outcome


def test_the_timing_phrase_every_reader_sees() -> None:
    """The phrases of messages and pages (formerly ``lifecycle.timing_phrase``), from the view."""
    cases = [("2027-03-22", L("2027-03-19", 8), "còn 3 ngày"), ("2027-03-22", L("2027-03-22", 16), "đến hạn hôm nay"),
             ("2027-03-19", L("2027-03-22", 8), "đã quá hạn"),  # Friday's term, Monday morning: no whole day yet
             ("2027-03-19", L("2027-03-24", 8), "quá hạn 2 ngày làm việc")]
    assert [reading(d, State.OPEN, now).timing for d, now, _ in cases] == [phrase for *_, phrase in cases]


def test_a_request_never_reads_as_an_order_and_is_never_overdue() -> None:
    """Every active or closed state, every day of 2027 and its first weeks after: a request's words
    hold no order word, it is never ``overdue``, and an assignment past its term always is."""
    day = D("2026-12-20")
    while day <= D("2027-02-20"):
        for stored in State:
            for hour in (0, 8, 23):
                now = at_local(day, hour)
                asked = reading("2027-01-29", stored, now, request=True, level=1, submitted=L("2027-01-29", 9))
                told = reading("2027-01-29", stored, now, request=False, level=1, submitted=L("2027-01-29", 9))
                assert not asked.overdue
                assert not ORDER_WORDS.search(" ".join((asked.label, asked.timing, asked.lateness, asked.cell)))
                assert told.overdue is told.past is asked.past
                assert told.past is (stored in ACTIVE and day > D("2027-01-29"))
        day += dt.timedelta(days=1)


def test_every_state_kind_target_and_status_has_words_in_both_registers() -> None:
    for state in State:
        assert state.label and state.label_for(request=True)
        assert not ORDER_WORDS.search(state.label_for(request=True)), state
    for kind in Kind:
        assert kind.label and wording.notice_title(kind) and wording.copy_title(kind)
        assert not ORDER_WORDS.search(wording.kind_label(kind, request=True)), kind
        assert not ORDER_WORDS.search(wording.notice_title(kind, request=True)), kind
    for target in Target:
        assert wording.TARGET_NAMES[target] and wording.step_reached(target)
    assert not ORDER_WORDS.search(wording.step_reached(Target.COORDINATOR, request=True))
    for status in (*NotificationStatus, *SubmissionDecision, *ExtensionDecision):
        assert status.label and status.label != status.value
    for decision in ExtensionDecision:
        assert "gia hạn" not in decision.label_for(request=True)
    assert NotificationStatus("sent") is NotificationStatus.SENT and NotificationStatus.SENT == "sent"
    for field in wording.REQUEST_WORDS.__dataclass_fields__:
        assert not ORDER_WORDS.search(getattr(wording.REQUEST_WORDS, field)), field
