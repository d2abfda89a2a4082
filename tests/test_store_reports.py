"""The outcome report and the status rows read from the store: four classes per unit, open work soonest
first, the state the clock has reached since the last pass.
"""

from __future__ import annotations

from actions import review, submit, waive
from sqlalchemy import Engine
from sqlmodel import Session
from storekit import OPEN_ON_2026_11_02, WARDS, D, L, M, occurrences

from htx_tasks.engine import run_pass
from htx_tasks.plan.loader import Plan
from htx_tasks.reporting.tally import unit_tally
from htx_tasks.reports import status_rows
from htx_tasks.services import Decision
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Occurrence

# --- reports ------------------------------------------------------------------------------------


def test_the_unit_tally_counts_the_four_classes_per_unit(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))

    ids = {o.unit_code: o.id for o in occurrences(db_engine, Occurrence.duty_code == "xa-tuyen-truyen")}
    act = ids.__getitem__
    with session_scope(db_engine) as session:
        submit(session, plan, act("phuong-ba-ngoi"), unit="phuong-ba-ngoi", note="BC", evidence=None,
               now=L("2026-12-01", 9))
        review(session, plan, act("phuong-ba-ngoi"), decision=Decision.ACCEPT, note="Đạt", now=L("2026-12-02", 9))
        submit(session, plan, act("phuong-cam-linh"), unit="phuong-cam-linh", note="BC", evidence=None,
               now=L("2026-12-11", 9))
        review(session, plan, act("phuong-cam-linh"), decision=Decision.ACCEPT, note="Đạt", now=L("2026-12-11", 10))
        waive(session, plan, act("phuong-cam-loc"), note="Sáp nhập", now=L("2026-12-01", 9))
        submit(session, plan, act("phuong-cam-loi"), unit="phuong-cam-loi", note="BC", evidence=None,
               now=L("2026-12-09", 9))  # not reviewed yet: counts by its submission time
    with Session(db_engine) as session:
        report = unit_tally(session, plan, D("2026-12-01"), D("2026-12-31"), L("2026-12-11", 12))

    def counts(unit: str) -> tuple:
        r = report[unit]
        return (r.assigned, r.due, r.on_time, r.late, r.pending_in_time, r.past_term, r.on_time_rate)

    assert counts("phuong-ba-ngoi") == (2, 2, 1, 0, 0, 1, 50.0)
    assert counts("phuong-cam-linh") == (2, 2, 0, 1, 0, 1, 0.0)
    assert counts("phuong-cam-loc") == (1, 1, 0, 0, 0, 1, 0.0)  # the waived one does not count
    assert counts("phuong-cam-loi") == (2, 2, 1, 0, 0, 1, 50.0)
    assert counts("phuong-cam-phu") == (2, 2, 0, 0, 0, 2, 0.0)
    # Phòng Kinh tế: four reports due later in December, none yet due (III.1.3 and III.1.4 have ended)
    assert counts("phong-kinh-te") == (4, 0, 0, 0, 4, 0, None)
    assert "ubnd-xa-phuong" not in report  # a group is reported through its members
    assert set(report) == {u.code for u in plan.source.units if u.members is None}
    assert report["phuong-ba-ngoi"].as_json()["on_time_rate"] == 50.0


def test_status_rows_show_open_work_soonest_first(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))
    with Session(db_engine) as session:
        rows = status_rows(session, plan, M("2026-11-30"))
        overdue = status_rows(session, plan, M("2026-11-30"), overdue_only=True)
        group = status_rows(session, plan, M("2026-11-30"), unit="ubnd-xa-phuong")
        ward = status_rows(session, plan, M("2026-11-30"), unit="phuong-ba-ngoi")
    assert len(rows) == len(OPEN_ON_2026_11_02)
    assert [r.deadline for r in rows] == sorted(r.deadline for r in rows)
    (late,) = overdue
    assert (late.duty, late.deadline, late.days_left, late.working_days_overdue) == (
        "ttvhtt-tuyen-truyen", D("2026-11-25"), -5, 2
    )
    assert late.last_reminder is None  # recorded but not sent yet: "last reminder" means sent
    assert {r.unit for r in group} == set(WARDS) and len(group) == 30
    assert {r.duty for r in ward} == {"xa-tuyen-truyen", "xa-theo-doi-htx"}
    assert ward[0].as_json()["deadline"] == "2026-12-10"


def test_status_shows_the_state_the_clock_has_reached_since_the_last_pass(db_engine: Engine, plan: Plan) -> None:
    run_pass(db_engine, plan, M("2026-11-02"))  # no pass after this: stored states stay "open"
    with Session(db_engine) as session:
        before = {r.id: r for r in status_rows(session, plan, M("2026-12-01"))}
        after = {r.id: r for r in status_rows(session, plan, M("2026-12-15"))}
    ward = next(r for r in after.values() if r.unit == "phuong-ba-ngoi" and r.duty == "xa-tuyen-truyen")
    assert before[ward.id].state == "open"
    assert (ward.state, ward.state_label) == ("overdue", "Quá hạn")  # due 10/12, not yet escalated
    assert ward.working_days_overdue > 0
