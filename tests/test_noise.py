"""The office's rhythm, worked by hand: a noise measure that counts what a person receives, the
weekly briefing's day, repeats that stop, and periods that close as "Không báo cáo"."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from office import SEED_DIR
from sqlmodel import Session, select

from htx_tasks.core.calendar import WorkCalendar
from htx_tasks.core.lifecycle import Kind, Outcome, Snapshot, State, advance, closes_at, last_briefing, next_briefing, outcome
from htx_tasks.core.zones import at_local
from htx_tasks.delivery.noise import measure, person_of
from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan, load_plan
from htx_tasks.plan.yamlio import ConfigError
from htx_tasks.reporting.data import Period, gather
from htx_tasks.reporting.tally import unit_tally
from htx_tasks.store.models import AuditEvent, Notification, Occurrence

D = dt.date.fromisoformat
CAL = WorkCalendar()
CONFIG_DIR = SEED_DIR


def M(day: str, hour: int = 7, minute: int = 30) -> dt.datetime:
    return at_local(D(day), hour, minute)


# --- the measure ----------------------------------------------------------------------------------


def test_noise_counts_one_message_per_person_and_dispatch(plan: Plan) -> None:
    """Worked by hand. Phòng Kinh tế is a unit and the coordinator: on 04/01 it has two item lines
    as a unit and three as coordinator plus the weekly briefing: one message of 5 lines. On 05/01
    one line as coordinator. Leadership: the briefing with two lines on 04/01, the briefing alone
    on 11/01. A ward: item 7 on 04/01 and 05/01 and 01/02, item 8 on 05/01."""
    assert person_of(plan, "coordinator") == "phong-kinh-te" == person_of(plan, "phong-kinh-te")
    rows = [
        (M("2027-01-04"), "phong-kinh-te", 1), (M("2027-01-04"), "phong-kinh-te", 2),
        (M("2027-01-04"), "coordinator", 3), (M("2027-01-04"), "coordinator", 4),
        (M("2027-01-04"), "coordinator", 1), (M("2027-01-04"), "coordinator", None),
        (M("2027-01-05"), "coordinator", 3),
        (M("2027-01-04"), "leadership", 3), (M("2027-01-04"), "leadership", 4),
        (M("2027-01-04"), "leadership", None), (M("2027-01-11"), "leadership", None),
        (M("2027-01-04"), "phuong-ba-ngoi", 7), (M("2027-01-05"), "phuong-ba-ngoi", 7),
        (M("2027-01-05"), "phuong-ba-ngoi", 8), (M("2027-02-01"), "phuong-ba-ngoi", 7),
    ]
    got = {n.person: n for n in measure(plan, rows, D("2027-01-01"), D("2027-03-31"))}
    assert set(got) == {"phong-kinh-te", "leadership", "phuong-ba-ngoi"}
    kt, boss, ward = got["phong-kinh-te"], got["leadership"], got["phuong-ba-ngoi"]
    assert (kt.messages, kt.days, kt.most_in_a_day, kt.items, kt.distinct_items) == (2, 2, 1, 6, 4)
    assert (kt.most_per_item, kt.busiest, kt.briefings) == (2, 5, 1)  # item 1 twice in one message counts once;
    assert kt.per_month == {"2027-01": 2, "2027-02": 0, "2027-03": 0}  # item 3 on both days
    assert (boss.messages, boss.days, boss.items, boss.busiest, boss.briefings) == (2, 2, 2, 2, 2)
    assert (ward.messages, ward.days, ward.items, ward.most_per_item, ward.busiest) == (3, 3, 4, 3, 2)
    assert ward.per_month == {"2027-01": 2, "2027-02": 1, "2027-03": 0}
    assert "cơ quan thường trực" in kt.name


def test_two_dispatch_times_on_one_day_are_two_messages(plan: Plan) -> None:
    rows = [(M("2027-01-04"), "phuong-ba-ngoi", 1), (M("2027-01-04", 10), "phuong-ba-ngoi", 2)]
    (ward,) = measure(plan, rows, D("2027-01-01"), D("2027-01-31"))
    assert (ward.messages, ward.days, ward.most_in_a_day) == (2, 1, 2)


# --- the weekly briefing's day ---------------------------------------------------------------------


@pytest.mark.parametrize(("at", "expected"), [
    (M("2027-01-04"), M("2027-01-04")),  # Monday 07:30 itself
    (M("2027-01-04", 7, 31), M("2027-01-11")),
    (M("2027-01-01", 9), M("2027-01-04")),  # New Year's Day, a Friday
    (M("2027-02-02", 8), M("2027-02-11")),  # Monday 08/02 is in Tết (04–10/02): the next working day
    (M("2027-02-11", 8), M("2027-02-15")),
    (M("2027-04-29", 8), M("2027-05-04")),  # Monday 03/05 replaces Saturday 01/05: Tuesday
])
def test_the_briefing_is_on_monday_at_work_start_or_the_next_working_day(plan: Plan, at, expected) -> None:
    policy = plan.source.policy
    assert next_briefing(at, policy, plan.calendar) == expected
    assert last_briefing(expected, policy, plan.calendar) == expected


def test_the_briefing_day_and_hour_are_policy(plan: Plan) -> None:
    policy = plan.source.policy.model_copy(update={"briefing_weekday": 5, "briefing_time": dt.time(14, 0)})
    assert next_briefing(M("2027-01-11"), policy, plan.calendar) == M("2027-01-15", 14, 0)
    # Friday 01/01 is New Year's Day: that week's briefing moves to Monday 04/01 at 14:00
    assert next_briefing(M("2026-12-31"), policy, plan.calendar) == M("2027-01-04", 14, 0)


# --- "Không báo cáo" -----------------------------------------------------------------------------------


def test_a_quarter_unanswered_closes_when_the_next_quarter_comes_due(plan: Plan) -> None:
    # III.8 ward report: Q1/2027 due 10/03, Q2 due Thursday 10/06
    assert plan.next_due("xa-tuyen-truyen", "2027-Q1") == D("2027-06-10")
    assert plan.next_due("xa-tuyen-truyen", "2027-Q4") == D("2028-03-10")
    policy = plan.policy_for("xa-tuyen-truyen", "phuong-ba-ngoi")
    closing = closes_at(D("2027-03-10"), plan.next_due("xa-tuyen-truyen", "2027-Q1"), policy)
    assert closing == M("2027-06-10")
    snap = Snapshot(opened_at=M("2027-01-04"), deadline=D("2027-03-10"), state=State.ESCALATED, escalation_level=2,
                    last_action_at=M("2027-05-24"), closes_at=closing)
    before = advance(snap, policy, plan.calendar, M("2027-06-09"))
    assert before.state is State.ESCALATED and before.next_action_at == M("2027-06-10")  # the cap's last repeat came
    after = advance(snap, policy, plan.calendar, M("2027-06-10"))
    assert (after.state, after.due, after.next_action_at) == (State.MISSED, [], None)
    assert State.MISSED.label == "Không báo cáo"
    # a request never fails: the organisations' report stays open
    asked = plan.policy_for("mttq-tuyen-truyen", "thanh-doan")
    assert closes_at(D("2026-12-10"), plan.next_due("mttq-tuyen-truyen", "2026-H2"), asked) is None


def test_a_missed_period_is_closed_audited_and_counted_as_missed(db_engine, plan: Plan) -> None:
    for day in ("2027-01-04", "2027-03-11", "2027-06-09", "2027-06-10"):
        run_pass(db_engine, plan, M(day))
    with Session(db_engine) as session:
        row = session.exec(select(Occurrence).where(Occurrence.duty_code == "xa-tuyen-truyen",
                                                    Occurrence.unit_code == "phuong-ba-ngoi",
                                                    Occurrence.period_key == "2027-Q1")).one()
        assert (row.state, row.closed_at, row.next_action_at) == ("missed", M("2027-06-10"), None)
        (line,) = session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == row.id,
                                                       AuditEvent.to_state == "missed")).all()
        assert "Không báo cáo" in (line.reason or "") and "10/06/2027" in (line.reason or "")
        ward = unit_tally(session, plan, D("2027-03-01"), D("2027-03-31"), M("2027-06-10"))["phuong-ba-ngoi"]
        assert ward.past_term == ward.missed == ward.due == 2 and ward.on_time_rate == 0.0  # both III.8 reports: missed
        assert outcome(State.MISSED, row.deadline, None, M("2027-06-10")) is Outcome.PENDING_OVERDUE
        # the consolidated report lists it among the work not done, saying why
        half = gather(session, plan, Period("2027-H1", D("2027-01-01"), D("2027-06-30"), "6 tháng đầu năm 2027"),
                      M("2027-06-10"))
        (line,) = [o for o in half.overdue if o.occurrence_id == row.id]
        # 11–31/3: 15 working days; April 22 less 16/4 and 30/4: 20; May 21 less 3/5: 20; 1–10/6: 8; less today
        assert line.reason == "Không báo cáo" and line.working_days_overdue == 62


def test_leadership_hears_only_at_the_briefing_and_the_coordinator_only_of_what_is_new(db_engine, plan) -> None:
    day = D("2027-01-04")
    while day <= D("2027-04-30"):
        run_pass(db_engine, plan, M(day.isoformat()))
        day += dt.timedelta(days=1)
    with Session(db_engine) as session:
        rows = session.exec(select(Notification)).all()
    leadership = [n for n in rows if n.recipient == "leadership"]
    assert leadership and {n.due_at for n in leadership} <= {
        next_briefing(n.due_at, plan.source.policy, plan.calendar) for n in leadership}
    assert {n.due_at.astimezone(dt.UTC).date().weekday() for n in leadership} <= {0, 1, 3}  # Mon (Tết: Thu; 4/5: Tue)
    assert not [n for n in rows if n.recipient in ("leadership", "coordinator") and n.kind == Kind.REPEAT.value]
    briefings = [n for n in rows if n.kind == Kind.BRIEFING.value]
    assert {n.recipient for n in briefings} == {"leadership", "coordinator"}
    # no item reaches one recipient more than 12 times
    per_item: dict[tuple, int] = {}
    for n in rows:
        if n.occurrence_id is not None:
            per_item[(n.occurrence_id, n.recipient)] = per_item.get((n.occurrence_id, n.recipient), 0) + 1
    assert max(per_item.values()) <= 12


# --- bad policy values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "bad", "words"), [
    ("  repeat_limit: 4 ", "  repeat_limit: 99 ", "repeat_limit"),
    ("  repeat_after_working_days: [2, 5, 10]", "  repeat_after_working_days: [10, 5]", "tăng dần"),
    ("  briefing_weekday: 1 ", "  briefing_weekday: 8 ", "briefing_weekday"),
])
def test_a_bad_policy_value_is_named_by_file_and_field(tmp_path: Path, line: str, bad: str, words: str) -> None:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    text = (folder / "plan.yaml").read_text(encoding="utf-8")
    assert text.count(line) == 1
    (folder / "plan.yaml").write_text(text.replace(line, bad), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_plan(folder)
    message = str(caught.value)
    assert "plan.yaml" in message and words in message


# --- the year the coordinator must be able to live with ------------------------------------------------


def test_2027_with_nobody_answering_stays_within_the_noise_budget(run_cli, plan: Plan) -> None:
    import json

    result = run_cli("simulate", "--from", "2027-01-01", "--to", "2027-12-31", "--json")
    assert result.exit_code == 0, result.stderr
    noise = {n["person"]: n for n in json.loads(result.stdout)["noise"]}
    working_days = plan.calendar.working_days_between(D("2026-12-31"), D("2027-12-31"))
    assert working_days == 249
    assert noise["leadership"]["days"] <= 53 and noise["leadership"]["briefings"] >= 50
    coordinator = noise["phong-kinh-te"]  # the coordinator and the unit: one person, one message a day
    assert coordinator["most_in_a_day"] == 1 and coordinator["messages"] <= working_days
    assert max(n["most_per_item"] for n in noise.values()) <= 12
    wards = [noise[w] for w in plan.members("ubnd-xa-phuong")]
    assert len(wards) == 15 and max(w["days"] for w in wards) <= 45
    assert all(n["most_in_a_day"] == 1 for n in noise.values())
    table = run_cli("simulate", "--from", "2027-03-01", "--to", "2027-03-31", "--noise", env={"COLUMNS": "250"})
    assert "Số thư mỗi người nhận, 01/03/2027 – 31/03/2027 (23 ngày làm việc" in table.stdout, table.stdout


def test_a_units_standing_counts_its_missed_periods(db_engine, plan: Plan) -> None:
    from htx_tasks import followup

    for day in ("2027-01-04", "2027-03-11", "2027-06-10"):
        run_pass(db_engine, plan, M(day))
    with Session(db_engine) as session:
        standing = followup.standing(session, plan, "phuong-ba-ngoi", M("2027-06-11"))
    assert standing.counts.missed == 2  # III.8.1 and III.8.2 of quý I/2027
    assert "2 đã đóng trong 30 ngày qua, trong đó 2 không báo cáo" in standing.message()
    assert {r["Trạng thái"] for r in standing.table() if r["Kỳ"] == "quý I/2027"} == {"Không báo cáo"}
