"""The life of one obligation, as pure functions of (occurrence, policy, calendar, now)."""

from __future__ import annotations

import datetime as dt
from itertools import islice

import pytest

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.lifecycle import (
    Event,
    Kind,
    Outcome,
    Snapshot,
    State,
    advance,
    closing_state,
    days_left,
    deadline_at,
    due_soon_at,
    events,
    outcome,
    working_days_overdue,
)
from htx_tasks.core.policy import Policy, Target
from htx_tasks.core.zones import at_local
from htx_tasks.core.zones import local as clock_local

D = dt.date.fromisoformat
CAL = WorkCalendar()
ASSIGNED, REMINDER, OVERDUE, ESCALATION, REPEAT = (Kind.ASSIGNED, Kind.REMINDER, Kind.OVERDUE, Kind.ESCALATION,
                                               Kind.REPEAT)
UNIT, COORDINATOR, LEADERSHIP = Target.UNIT, Target.COORDINATOR, Target.LEADERSHIP


def L(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A local (Asia/Ho_Chi_Minh) time as an aware UTC instant."""
    return at_local(D(day), hour, minute)


def M(day: str) -> dt.datetime:
    """07:30 local, when follow-up messages go out."""
    return L(day, 7, 30)


@pytest.fixture(scope="module")
def default_policy(plan) -> Policy:
    # qldt-theo-doi-htx / phong-quan-ly-do-thi has no overrides: it follows the plan's default policy
    policy = plan.policy_for("qldt-theo-doi-htx", "phong-quan-ly-do-thi")
    assert policy == plan.source.policy
    return policy


def first(snapshot: Snapshot, policy: Policy, n: int) -> list[tuple]:
    return [(e.at, e.kind, e.level, e.target, e.detail) for e in islice(events(snapshot, policy, CAL), n)]


# Q1/2027 report due 20/3 (Saturday), moved to Monday 22/3.
Q1 = Snapshot(opened_at=L("2027-01-01"), deadline=D("2027-03-22"), state=State.OPEN)

Q1_EVENTS = [
    (M("2027-01-04"), ASSIGNED, -1, UNIT, 0),  # opened on New Year's Day: told on Monday morning
    (M("2027-03-15"), REMINDER, -1, UNIT, 7),
    (M("2027-03-19"), REMINDER, -1, UNIT, 3),
    # 1 day before is Sunday 21/3 → Friday 19/3, already reminded that morning: not repeated
    (M("2027-03-22"), REMINDER, -1, UNIT, 0),
    (M("2027-03-23"), OVERDUE, 0, UNIT, 0),  # next working day after the deadline
    (M("2027-03-25"), ESCALATION, 1, COORDINATOR, 0),  # after 2 full working days overdue
    (M("2027-03-30"), ESCALATION, 2, LEADERSHIP, 0),  # after 5 full working days overdue
    # the unit alone is told again: the backoff's 10th working day (2 and 5 are the escalation days,
    # which tell the unit too), then monthly, 4 repeats in all
    (M("2027-04-06"), REPEAT, 2, UNIT, 1),  # 11th working day after 22/3: 10 whole days overdue
    (M("2027-05-06"), REPEAT, 2, UNIT, 2),  # 30 days later
    (M("2027-06-07"), REPEAT, 2, UNIT, 3),  # 5/6 is a Saturday
    (M("2027-07-05"), REPEAT, 2, UNIT, 4),
]


def test_events_of_a_quarterly_report_in_order(default_policy: Policy) -> None:
    assert first(Q1, default_policy, len(Q1_EVENTS) + 5) == Q1_EVENTS  # then nothing more: the cap


def test_events_across_tet_fall_on_working_days(default_policy: Policy) -> None:
    snapshot = Snapshot(opened_at=L("2027-01-01"), deadline=D("2027-02-03"), state=State.OPEN)
    assert first(snapshot, default_policy, 8) == [
        (M("2027-01-04"), ASSIGNED, -1, UNIT, 0),  # opened on New Year's Day: told on Monday morning
        (M("2027-01-27"), REMINDER, -1, UNIT, 7),
        (M("2027-01-29"), REMINDER, -1, UNIT, 3),  # 31/1 is a Sunday → Friday
        (M("2027-02-02"), REMINDER, -1, UNIT, 1),
        (M("2027-02-03"), REMINDER, -1, UNIT, 0),
        (M("2027-02-11"), OVERDUE, 0, UNIT, 0),  # Tết 4–10/2 off
        (M("2027-02-15"), ESCALATION, 1, COORDINATOR, 0),
        (M("2027-02-18"), ESCALATION, 2, LEADERSHIP, 0),
    ]


def test_backoff_repeats_skip_days_off(default_policy: Policy) -> None:
    # due Thursday 1/4/2027: leadership's step on Friday 9/4; the 10th working day skips Hùng Kings' day
    snapshot = Snapshot(opened_at=L("2027-03-01"), deadline=D("2027-04-01"), state=State.OPEN)
    got = first(snapshot, default_policy, 20)
    assert got[5:] == [
        (M("2027-04-02"), OVERDUE, 0, UNIT, 0),
        (M("2027-04-06"), ESCALATION, 1, COORDINATOR, 0),
        (M("2027-04-09"), ESCALATION, 2, LEADERSHIP, 0),
        (M("2027-04-19"), REPEAT, 2, UNIT, 1),  # 16/4 Giỗ Tổ Hùng Vương is not counted
        (M("2027-05-19"), REPEAT, 2, UNIT, 2),
        (M("2027-06-18"), REPEAT, 2, UNIT, 3),
        (M("2027-07-19"), REPEAT, 2, UNIT, 4),  # 18/7 is a Sunday
    ]


def test_every_follow_up_is_at_0730_on_a_working_day(default_policy: Policy) -> None:
    # the assignment too: periods open at midnight, some on a holiday (1/1, 2/9) or a Sunday
    for opened in ("2026-07-01", "2027-01-01", "2026-09-02", "2026-11-01"):
        for deadline in ("2027-02-03", "2027-03-22", "2027-04-30", "2027-05-04", "2026-08-31", "2026-12-31"):
            snapshot = Snapshot(opened_at=L(opened), deadline=CAL.deadline(D(deadline)), state=State.OPEN)
            for event in islice(events(snapshot, default_policy, CAL), 0, 40):
                local = clock_local(event.at)
                assert (local.hour, local.minute) == (7, 30)
                assert CAL.is_working_day(local.date()), event


def test_reminders_before_the_opening_are_not_sent(default_policy: Policy) -> None:
    # opened on the morning of the day before the deadline, after the 07:30 reminder time
    snapshot = Snapshot(opened_at=L("2027-03-19", 9), deadline=D("2027-03-22"), state=State.OPEN)
    got = first(snapshot, default_policy, 3)
    assert got == [
        (L("2027-03-19", 9), ASSIGNED, -1, UNIT, 0),
        (M("2027-03-22"), REMINDER, -1, UNIT, 0),
        (M("2027-03-23"), OVERDUE, 0, UNIT, 0),
    ]


def test_request_assignment_never_reaches_leadership_and_recalls_at_most_monthly(plan) -> None:
    policy = plan.policy_for("mttq-tuyen-truyen", "hoi-nong-dan-thanh-pho")
    assert [s.to for s in policy.escalation] == [UNIT, COORDINATOR]
    assert policy.repeat_every_days == 30  # request_repeat_every_days, not the weekly default
    snapshot = Snapshot(opened_at=L("2027-01-01"), deadline=D("2027-06-10"), state=State.OPEN)
    got = list(islice(events(snapshot, policy, CAL), 12))
    assert len(got) == 8  # no backoff for a request, 4 recalls at most
    assert all(e.target is not LEADERSHIP for e in got)
    assert max(e.level for e in got) == 1
    assert [(e.at, e.kind, e.level, e.target) for e in got[:6]] == [
        (M("2027-01-04"), ASSIGNED, -1, UNIT),
        (M("2027-06-03"), REMINDER, -1, UNIT),  # one gentle reminder, a week before the date
        (M("2027-06-11"), OVERDUE, 0, UNIT),
        (M("2027-06-15"), ESCALATION, 1, COORDINATOR),  # the coordinator's note for liaison
        (M("2027-07-15"), REPEAT, 1, UNIT),  # then at most monthly, to the organisation alone
        (M("2027-08-16"), REPEAT, 1, UNIT),  # 14/8 is a Saturday
    ]
    for n, repeat in enumerate(got[4:], start=1):  # the n-th recall: 30·n days after the note, moved to a working day
        assert 0 <= (clock_local(repeat.at).date() - D("2027-06-15") - dt.timedelta(days=30 * n)).days <= 3
    # a directly assigned unit does reach leadership under the same default policy
    direct = plan.policy_for("xa-tuyen-truyen", "phuong-ba-ngoi")
    assert direct.escalation[-1].to is LEADERSHIP


def test_nobody_is_escalated_to_itself(plan) -> None:
    """Phòng Kinh tế is the coordinator: its own overdue work skips the coordinator step, and the
    leadership step keeps its own threshold (5 working days), it is not pulled forward."""
    own = plan.policy_for("kt-thanh-lap-htx", "phong-kinh-te")
    assert [(s.after_working_days, s.to) for s in own.escalation] == [(0, UNIT), (5, LEADERSHIP)]
    assert plan.skipped_steps("kt-thanh-lap-htx", "phong-kinh-te") == [COORDINATOR]
    assert plan.skipped_steps("qldt-theo-doi-htx", "phong-quan-ly-do-thi") == []
    got = first(Q1, own, 7)
    assert [(at, kind, level, target) for at, kind, level, target, _ in got[4:]] == [
        (M("2027-03-23"), OVERDUE, 0, UNIT),
        (M("2027-03-25"), REPEAT, 0, UNIT),  # the backoff's 2nd working day: no step tells the unit then
        (M("2027-03-30"), ESCALATION, 1, LEADERSHIP),  # same day as for any other unit
    ]


def test_case_duty_policy_overrides_the_default(plan) -> None:
    policy = plan.policy_for("tckh-thu-tuc", "phong-tai-chinh-ke-hoach")
    assert policy.reminder_days == [1, 0]
    assert policy.due_soon_working_days == 1
    assert [(s.after_working_days, s.to) for s in policy.escalation] == [
        (0, UNIT), (1, COORDINATOR), (3, LEADERSHIP)
    ]
    assert (policy.repeat_after_working_days, policy.repeat_every_days) == ([1, 3, 5], 7)
    assert policy.work_start == dt.time(7, 30)  # inherited from the default
    snapshot = Snapshot(opened_at=L("2027-03-18", 9), deadline=D("2027-03-23"), state=State.OPEN)
    assert first(snapshot, policy, 9) == [
        (L("2027-03-18", 9), ASSIGNED, -1, UNIT, 0),
        (M("2027-03-22"), REMINDER, -1, UNIT, 1),
        (M("2027-03-23"), REMINDER, -1, UNIT, 0),
        (M("2027-03-24"), OVERDUE, 0, UNIT, 0),
        (M("2027-03-25"), ESCALATION, 1, COORDINATOR, 0),
        (M("2027-03-29"), ESCALATION, 2, LEADERSHIP, 0),
        (M("2027-03-31"), REPEAT, 2, UNIT, 1),  # 5 working days (1 and 3 are the escalation days)
        (M("2027-04-07"), REPEAT, 2, UNIT, 2),  # then weekly
        (M("2027-04-14"), REPEAT, 2, UNIT, 3),
    ]


def test_a_policy_without_repeats_stops_after_the_last_escalation() -> None:
    policy = Policy(
        reminder_days=[2],
        due_soon_working_days=1,
        escalation=[{"after_working_days": 0, "to": "unit"}, {"after_working_days": 1, "to": "coordinator"}],
        work_start=dt.time(8, 0),
    )
    got = first(Q1, policy, 10)
    assert got == [
        (L("2027-01-04", 8), ASSIGNED, -1, UNIT, 0),  # 1/1 holiday, 2–3/1 weekend: Monday at 08:00
        (L("2027-03-19", 8), REMINDER, -1, UNIT, 2),  # 20/3 Saturday → Friday, at the policy's hour
        (L("2027-03-23", 8), OVERDUE, 0, UNIT, 0),
        (L("2027-03-24", 8), ESCALATION, 1, COORDINATOR, 0),
    ]


def test_due_soon_and_deadline_instants(default_policy: Policy) -> None:
    assert due_soon_at(Q1.deadline, default_policy, CAL) == L("2027-03-17")  # 3 working days before
    assert deadline_at(D("2027-03-22")) == L("2027-03-23")  # 24:00 local (art. 148(4))
    assert deadline_at(D("2027-03-22")) == dt.datetime(2027, 3, 22, 17, 0, tzinfo=dt.UTC)


def _snap(state: State = State.OPEN, level: int = -1, last: dt.datetime | None = None) -> Snapshot:
    return Snapshot(opened_at=Q1.opened_at, deadline=Q1.deadline, state=state, escalation_level=level,
                    last_action_at=last)


@pytest.mark.parametrize(
    ("snapshot", "now", "due", "state", "level", "next_at"),
    [
        pytest.param(_snap(), M("2027-01-04"), [ASSIGNED], State.OPEN, -1, M("2027-03-15"), id="assigned"),
        pytest.param(_snap(last=M("2027-01-04")), L("2027-03-14", 23), [], State.OPEN, -1, M("2027-03-15"),
                     id="nothing-yet"),
        pytest.param(_snap(last=M("2027-01-04")), M("2027-03-15"), [REMINDER], State.OPEN, -1, L("2027-03-17"),
                     id="reminder-7-then-due-soon-transition"),
        pytest.param(_snap(last=M("2027-03-15")), L("2027-03-17"), [], State.DUE_SOON, -1, M("2027-03-19"),
                     id="due-soon-silently"),
        pytest.param(_snap(State.DUE_SOON, last=M("2027-03-19")), M("2027-03-22"), [REMINDER], State.DUE_SOON,
                     -1, L("2027-03-23"), id="deadline-morning"),
        pytest.param(_snap(State.DUE_SOON, last=M("2027-03-22")), L("2027-03-23"), [], State.OVERDUE, -1,
                     M("2027-03-23"), id="overdue-at-midnight"),
        pytest.param(_snap(State.OVERDUE, last=M("2027-03-22")), M("2027-03-23"), [OVERDUE], State.OVERDUE, 0,
                     M("2027-03-25"), id="overdue-notice"),
        pytest.param(_snap(State.OVERDUE, 0, M("2027-03-23")), L("2027-03-24", 12), [], State.OVERDUE, 0,
                     M("2027-03-25"), id="waiting-for-coordinator"),
        pytest.param(_snap(State.OVERDUE, 0, M("2027-03-23")), M("2027-03-25"), [ESCALATION], State.ESCALATED,
                     1, M("2027-03-30"), id="coordinator"),
        pytest.param(_snap(State.ESCALATED, 1, M("2027-03-25")), M("2027-03-30"), [ESCALATION],
                     State.ESCALATED, 2, M("2027-04-06"), id="leadership"),
        pytest.param(_snap(State.ESCALATED, 2, M("2027-03-30")), M("2027-04-06"), [REPEAT], State.ESCALATED,
                     2, M("2027-05-06"), id="backoff-then-monthly"),
        pytest.param(_snap(State.ESCALATED, 2, M("2027-07-05")), M("2027-08-05"), [], State.ESCALATED,
                     2, None, id="capped: nothing more"),
        pytest.param(_snap(), L("2027-03-30", 8),
                     [ASSIGNED, REMINDER, REMINDER, REMINDER, OVERDUE, ESCALATION, ESCALATION],
                     State.ESCALATED, 2, M("2027-04-06"), id="catch-up-after-missed-passes"),
        pytest.param(_snap(State.RETURNED, last=L("2027-03-16")), L("2027-03-18"), [], State.RETURNED, -1,
                     M("2027-03-19"), id="returned-stays-returned-before-deadline"),
        pytest.param(_snap(State.RETURNED, last=L("2027-03-22", 20)), L("2027-03-23", 1), [], State.OVERDUE,
                     -1, M("2027-03-23"), id="returned-becomes-overdue"),
    ],
)
def test_advance_returns_due_events_state_and_next_action(default_policy, snapshot, now, due, state, level,
                                                          next_at) -> None:
    step = advance(snapshot, default_policy, CAL, now)
    assert [e.kind for e in step.due] == due
    assert all((snapshot.last_action_at or dt.datetime.min.replace(tzinfo=dt.UTC)) < e.at <= now for e in step.due)
    assert step.state is state
    assert step.escalation_level == level
    assert step.next_action_at == next_at
    assert step.last_action_at == (step.due[-1].at if step.due else snapshot.last_action_at)


@pytest.mark.parametrize(
    "state", [State.SUBMITTED, State.DONE_ON_TIME, State.DONE_LATE, State.WAIVED, State.SUCCEEDED, State.MISSED]
)
def test_advance_leaves_inactive_occurrences_alone(default_policy, state: State) -> None:
    snapshot = _snap(state, 2, M("2027-03-30"))
    step = advance(snapshot, default_policy, CAL, M("2027-06-01"))
    assert step.due == []
    assert step.state is state
    assert step.next_action_at is None


def test_passes_at_every_hour_yield_each_event_once_in_order(default_policy) -> None:
    """Feeding each step back in gives exactly the catch-up list, with no event twice."""
    snapshot, seen = _snap(), []
    now = L("2027-01-01")
    while now <= L("2027-05-05"):
        step = advance(snapshot, default_policy, CAL, now)
        seen.extend(step.due)
        snapshot = Snapshot(opened_at=snapshot.opened_at, deadline=snapshot.deadline, state=step.state,
                            escalation_level=step.escalation_level, last_action_at=step.last_action_at)
        now += dt.timedelta(hours=5)
    expected: list[Event] = [e for e in islice(events(Q1, default_policy, CAL), 30) if e.at <= L("2027-05-05")]
    assert seen == expected
    assert snapshot.state is State.ESCALATED


def test_next_action_at_is_never_in_the_past(default_policy) -> None:
    snapshot = _snap()
    now = L("2027-01-01")
    while now <= L("2027-07-01"):
        step = advance(snapshot, default_policy, CAL, now)
        assert step.next_action_at is not None and step.next_action_at > now
        snapshot = Snapshot(opened_at=snapshot.opened_at, deadline=snapshot.deadline, state=step.state,
                            escalation_level=step.escalation_level, last_action_at=step.last_action_at)
        now = step.next_action_at  # a pass runs exactly when the occurrence asked for one


@pytest.mark.parametrize(
    ("state", "submitted_at", "now", "expected"),
    [
        (State.DONE_ON_TIME, L("2027-03-20"), L("2027-06-01"), Outcome.DONE_ON_TIME),
        (State.DONE_LATE, L("2027-03-25"), L("2027-06-01"), Outcome.DONE_LATE),
        (State.SUBMITTED, L("2027-03-22", 23, 59), L("2027-04-01"), Outcome.DONE_ON_TIME),
        (State.SUBMITTED, L("2027-03-23", 0, 1), L("2027-04-01"), Outcome.DONE_LATE),
        (State.OPEN, None, L("2027-03-22", 23, 59), Outcome.PENDING_IN_TIME),
        (State.DUE_SOON, None, L("2027-03-20"), Outcome.PENDING_IN_TIME),
        (State.RETURNED, None, L("2027-03-21"), Outcome.PENDING_IN_TIME),
        (State.OVERDUE, None, L("2027-03-23"), Outcome.PENDING_OVERDUE),
        (State.ESCALATED, None, L("2027-04-01"), Outcome.PENDING_OVERDUE),
        (State.WAIVED, None, L("2027-04-01"), None),
        (State.SUCCEEDED, None, L("2027-04-01"), None),
        (State.MISSED, None, L("2027-07-01"), Outcome.PENDING_OVERDUE),  # "Không báo cáo" counts as missed
    ],
)
def test_outcome_puts_each_occurrence_in_one_of_four_classes(state, submitted_at, now, expected) -> None:
    assert outcome(state, D("2027-03-22"), submitted_at, now) is expected


@pytest.mark.parametrize(
    ("submitted_at", "state"),
    [
        (L("2027-03-01"), State.DONE_ON_TIME),
        (L("2027-03-22", 23, 59), State.DONE_ON_TIME),
        (L("2027-03-23", 0, 1), State.DONE_LATE),
        (M("2027-04-01"), State.DONE_LATE),
    ],
)
def test_closing_state_depends_on_when_the_work_was_submitted(submitted_at, state) -> None:
    assert closing_state(submitted_at, D("2027-03-22")) is state


@pytest.mark.parametrize(
    ("deadline", "now", "days"),
    [
        ("2027-03-22", L("2027-03-22", 20), 0),  # not yet past
        ("2027-03-22", M("2027-03-23"), 0),  # first working day after: none elapsed yet
        ("2027-03-22", M("2027-03-24"), 1),
        ("2027-03-22", M("2027-03-25"), 2),  # the coordinator's day
        ("2027-03-22", M("2027-03-26"), 3),
        ("2027-03-22", L("2027-03-27", 10), 4),  # Saturday: Tue–Fri have all elapsed
        ("2027-03-22", M("2027-03-29"), 4),
        ("2027-03-22", M("2027-03-30"), 5),  # the leadership's day
        ("2027-02-03", L("2027-02-08", 10), 0),  # during Tết no working day has passed
        ("2027-02-03", M("2027-02-11"), 0),
        ("2027-02-03", M("2027-02-12"), 1),
        ("2027-03-19", L("2027-03-20", 10), 0),  # Friday deadline, Saturday
        ("2027-03-19", M("2027-03-22"), 0),
    ],
)
def test_working_days_overdue_counts_whole_working_days_elapsed(deadline, now, days) -> None:
    assert working_days_overdue(D(deadline), now, CAL) == days


@pytest.mark.parametrize(
    ("now", "days"),
    [(L("2027-03-22", 23, 59), 0), (L("2027-03-21", 23, 59), 1), (L("2027-03-23"), -1), (L("2027-03-01"), 21)],
)
def test_days_left_counts_local_calendar_days(now, days) -> None:
    assert days_left(D("2027-03-22"), now) == days


def test_state_labels_are_vietnamese() -> None:
    assert State.ESCALATED.label == "Quá hạn, đã báo cấp trên"
    assert State.DONE_ON_TIME.label == "Hoàn thành đúng hạn"
    assert {s for s in State if s.active} == {State.OPEN, State.DUE_SOON, State.OVERDUE, State.ESCALATED,
                                               State.RETURNED}
