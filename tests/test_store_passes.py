"""The engine's pass on both databases: what the first and later passes open, passes limited to some
units, catch-up equal to daily passes, unique notifications, a bad occurrence that does not stop the pass;
the store itself (append-only audit, aware UTC times, a database URL with a percent sign).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from office import SEED
from sqlalchemy import Engine, exc, text
from sqlmodel import Session, select
from storekit import OPEN_ON_2026_11_02, WARDS, D, L, M, audit_rows, keys, notifications, occurrences, one

from htx_tasks.engine import record_notifications, run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Notification, Occurrence

# --- passes -------------------------------------------------------------------------------------


def test_first_pass_opens_every_period_open_at_now(db_engine: Engine, plan: Plan) -> None:
    result = run_pass(db_engine, plan, M("2026-11-02"))
    rows = occurrences(db_engine)
    assert {(o.duty_code, o.unit_code, o.period_key, o.deadline) for o in rows} == OPEN_ON_2026_11_02
    assert result.opened == len(OPEN_ON_2026_11_02) == 43
    assert result.advanced == len(OPEN_ON_2026_11_02)
    # opened at the start of tracking (00:00 local on Sunday 1/11/2026), told on Monday morning
    assert {o.opened_at for o in rows} == {L("2026-11-01")}
    assert result.events == Counter({"assigned": len(OPEN_ON_2026_11_02)})
    assert {o.state for o in rows} == {"open"}
    sent = notifications(db_engine)
    assert {n.due_at for n in sent} == {M("2026-11-02")}
    # 43 assignments, and 33 copies to coordinating units: III.1.5 to the 15 wards and Phòng Quản lý
    # đô thị, III.3 and the 15 wards' III.8.2 to Phòng Kinh tế, the III.1 consolidated report to
    # Phòng Tài chính – Kế hoạch
    assert len(sent) == result.notifications == 76
    owner = {o.id: o.unit_code for o in rows}
    copies = Counter(n.recipient for n in sent if n.recipient != owner[n.occurrence_id])
    assert copies == Counter({"phong-kinh-te": 16, "phong-quan-ly-do-thi": 1, "phong-tai-chinh-ke-hoach": 1,
                              **{w: 1 for w in WARDS}})


def test_second_pass_at_the_same_now_records_nothing(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    before = (len(occurrences(db_engine)), len(notifications(db_engine)), len(audit_rows(db_engine)))
    again = run_pass(db_engine, plan, M("2026-11-02"))
    assert (again.opened, again.advanced, again.notifications) == (0, 0, 0)
    assert (len(occurrences(db_engine)), len(notifications(db_engine)), len(audit_rows(db_engine))) == before


def test_later_passes_open_periods_as_they_begin(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    result = run_pass(db_engine, plan, M("2026-12-18"))
    new = occurrences(db_engine, Occurrence.id > len(OPEN_ON_2026_11_02))
    assert {(o.duty_code, o.period_key, o.deadline) for o in new} == {
        ("vhtt-dang-tai", "once", D("2027-01-15")),  # opens 60 days before its deadline
        ("ttvhtt-tuyen-truyen", "2026-M12", D("2026-12-25")),
        # kt-tham-muu (III.1.1) applied in 2023 only: its 2027 period is not opened
    }
    assert result.opened == 2
    assert one(db_engine, "vhtt-dang-tai", "phong-van-hoa-thong-tin").opened_at == L("2026-11-16")


def test_a_pass_limited_to_some_units_leaves_the_others_for_later(db_engine: Engine, plan: Plan) -> None:
    result = run_pass(db_engine, plan, M("2026-11-02"), units={"phuong-ba-ngoi"})
    assert {(o.duty_code, o.unit_code) for o in occurrences(db_engine)} == {
        ("xa-tuyen-truyen", "phuong-ba-ngoi"), ("xa-theo-doi-htx", "phuong-ba-ngoi")
    }
    assert result.notifications == 3  # two assignments and the copy of III.8.2 to Phòng Kinh tế
    rest = run_pass(db_engine, plan, M("2026-11-02"))
    assert rest.opened == len(OPEN_ON_2026_11_02) - 2
    assert len(occurrences(db_engine)) == len(OPEN_ON_2026_11_02)


def test_catch_up_records_the_same_events_as_daily_passes(db_engine: Engine, another_db_engine,
                                                          plan: Plan) -> None:
    late = another_db_engine()
    start = [run_pass(engine, plan, M("2026-11-02")).events for engine in (db_engine, late)]
    days = [M("2026-11-20"), M("2026-11-26"), M("2026-11-30")]
    per_pass = [run_pass(db_engine, plan, now).events for now in days]
    # III.6 for November (due Wednesday 25/11): reminders 18/11 and 20/11 (22/11 is a Sunday),
    # 24/11 and 25/11, overdue notice on 26/11, coordinator after two whole working days on 30/11
    # (and III.5, which opens on 16/11, sixty days before its deadline)
    assert per_pass == [Counter(assigned=1, reminder=2), Counter(reminder=2, overdue=1), Counter(escalation=1)]
    # item notices only: a weekly briefing a daily runner records on Monday the late one never saw
    daily = notifications(db_engine, Notification.occurrence_id.is_not(None))
    monthly = one(db_engine, "ttvhtt-tuyen-truyen", "trung-tam-vhtt-tt")
    mine = [n for n in daily if n.occurrence_id == monthly.id]
    assert [(n.kind, n.recipient) for n in mine] == [
        ("assigned", "trung-tam-vhtt-tt"), *[("reminder", "trung-tam-vhtt-tt")] * 4,
        ("overdue", "trung-tam-vhtt-tt"), ("escalation", "trung-tam-vhtt-tt"), ("escalation", "coordinator"),
    ]
    assert [n.due_at for n in mine] == sorted(n.due_at for n in mine)
    assert monthly.state == "escalated"

    catch_up = run_pass(late, plan, days[-1])  # the runner was down from 3/11 to 29/11
    assert start[0] == start[1]
    assert catch_up.events == sum(per_pass, Counter())
    caught = notifications(late, Notification.occurrence_id.is_not(None))
    assert keys(caught, late) == keys(daily, db_engine)
    assert len(caught) == len(daily)
    # only the newest event per occurrence and recipient goes out; older ones stay on record
    late_monthly = one(late, "ttvhtt-tuyen-truyen", "trung-tam-vhtt-tt")
    assert [(n.kind, n.recipient, n.status) for n in caught if n.occurrence_id == late_monthly.id] == [
        ("assigned", "trung-tam-vhtt-tt", "pending"), *[("reminder", "trung-tam-vhtt-tt", "superseded")] * 4,
        ("overdue", "trung-tam-vhtt-tt", "superseded"), ("escalation", "trung-tam-vhtt-tt", "pending"),
        ("escalation", "coordinator", "pending"),
    ]
    assert (late_monthly.state, late_monthly.escalation_level) == (monthly.state, monthly.escalation_level)
    assert late_monthly.next_action_at == monthly.next_action_at == M("2026-12-03")


def test_notifications_are_unique_per_event_and_recipient(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    first = notifications(db_engine)[0]
    row = dict(occurrence_id=first.occurrence_id, kind=first.kind, level=first.level, detail=first.detail,
               due_at=first.due_at, recipient=first.recipient, created_at=M("2026-11-03"), status="pending",
               attempts=0, next_attempt_at=first.due_at)
    with session_scope(db_engine) as session:
        assert record_notifications(session, [dict(row)]) == 0
    assert len(notifications(db_engine)) == 76
    with pytest.raises(exc.IntegrityError):
        with session_scope(db_engine) as session:
            session.add(Notification(**row))


def test_one_bad_occurrence_does_not_stop_the_pass(db_engine: Engine, plan: Plan) -> None:
    with session_scope(db_engine) as session:
        session.add(Occurrence(plan_code=plan.meta.code, duty_code="nhiem-vu-da-bo", unit_code="phong-kinh-te",
                               period_key="2026",
                               period_label="năm 2026", deadline=D("2026-12-01"), original_deadline=D("2026-12-01"),
                               opened_at=L("2026-11-01"), state="open", next_action_at=L("2026-11-01")))
    result = run_pass(db_engine, plan, M("2026-11-02"))
    (bad,) = occurrences(db_engine, Occurrence.duty_code == "nhiem-vu-da-bo")
    assert [id_ for id_, _ in result.failed] == [bad.id]
    assert bad.next_action_at is None  # put aside, not retried every pass
    assert result.advanced == len(OPEN_ON_2026_11_02) + 1
    assert result.notifications == 76  # everything else was followed up


# --- storage ------------------------------------------------------------------------------------


def test_audit_trail_is_append_only(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    count = len(audit_rows(db_engine))
    assert count == len(OPEN_ON_2026_11_02)  # one "open" per occurrence
    for statement in ("UPDATE audit_event SET reason = 'sửa' WHERE id = 1", "DELETE FROM audit_event WHERE id = 1"):
        with pytest.raises(exc.DBAPIError, match="append-only"):
            with db_engine.begin() as conn:
                conn.execute(text(statement))
    assert len(audit_rows(db_engine)) == count
    assert audit_rows(db_engine)[0].reason != "sửa"


def test_times_round_trip_as_aware_utc(db_engine: Engine) -> None:
    local_morning = dt.datetime(2027, 1, 4, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    with session_scope(db_engine) as session:
        session.add(Occurrence(plan_code=SEED, duty_code="kt-tham-muu", unit_code="phong-kinh-te", period_key="2027",
                               period_label="năm 2027", deadline=D("2027-02-01"), original_deadline=D("2027-02-01"),
                               opened_at=local_morning, state="open", next_action_at=L("2027-02-02")))
    (row,) = occurrences(db_engine)
    assert row.opened_at == dt.datetime(2027, 1, 4, 0, 30, tzinfo=dt.UTC)
    assert row.opened_at.utcoffset() == dt.timedelta(0)
    assert row.next_action_at == dt.datetime(2027, 2, 1, 17, 0, tzinfo=dt.UTC)
    with db_engine.connect() as conn:
        stored = conn.execute(text("SELECT opened_at FROM occurrence")).scalar()
    stored = stored if isinstance(stored, dt.datetime) else dt.datetime.fromisoformat(stored)
    assert stored == dt.datetime(2027, 1, 4, 0, 30)  # naive UTC on disk, same on both databases
    # the indexed next-action query compares instants correctly across offsets
    with Session(db_engine) as session:
        due = session.exec(select(Occurrence).where(Occurrence.next_action_at <= L("2027-02-02"))).all()
        not_due = session.exec(select(Occurrence).where(Occurrence.next_action_at < L("2027-02-02"))).all()
    assert (len(due), len(not_due)) == (1, 0)
    with pytest.raises(exc.StatementError, match="naive"):
        with session_scope(db_engine) as session:
            session.add(Occurrence(plan_code=SEED, duty_code="kt-tham-muu", unit_code="phong-kinh-te", period_key="2028",
                                   period_label="năm 2028", deadline=D("2028-01-31"),
                                   original_deadline=D("2028-01-31"), opened_at=dt.datetime(2027, 12, 17),
                                   state="open"))


def test_a_database_url_with_a_percent_sign_can_be_upgraded(tmp_path: Path) -> None:
    from htx_tasks.store.db import current_revision, make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / '100%' / 'htx.db'}")
    upgrade(engine)
    assert current_revision(engine) is not None
