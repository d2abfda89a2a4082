"""Flow runs that go wrong or repeat: unusable parameters, a run beyond the horizon, an unreachable or
failing database (one sentence, the CLI's words, no traceback), missed days caught up, overlapping runs.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from flowkit import KT, MONDAY, PERSON, TTVH, TUESDAY, WARD, WARDS, _install, count, notification_keys
from prefect import get_client
from prefect.flow_engine import run_flow
from prefect.states import Scheduled
from sqlalchemy import Engine

from flows.board import coordinator_board
from flows.indicators import indicators
from flows.record import confirm_registry_form, record_result
from flows.report import consolidated_report
from flows.retry import retry_deliveries
from flows.units import follow_up_unit
from htx_tasks import clock
from htx_tasks.core import zones
from htx_tasks.core.zones import at_local
from htx_tasks.registry.models import RegistryUpdate
from htx_tasks.store.models import AuditEvent, Delivery, Occurrence

# --------------------------------------------------------------------------- missed and repeated runs


PAST_TRACKING = "2025-12-01"  # scheduled runs must lie in the past for Prefect to start them
START = dt.date(2025, 12, 1)
DAYS = [dt.date(2025, 12, d) for d in (19, 20, 22, 23, 24, 25, 26, 27, 29, 30, 31)]  # Mon–Sat schedule
MISSED = [dt.date(2025, 12, d) for d in (22, 23, 24)]  # the Centre's report is due Thursday 25/12/2025


def _scheduled_run(day: dt.date, unit: str):
    """Create a flow run scheduled at 07:30 local on ``day`` (no ``now``) and run it, as a runner would."""
    with get_client(sync_client=True) as client:
        flow_run = client.create_flow_run(follow_up_unit, parameters={"unit": unit},
                                          state=Scheduled(scheduled_time=at_local(day, 7, 30)))
    return run_flow(follow_up_unit, flow_run=flow_run, parameters={"unit": unit}, return_type="state")


def _far(days: int) -> str:
    return zones.local(clock.utcnow() + dt.timedelta(days=days)).strftime("%Y-%m-%dT07:30")


@pytest.mark.parametrize(("now", "message"), [
    ("hôm qua", "now: thời điểm không hợp lệ 'hôm qua' (ví dụ 2027-01-15T08:00)"),
    ("9999-12-31", "now: thời điểm '9999-12-31' nằm ngoài khoảng năm 1970–2199"),
    ("1900-01-01T07:30", "now: thời điểm '1900-01-01T07:30' nằm ngoài khoảng năm 1970–2199"),
])
def test_a_unit_run_with_an_unusable_now_fails_naming_the_parameter(installed: Engine, prefect_records, now,
                                                                     message) -> None:
    before = notification_keys(installed)
    state = follow_up_unit(unit=KT, now=now, return_state=True)
    assert (state.type.value, state.name, state.message) == ("FAILED", "Tham số không hợp lệ", message)
    assert notification_keys(installed) == before
    assert message in prefect_records.text()
    assert not [r for r in prefect_records.records if r.exc_info and r.exc_info[0]]  # no traceback


@pytest.mark.parametrize(("run", "message"), [
    (lambda: record_result(person=PERSON, occurrence=1, actor=WARD, note="x", now="hôm qua", return_state=True),
     "now: thời điểm không hợp lệ 'hôm qua' (ví dụ 2027-01-15T08:00)"),
    (lambda: confirm_registry_form(person=PERSON, unit=WARD, now="9999-12-31", return_state=True),
     "now: thời điểm '9999-12-31' nằm ngoài khoảng năm 1970–2199"),
    (lambda: consolidated_report(period="2026-Q3", now=TUESDAY, return_state=True),
     "period: kỳ báo cáo không hợp lệ '2026-Q3' (ví dụ 2026-H1, 2026-H2 hoặc 2026)"),
], ids=["record", "registry", "report"])
def test_a_form_or_report_run_with_an_unusable_parameter_fails_naming_it(installed: Engine, prefect_records, run,
                                                                         message) -> None:
    before = (count(installed, AuditEvent), count(installed, RegistryUpdate))
    state = run()
    assert (state.type.value, state.name, state.message) == ("FAILED", "Tham số không hợp lệ", message)
    assert (count(installed, AuditEvent), count(installed, RegistryUpdate)) == before
    assert message in prefect_records.text()
    assert not [r for r in prefect_records.records if r.exc_info and r.exc_info[0]]  # no traceback


def test_a_unit_run_beyond_the_horizon_is_refused_unless_forced(installed: Engine, prefect_records) -> None:
    far = _far(400)
    before = count(installed, Occurrence)
    state = follow_up_unit(unit=KT, now=far, return_state=True)
    assert (state.type.value, state.name) == ("FAILED", "Không chạy")
    assert state.message.startswith(f"now {far[8:10]}/{far[5:7]}/{far[:4]} đi trước đồng hồ")
    assert "quá giới hạn 366 ngày (HTX_HORIZON_DAYS); nếu thật sự muốn chạy bù đến thời điểm đó, dùng force" in state.message
    assert count(installed, Occurrence) == before
    assert not [r for r in prefect_records.records if r.exc_info and r.exc_info[0]]
    forced = follow_up_unit(unit=KT, now=far, force=True, return_state=True)
    assert forced.type.value in ("COMPLETED", "FAILED") and forced.name != "Không chạy"
    assert count(installed, Occurrence) > before


@pytest.mark.parametrize("run", [
    lambda: follow_up_unit(unit=KT, now=TUESDAY, return_state=True),
    lambda: coordinator_board(now=TUESDAY, return_state=True),
    lambda: retry_deliveries(now=TUESDAY, return_state=True),
    lambda: indicators(now=TUESDAY, return_state=True),
    lambda: consolidated_report(period="2026-H2", now=TUESDAY, return_state=True),
    lambda: record_result(person=PERSON, occurrence=1, actor=WARD, note="x", now=TUESDAY, return_state=True),
    lambda: confirm_registry_form(person=PERSON, unit=WARD, now=TUESDAY, return_state=True),
], ids=["unit", "board", "retry", "indicators", "report", "record", "registry"])
def test_a_run_on_an_unreachable_database_fails_with_the_clis_words(installed: Engine, prefect_records, run,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTX_DATABASE_URL", "postgresql://htx:mat-khau-bi-mat@127.0.0.1:1/test")
    state = run()
    assert (state.type.value, state.name) == ("FAILED", "Lỗi cơ sở dữ liệu")
    assert state.message.startswith("không làm việc được với cơ sở dữ liệu postgresql://htx:***@127.0.0.1:1/test: "
                                    "máy chủ không nhận kết nối")
    from typer.testing import CliRunner

    from htx_tasks.cli.main import app

    cli = CliRunner().invoke(app, ["tick", "--now", TUESDAY], env={"COLUMNS": "2000"})
    assert cli.exit_code == 3 and f"Lỗi: {state.message}" in cli.stderr  # the same words as the command line
    logged = prefect_records.text()
    assert state.message in logged and "mat-khau-bi-mat" not in logged
    assert not [r for r in prefect_records.records if r.exc_info and r.exc_info[0]]


def test_a_database_failure_inside_a_task_is_logged_as_one_sentence_without_sql(installed: Engine, prefect_records,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import units

    monkeypatch.setattr(units, "evaluate", units.evaluate.with_options(retry_delay_seconds=0))
    with installed.begin() as conn:  # the pass's first query fails: "no such table"
        conn.exec_driver_sql("ALTER TABLE occurrence RENAME TO occurrence_gone")
    state = follow_up_unit(unit=KT, now=TUESDAY, return_state=True)
    assert (state.type.value, state.name) == ("FAILED", "Lỗi cơ sở dữ liệu")
    assert state.message.startswith("không làm việc được với cơ sở dữ liệu sqlite:///")
    task_lines = [r.getMessage() for r in prefect_records.records if r.name == "prefect.task_runs"]
    # two retries, then the last failure: each one sentence; the task's state keeps no SQL either
    assert [line.endswith("(sẽ thử lại)") for line in task_lines if line.startswith("không làm việc được")] == [
        True, True, False]
    assert not [r for r in prefect_records.records if r.exc_info and r.exc_info[0]]
    assert "SELECT" not in prefect_records.text() and "Traceback" not in prefect_records.text()


def test_catching_up_three_missed_days_sends_each_reminder_once_in_order_at_its_own_time(
        prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_time = _install(tmp_path / "on-time", monkeypatch, tracking_from=PAST_TRACKING)
    _scheduled_run(START, TTVH)  # the first run, when tracking starts: December's report is opened
    reference = {day: _scheduled_run(day, TTVH).name for day in DAYS}
    expected = notification_keys(on_time)

    caught_up = _install(tmp_path / "caught-up", monkeypatch, tracking_from=PAST_TRACKING)
    _scheduled_run(START, TTVH)
    names = {}
    for day in DAYS:
        if day in MISSED:
            continue  # nothing is serving: Prefect marks these runs Late
        if day == dt.date(2025, 12, 25):
            for late in MISSED:  # the runner comes back and runs the late ones, oldest first
                names[late] = _scheduled_run(late, TTVH).name
        names[day] = _scheduled_run(day, TTVH).name

    assert names == reference
    assert [reference[d] for d in (dt.date(2025, 12, 19), *MISSED, dt.date(2025, 12, 26))] == [
        "Đúng tiến độ", "Sắp đến hạn", "Sắp đến hạn", "Sắp đến hạn", "Quá hạn"]
    got = notification_keys(caught_up)
    assert got == expected  # the same rows, statuses and sending times as if no day had been missed
    window = [row for row in got if row[3] > at_local(DAYS[0], 7, 30)]
    to_unit = [(kind, level, due_at, status, sent_at) for (_, kind, level, due_at, who, status, sent_at) in window
               if who == TTVH]
    assert [(kind, level, due_at) for kind, level, due_at, _, _ in to_unit] == [
        ("reminder", -1, at_local(dt.date(2025, 12, 22), 7, 30)),  # 3 days before: a missed day
        ("reminder", -1, at_local(dt.date(2025, 12, 24), 7, 30)),  # 1 day before: a missed day
        ("reminder", -1, at_local(dt.date(2025, 12, 25), 7, 30)),  # the deadline's morning
        ("overdue", 0, at_local(dt.date(2025, 12, 26), 7, 30)),  # the next working day
        ("escalation", 1, at_local(dt.date(2025, 12, 30), 7, 30)),  # 2 whole working days late
    ]
    assert all(status == "sent" and sent_at == due_at for _, _, due_at, status, sent_at in to_unit)
    escalations = [row for row in window if row[1] == "escalation"]
    assert [row[4] for row in escalations] == [TTVH, "coordinator"]  # once each, for its own day


def test_running_a_units_flow_twice_at_once_changes_nothing_the_second_time(installed: Engine) -> None:
    states = []

    def run() -> None:
        states.append(follow_up_unit(unit=WARDS, now=MONDAY, return_state=True))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [s.name for s in states] == ["Quá hạn", "Quá hạn"]
    first = (count(installed, Occurrence), notification_keys(installed), count(installed, AuditEvent),
             count(installed, Delivery))
    assert first[0] == 43  # all opened by the installation's first pass on 2/11; the runs opened nothing more
    assert count(installed, Delivery) == 15  # one digest per ward, however many runs overlapped

    follow_up_unit(unit=WARDS, now=MONDAY, return_state=True)
    again = (count(installed, Occurrence), notification_keys(installed), count(installed, AuditEvent),
             count(installed, Delivery))
    assert again == first
