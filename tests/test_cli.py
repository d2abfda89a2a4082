"""The ``htx-tasks`` command line, run in-process against a SQLite file under tmp_path."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from itertools import pairwise

import pytest

from htx_tasks.plan.loader import Plan

D = dt.date.fromisoformat
NOW = "2026-11-02T07:30"  # local time: the first working morning of tracking
INIT_MESSAGE = "Lỗi: cơ sở dữ liệu chưa được khởi tạo; hãy chạy 'htx-tasks init' trước"


def ok(result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}"
    return result.stdout


def as_json(result):
    return json.loads(ok(result))


@pytest.fixture
def ready(run_cli):
    """A database initialised and ticked once on the morning of 2/11/2026."""
    ok(run_cli("init"))
    ok(run_cli("tick", "--now", NOW, "--no-dispatch"))
    return run_cli


def version_of(run_cli, number: int) -> str:
    """The version ``htx-tasks show`` displays: what a coordinator's decision sends back."""
    return str(as_json(run_cli("show", number, "--json"))["version"])


def occurrence_id(run_cli, duty: str, unit: str) -> int:
    rows = as_json(run_cli("status", "--json", "--unit", unit, "--now", NOW))
    (row,) = [r for r in rows if r["duty"] == duty]
    return row["id"]


# --- set-up -------------------------------------------------------------------------------------


def test_validate_summarises_the_plan(run_cli) -> None:
    out = ok(run_cli("validate"))
    assert "Cấu hình hợp lệ: Kế hoạch thực hiện Chương trình hành động số 46-CTr/TU về kinh tế tập thể" in out
    assert "29 đơn vị, 18 nhiệm vụ, 6 chỉ tiêu, 5 nhóm nhiệm vụ" in out
    # the plan sets no deadline in Section III: every one is the standing office's choice
    assert "Nguồn của hạn: 0 nhiệm vụ có hạn do kế hoạch định, 18 nhiệm vụ có hạn do cơ quan thường trực định" in out
    data = as_json(run_cli("validate", "--json"))
    assert {k: data[k] for k in ("ok", "plan", "units", "duties", "indicators", "task_groups")} == {
        "ok": True, "plan": "kh-46-ctr-tu-cam-ranh", "units": 29, "duties": 18, "indicators": 6, "task_groups": 5,
    }
    assert data["deadline_source"] == {"plan": 0, "coordinator": 18}
    assert isinstance(data["warnings"], list)


def test_init_creates_the_database_then_upgrades_it(run_cli, tmp_path) -> None:
    out = ok(run_cli("init"))
    assert out.startswith("Đã tạo cơ sở dữ liệu")
    assert "nạp kế hoạch: 29 đơn vị, 18 nhiệm vụ." in out
    assert (tmp_path / "x.db").exists()
    assert ok(run_cli("init")).startswith("Đã cập nhật cơ sở dữ liệu")


@pytest.mark.parametrize(
    "args",
    [
        ["tick", "--now", NOW, "--no-dispatch"],
        ["status"],
        ["submit", "1", "--unit", "phuong-ba-ngoi", "--note", "Báo cáo"],
        ["review", "1", "accept", "--note", "Đạt"],
        ["extend", "1", "--to", "2027-01-01", "--note", "Gia hạn"],
        ["waive", "1", "--note", "Miễn"],
        ["case", "open", "tckh-thu-tuc", "--unit", "phong-tai-chinh-ke-hoach", "--received", "2027-02-03",
         "--ref", "HTX-01"],
        ["report", "--from", "2026-12-01", "--to", "2026-12-31"],
    ],
    ids=lambda args: "-".join(args[:2]),
)
def test_commands_before_init_ask_for_init_in_vietnamese(run_cli, args) -> None:
    result = run_cli(*args)
    assert result.exit_code == 1
    assert INIT_MESSAGE in result.stderr
    assert result.stdout == ""
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback


# --- passes and the board -----------------------------------------------------------------------


def test_tick_records_the_pass_once(run_cli) -> None:
    ok(run_cli("init"))
    data = as_json(run_cli("tick", "--now", NOW, "--no-dispatch", "--json"))
    assert (data["now"], data["opened"], data["advanced"], data["notifications"]) == (
        "2026-11-02T00:30:00+00:00", 43, 43, 76
    )
    assert data["events"] == {"assigned": 43}
    assert data["failed"] == [] and data["dispatch"] is None
    again = ok(run_cli("tick", "--now", NOW, "--no-dispatch"))
    assert "Lượt chạy lúc 07:30 02/11/2026: mở 0 nhiệm vụ, xét 0, ghi 0 thông báo." in again


def test_status_lists_open_work_by_unit_and_overdue(ready) -> None:
    rows = as_json(ready("status", "--json", "--now", NOW))
    assert len(rows) == 43
    assert [r["deadline"] for r in rows] == sorted(r["deadline"] for r in rows)
    ward = as_json(ready("status", "--json", "--unit", "phuong-ba-ngoi", "--now", NOW))
    assert sorted((r["duty"], r["period"], r["deadline"], r["state"]) for r in ward) == [
        ("xa-theo-doi-htx", "quý IV/2026", "2026-12-10", "open"),
        ("xa-tuyen-truyen", "quý IV/2026", "2026-12-10", "open"),
    ]
    assert len(as_json(ready("status", "--json", "--unit", "ubnd-xa-phuong", "--now", NOW))) == 30
    (late,) = as_json(ready("status", "--json", "--overdue", "--now", "2026-11-30T08:00"))
    assert (late["duty"], late["deadline"], late["working_days_overdue"], late["days_left"]) == (
        "ttvhtt-tuyen-truyen", "2026-11-25", 2, -5
    )
    table = ok(ready("status", "--overdue", "--now", "2026-11-30T08:00"))
    assert "Tình hình thực hiện — 30/11/2026" in table
    assert "quá hạn 2 ngày làm việc" in table and "III.6" in table
    assert as_json(ready("status", "--json", "--overdue", "--now", NOW)) == []


def test_status_of_an_unknown_unit_is_refused(ready) -> None:
    result = ready("status", "--unit", "phuong-khong-co")
    assert result.exit_code == 2
    assert "không có đơn vị 'phuong-khong-co' trong kế hoạch" in result.stderr


# --- people's actions ---------------------------------------------------------------------------


def test_submit_and_accept(ready) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    wrong = ready("submit", number, "--unit", "phuong-cam-linh", "--note", "Báo cáo", "--now", "2026-12-01T09:00")
    assert wrong.exit_code == 1
    assert f"Lỗi: đơn vị 'phuong-cam-linh' không phụ trách nhiệm vụ số {number}" in wrong.stderr
    out = ok(ready("submit", number, "--unit", "phuong-ba-ngoi", "--note", "Báo cáo quý IV",
                   "--evidence", "https://example.test/bc.pdf", "--now", "2026-12-01T09:00"))
    assert f"Đã ghi nhận báo cáo của UBND phường Ba Ngòi cho nhiệm vụ số {number}" in out
    rows = as_json(ready("status", "--json", "--unit", "phuong-ba-ngoi", "--now", "2026-12-01T10:00"))
    assert {r["id"]: r["state"] for r in rows}[number] == "submitted"
    out = ok(ready("review", number, "accept", "--note", "Đạt yêu cầu", "--now", "2026-12-02T09:00",
                   "--version", version_of(ready, number)))
    assert f"Nhiệm vụ số {number}: Hoàn thành đúng hạn." in out
    rows = as_json(ready("status", "--json", "--unit", "phuong-ba-ngoi", "--now", "2026-12-02T10:00"))
    assert number not in {r["id"] for r in rows}


def test_return_extend_and_waive(ready) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-cam-loc")
    ok(ready("submit", number, "--unit", "phuong-cam-loc", "--note", "Báo cáo", "--now", "2026-12-01T09:00"))
    out = ok(ready("review", number, "return", "--note", "Thiếu số liệu", "--now", "2026-12-02T09:00",
                   "--version", version_of(ready, number)))
    assert f"Nhiệm vụ số {number}: Trả lại để hoàn thiện." in out
    out = ok(ready("extend", number, "--to", "2027-01-01", "--note", "Chờ số liệu", "--now", "2026-12-02T10:00",
                   "--version", version_of(ready, number)))
    assert f"Nhiệm vụ số {number}: hạn mới Thứ Hai, 04/01/2027." in out
    past = ready("extend", number, "--to", "2026-11-30", "--note", "x", "--now", "2026-12-02T10:00",
                 "--version", version_of(ready, number))
    assert past.exit_code == 2 and "Lỗi: --to: hạn mới 30/11/2026 đã qua" in past.stderr
    no_reason = ready("waive", number, "--note", " ", "--now", "2026-12-02T11:00")
    assert no_reason.exit_code == 2 and "Lỗi: --note: không được để trống" in no_reason.stderr
    out = ok(ready("waive", number, "--note", "Sáp nhập đơn vị", "--now", "2026-12-02T11:00",
                   "--version", version_of(ready, number)))
    assert f"Nhiệm vụ số {number}: miễn thực hiện." in out
    again = ready("waive", number, "--note", "Lần nữa", "--now", "2026-12-02T11:00", "--version", version_of(ready, number))
    assert again.exit_code == 1
    assert f"Lỗi: nhiệm vụ số {number} đã có người xử lý trước: đã đóng ('Miễn thực hiện')" in again.stderr


def _trail(cli_env, number: int) -> list[tuple[str, str]]:
    from sqlmodel import Session, select

    from htx_tasks.store.db import make_engine
    from htx_tasks.store.models import AuditEvent

    engine = make_engine(cli_env["HTX_DATABASE_URL"])
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == number).order_by(AuditEvent.id)).all()
    engine.dispose()
    return [(a.action, a.reason or "") for a in rows]


def test_two_extensions_decided_on_the_same_view_record_only_the_first(ready, cli_env) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    seen = version_of(ready, number)  # both coordinators looked at the item before either decided
    first = ok(ready("extend", number, "--to", "2027-01-15", "--note", "Chờ số liệu", "--version", seen,
                     "--now", "2026-12-02T09:00"))
    assert f"Nhiệm vụ số {number}: hạn mới Thứ Sáu, 15/01/2027." in first
    trail = _trail(cli_env, number)
    second = ready("extend", number, "--to", "2027-02-26", "--note", "Chờ hội nghị", "--version", seen,
                   "--now", "2026-12-02T09:05")
    assert second.exit_code == 1, second.output
    assert f"Lỗi: nhiệm vụ số {number} đã có người xử lý trước" in second.stderr and second.stdout == ""
    assert _trail(cli_env, number) == trail  # nothing written: no audit row, the first deadline kept
    assert as_json(ready("show", number, "--json"))["deadline"] == "2027-01-15"
    waive = ready("waive", number, "--note", "Miễn", "--version", seen, "--now", "2026-12-02T09:10")
    assert waive.exit_code == 1 and "đã có người xử lý trước" in waive.stderr
    # looked at again, the second coordinator decides on what is there now
    out = ok(ready("show", number))
    fresh = version_of(ready, number)
    assert fresh != seen and f"Phiên bản: {fresh}" in out and "đã gia hạn; hạn ban đầu 10/12/2026" in out
    ok(ready("extend", number, "--to", "2027-02-26", "--note", "Chờ hội nghị", "--version", fresh,
             "--now", "2026-12-02T09:15"))
    assert [reason for action, reason in _trail(cli_env, number) if action == "extend"] == [
        "Gia hạn từ 10/12/2026 đến 15/01/2027: Chờ số liệu", "Gia hạn từ 15/01/2027 đến 26/02/2027: Chờ hội nghị"]


@pytest.mark.parametrize("args", [
    ["extend", "{n}", "--to", "2027-01-15", "--note", "x"],
    ["waive", "{n}", "--note", "x"],
    ["review", "{n}", "accept", "--note", "x"],
])
def test_a_coordinators_decision_without_the_version_seen_is_refused(ready, cli_env, args) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    trail = _trail(cli_env, number)
    result = ready(*[a.replace("{n}", str(number)) for a in args], "--now", "2026-12-02T09:00")
    assert result.exit_code == 2, result.output
    assert (f"Lỗi: --version: cần phiên bản nhiệm vụ như đã xem (htx-tasks show {number}, hoặc cột 'Phiên bản' "
            "của htx-tasks status)") in result.stderr
    not_a_number = ready(*[a.replace("{n}", str(number)) for a in args], "--version", "ba", "--now", "2026-12-02T09:00")
    assert not_a_number.exit_code == 2 and "Lỗi: --version: phải là số nguyên" in not_a_number.stderr
    assert _trail(cli_env, number) == trail


def test_status_and_show_give_the_version_a_decision_sends_back(ready) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    (row,) = [r for r in as_json(ready("status", "--json", "--unit", "phuong-ba-ngoi", "--now", NOW)) if r["id"] == number]
    assert str(row["version"]) == version_of(ready, number)
    table = ok(ready("status", "--unit", "phuong-ba-ngoi", "--now", NOW))
    assert "Phiên bản" in table
    out = ok(ready("show", number))
    assert f"Nhiệm vụ số {number}: III.8.1 UBND phường Ba Ngòi, kỳ quý IV/2026" in out
    assert "Hạn: Thứ Năm, 10/12/2026" in out and f"--version {row['version']}" in out
    missing = ready("show", "999999")
    assert missing.exit_code == 1 and "Lỗi: không có nhiệm vụ số 999999" in missing.stderr


def test_text_in_square_brackets_is_shown_as_typed_not_as_markup(ready) -> None:
    out = ok(ready("case", "open", "tckh-thu-tuc", "--unit", "phong-tai-chinh-ke-hoach", "--received", "2027-02-03",
                   "--ref", "[/x] [bold]HS", "--kind", "dang-ky", "--now", "2027-02-03T10:00"))
    assert "[/x] [bold]HS" in out
    status = ok(ready("status", "--unit", "phong-tai-chinh-ke-hoach", "--now", "2027-02-03T10:00"))
    assert "hồ sơ [/x] [bold]HS" in status


def test_case_open_sets_a_deadline_in_working_days(ready) -> None:
    out = ok(ready("case", "open", "tckh-thu-tuc", "--unit", "phong-tai-chinh-ke-hoach", "--received", "2027-02-03",
                   "--ref", "HTX-01/2027", "--kind", "dang-ky", "--now", "2027-02-03T10:00"))
    assert re.search(r"Đã mở nhiệm vụ số \d+ cho hồ sơ HTX-01/2027; hạn giải quyết Thứ Hai, 15/02/2027\.", out)
    data = as_json(ready("case", "open", "tckh-thu-tuc", "--unit", "phong-tai-chinh-ke-hoach", "--received",
                         "2027-03-19", "--ref", "HTX-02/2027", "--kind", "cap-lai", "--now", "2027-03-19T10:00",
                         "--json"))
    assert (data["deadline"], data["unit"]) == ("2027-03-24", "phong-tai-chinh-ke-hoach")
    duplicate = ready("case", "open", "tckh-thu-tuc", "--unit", "phong-tai-chinh-ke-hoach", "--received",
                      "2027-03-19", "--ref", "HTX-02/2027", "--kind", "cap-lai", "--now", "2027-03-19T11:00")
    assert duplicate.exit_code == 1 and "đã được mở" in duplicate.stderr


def test_report_as_json_and_csv(ready) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    ok(ready("submit", number, "--unit", "phuong-ba-ngoi", "--note", "BC", "--now", "2026-12-01T09:00"))
    ok(ready("review", number, "accept", "--note", "Đạt", "--now", "2026-12-02T09:00", "--version", version_of(ready, number)))
    args = ("report", "--from", "2026-12-01", "--to", "2026-12-31", "--now", "2026-12-11T12:00")
    rows = {r["unit"]: r for r in as_json(ready(*args, "--json"))}
    assert {k: rows["phuong-ba-ngoi"][k] for k in
            ("assigned", "due", "done_on_time", "done_late", "pending_in_time", "pending_overdue", "on_time_rate")} == {
        "assigned": 2, "due": 2, "done_on_time": 1, "done_late": 0, "pending_in_time": 0, "pending_overdue": 1,
        "on_time_rate": 50.0,
    }
    assert rows["phong-kinh-te"]["on_time_rate"] is None
    table = list(csv.reader(io.StringIO(ok(ready(*args, "--csv")))))
    assert table[0] == ["Đơn vị", "Được giao", "Đến hạn", "Hoàn thành đúng hạn", "Hoàn thành quá hạn",
                        "Chưa hoàn thành (trong hạn)", "Chưa hoàn thành (quá hạn)", "Tỷ lệ đúng hạn (%)"]
    by_name = {row[0]: row[1:] for row in table[1:]}
    assert by_name["UBND phường Ba Ngòi"] == ["2", "2", "1", "0", "0", "1", "50.0"]
    assert by_name["Phòng Kinh tế"] == ["4", "0", "0", "0", "4", "0", ""]
    # every unit that owns work and is assigned it; the six organisations III.7 asks are counted apart
    assert len(table) == 1 + 21 and "Hội Nông dân thành phố" not in by_name
    assert rows["hoi-nong-dan-thanh-pho"]["request"] is True and rows["phong-kinh-te"]["request"] is False
    shown = ok(ready(*args))
    assert "Kết quả thực hiện, hạn từ 01/12/2026 đến 31/12/2026" in shown
    asked = shown.split("Nội dung đề nghị phối hợp (không tính vào tỷ lệ đúng hạn)")[1]
    assert "Hội Nông dân thành phố" in asked and "quá hạn" not in asked


# --- calendar -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "text", "data"),
    [
        (["deadline", "2027-02-06"], "2027-02-11", {"date": "2027-02-06", "deadline": "2027-02-11"}),
        (["deadline", "2027-04-30"], "2027-05-04", {"date": "2027-04-30", "deadline": "2027-05-04"}),
        (["deadline", "2026-12-31"], "2026-12-31", {"date": "2026-12-31", "deadline": "2026-12-31"}),
        (["add-working-days", "2027-02-03", "3"], "2027-02-15",
         {"date": "2027-02-03", "days": 3, "result": "2027-02-15"}),
        (["add-working-days", "2027-02-11", "-1"], "2027-02-03",
         {"date": "2027-02-11", "days": -1, "result": "2027-02-03"}),
        (["is-working-day", "2026-08-22"], "yes (Ngày làm bù theo thông báo của Chính phủ)",
         {"date": "2026-08-22", "working_day": True, "reason": "Ngày làm bù theo thông báo của Chính phủ"}),
        (["is-working-day", "2027-02-08"], "no (Mùng ba Tết Nguyên Đán)",
         {"date": "2027-02-08", "working_day": False, "reason": "Mùng ba Tết Nguyên Đán"}),
        (["is-working-day", "2027-03-20"], "no (Ngày nghỉ cuối tuần)",
         {"date": "2027-03-20", "working_day": False, "reason": "Ngày nghỉ cuối tuần"}),
        (["is-working-day", "2027-03-22"], "yes", {"date": "2027-03-22", "working_day": True, "reason": None}),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, list) else None,
)
def test_calendar_commands(run_cli, args, text, data) -> None:
    assert ok(run_cli("calendar", *args)).strip() == text
    assert as_json(run_cli("calendar", *args, "--json")) == data


def test_calendar_uses_the_days_announced_in_the_config(run_cli, tmp_path, config_dir) -> None:
    import shutil

    config = tmp_path / "config"
    shutil.copytree(config_dir, config)
    (config / "calendar.yaml").write_text(
        "version: 1\n"
        "days_off:\n  - {date: 2027-02-11, reason: Nghỉ bù Tết Nguyên đán}\n"
        "working_days:\n  - {date: 2027-02-20, reason: Làm bù cho ngày 11/02/2027}\n",
        encoding="utf-8",
    )
    assert ok(run_cli("calendar", "deadline", "2027-02-06", "--config", config)).strip() == "2027-02-12"
    assert ok(run_cli("calendar", "is-working-day", "2027-02-11", "--config", config)).strip() == (
        "no (Nghỉ bù Tết Nguyên đán)"
    )
    assert ok(run_cli("calendar", "is-working-day", "2027-02-20", "--config", config)).strip() == (
        "yes (Làm bù cho ngày 11/02/2027)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["calendar", "deadline", "2027-02-30"], "DATE: ngày không hợp lệ '2027-02-30' (định dạng YYYY-MM-DD)"),
        (["calendar", "add-working-days", "30/01/2027", "2"], "DATE: ngày không hợp lệ '30/01/2027'"),
        (["simulate", "--from", "2027-02-01", "--to", "2027-01-01"], "--to phải sau --from"),
    ],
)
def test_bad_input_gets_a_vietnamese_message(run_cli, args, message) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_bad_now_gets_a_vietnamese_message(ready) -> None:
    result = ready("tick", "--now", "hôm qua", "--no-dispatch")
    assert result.exit_code == 2
    assert "--now: thời điểm không hợp lệ 'hôm qua' (ví dụ 2027-01-15T08:00)" in result.stderr


# --- simulation ---------------------------------------------------------------------------------


def test_simulating_a_month_shows_no_follow_up_during_tet(run_cli) -> None:
    out = ok(run_cli("simulate", "--from", "2027-02-01", "--to", "2027-02-28"))
    assert re.search(r"Mô phỏng 01/02/2027 – 28/02/2027: \d+ thông báo", out)
    for day in range(4, 11):
        assert f"{day:02d}/02/2027 07:30" not in out
    # the monthly III.6 report, due Thursday 25/2, is followed up after Tết
    assert re.search(r"18/02/2027 07:30 +│ Nhắc việc +│ Trung tâm Văn hóa", out)


def test_simulating_2027_covers_every_unit_and_duty_on_working_days(run_cli, plan: Plan) -> None:
    data = as_json(run_cli("simulate", "--from", "2027-01-01", "--to", "2027-12-31", "--json"))
    events, opened = data["events"], data["opened"]
    assert data["coverage"] == {"units_missing": [], "duties_missing": [], "duties_outside_window": [
        "kt-ha-tang", "kt-tham-muu", "kt-tieu-chi-13", "kt-tieu-chi-13-vuong-mac"]}

    # every unit that owns work, each ward on its own, hears about every duty it owns
    pairs = {(e["unit"], e["duty"]) for e in events}
    expected = {(unit, duty.code) for duty in plan.source.duties for unit in plan.assignees(duty)
                if duty.active_on(D("2027-06-30"))}
    assert expected <= pairs
    wards = plan.members("ubnd-xa-phuong")
    assert len(wards) == 15
    for ward in wards:
        assert {(ward, "xa-tuyen-truyen"), (ward, "xa-theo-doi-htx")} <= pairs
        quarters = sorted(o["period"] for o in opened if o["unit"] == ward and o["duty"] == "xa-tuyen-truyen")
        assert quarters == ["quý I/2027", "quý II/2027", "quý III/2027", "quý IV/2027"]
    assert {e["duty"] for e in events} == set(plan.duties) - set(data["coverage"]["duties_outside_window"])
    # dated duties end: no period of III.1.1, III.1.3 or III.1.4 in 2027 (their windows ended in 2023 and 2025)
    assert not [o for o in opened if o["duty"] in ("kt-tham-muu", "kt-tieu-chi-13", "kt-ha-tang")]

    # no deadline falls on a day off, and every notice, the assignment included, is at 07:30 on a
    # working day (1/1/2027 is New Year's Day: the periods opening then are announced on Monday 4/1)
    calendar = plan.calendar
    assert all(calendar.is_working_day(D(e["deadline"])) for e in events)
    assert all(calendar.is_working_day(D(o["deadline"])) for o in opened)
    for e in events:
        at = dt.datetime.fromisoformat(e["at"])
        assert D("2027-01-01") <= at.date() <= D("2027-12-31")
        assert (at.hour, at.minute) == (7, 30), e
        assert calendar.is_working_day(at.date()), e
    assert min(e["at"] for e in events).startswith("2027-01-04T07:30")
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)

    # nobody is escalated to itself: Phòng Kinh tế's own work goes from the unit to leadership
    assert not [e for e in events if e["unit"] == "phong-kinh-te" and e["recipient"] == "coordinator"]
    assert any(e["unit"] == "phong-kinh-te" and e["recipient"] == "leadership" for e in events)

    # the Fatherland Front and the mass organisations are asked, not directed: each on its own,
    # never reaching the leadership, the coordinator told for liaison, recalled at most monthly
    organisations = plan.members("ubmttq-doan-the")
    assert len(organisations) == 6
    assert any(e["recipient"] == "leadership" for e in events)
    asked = [e for e in events if e["unit"] in organisations]
    assert {e["unit"] for e in asked} == set(organisations)
    assert not [e for e in asked if e["recipient"] == "leadership"]
    assert any(e["recipient"] == "coordinator" for e in asked)
    for org in organisations:
        recalls = [dt.datetime.fromisoformat(e["at"]) for e in asked if e["recipient"] == org and e["kind"] == "repeat"]
        assert recalls and all((b - a).days >= 25 for a, b in pairwise(recalls))

    # coordinating units get copies of the assignment and the first overdue notice, nothing more
    copies = [e for e in events if e["recipient"] not in (e["unit"], "coordinator", "leadership")]
    assert {(e["duty"], e["recipient"]) for e in copies} >= {("xa-theo-doi-htx", "phong-kinh-te"),
                                                            ("kt-theo-doi-htx", "phuong-ba-ngoi")}
    assert {e["kind"] for e in copies} == {"assigned", "overdue"}


def test_deploy_warns_when_an_env_value_carries_a_password(capsys) -> None:
    from htx_tasks.cli.deploy import _env_pairs

    assert _env_pairs(["HTX_VAR_DIR=/srv/htx/var", "HTX_DATABASE_URL=postgresql://htx@db/htx"]) == {
        "HTX_VAR_DIR": "/srv/htx/var", "HTX_DATABASE_URL": "postgresql://htx@db/htx"}
    assert "mật khẩu" not in capsys.readouterr().err
    _env_pairs(["HTX_DATABASE_URL=postgresql://htx:bi-mat@db/htx"])
    err = capsys.readouterr().err
    assert "HTX_DATABASE_URL chứa mật khẩu" in err and "bi-mat" not in err


# --- limits on people's inputs --------------------------------------------------------------------

HUGE = str(10**20)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["submit", HUGE, "--unit", "phuong-ba-ngoi", "--note", "x"],
         "OCCURRENCE (số nhiệm vụ): số nhiệm vụ phải từ 1 đến 2.147.483.647"),
        (["review", HUGE, "accept", "--note", "x"], "OCCURRENCE (số nhiệm vụ): số nhiệm vụ phải từ 1 đến"),
        (["extend", HUGE, "--to", "2027-01-01", "--note", "x"], "OCCURRENCE (số nhiệm vụ): số nhiệm vụ phải từ 1 đến"),
        (["waive", "mười", "--note", "x"], "OCCURRENCE (số nhiệm vụ): số nhiệm vụ phải là số nguyên"),
        (["review", "{n}", "maybe", "--note", "x", "--version", "{v}"],
         "DECISION: giá trị không hợp lệ; chọn một trong: 'accept', 'return'"),
        (["extend", "{n}", "--to", "9999-12-31", "--note", "x", "--version", "{v}"],
         "--to: hạn mới 31/12/9999 quá xa: chậm nhất 02/12/2027"),
        (["extend", "{n}", "--to", "9999-12-30", "--note", "x", "--version", "{v}"],
         "--to: hạn mới 30/12/9999 quá xa"),
        (["extend", "{n}", "--to", "2026-12-09", "--note", "x", "--version", "{v}"],
         "--to: hạn mới 09/12/2026 phải sau hạn hiện tại 10/12/2026"),
        (["extend", "{n}", "--to", "31/12/2026", "--note", "x", "--version", "{v}"],
         "--to: ngày không hợp lệ '31/12/2026' (định dạng YYYY-MM-DD)"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--note", "x" * 4001], "--note: dài quá 4.000 ký tự (đang có 4.001)"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--note", "chuông\x07"],
         "--note: có ký tự điều khiển không được phép (U+0007) ở vị trí 7"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--note", "x", "--evidence", "javascript:alert(1)"],
         "--evidence: chỉ nhận đường dẫn bắt đầu bằng http:// hoặc https://"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--note", "x", "--evidence", "file:///etc/passwd"],
         "--evidence: chỉ nhận đường dẫn bắt đầu bằng http:// hoặc https://"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--note", "x", "--evidence", "https://a.vn/" + "x" * 10_000],
         "--evidence: dài quá 2.000 ký tự (đang có 10.013)"),
        (["case", "open", "tckh-thu-tuc", "--unit", "phong-tai-chinh-ke-hoach", "--received", "2026-12-02",
          "--ref", "HS\x001"], "--ref: có ký tự điều khiển không được phép (U+0000) ở vị trí 3"),
        (["case", "open", "tckh-thu-tuc", "--unit", "phong-tai-chinh-ke-hoach", "--received", "2026-12-03",
          "--ref", "HS-1"], "--received: ngày nhận hồ sơ 03/12/2026 chưa đến"),
    ],
)
def test_out_of_bounds_input_is_refused_in_vietnamese_and_writes_nothing(ready, args, message) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    before = as_json(ready("status", "--json", "--now", "2026-12-01T09:00"))
    seen = version_of(ready, number)
    result = ready(*[a.replace("{n}", str(number)).replace("{v}", seen) for a in args], "--now", "2026-12-01T09:00")
    assert result.exit_code == 2, result.output
    assert f"Lỗi: {message}" in result.stderr
    assert "Traceback" not in result.output
    assert as_json(ready("status", "--json", "--now", "2026-12-01T09:00")) == before


def test_the_audit_names_the_cli_user_of_each_decision(ready, cli_env, monkeypatch) -> None:
    from sqlmodel import Session, select

    from htx_tasks.store.db import make_engine
    from htx_tasks.store.models import AuditEvent

    monkeypatch.setenv("USER", "nguyen-van-a")
    monkeypatch.setenv("LOGNAME", "nguyen-van-a")
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    ok(ready("submit", number, "--unit", "phuong-ba-ngoi", "--note", "Báo cáo", "--now", "2026-12-01T09:00"))
    ok(ready("review", number, "return", "--note", "Thiếu", "--now", "2026-12-01T10:00", "--version", version_of(ready, number)))
    ok(ready("waive", number, "--note", "Sáp nhập", "--now", "2026-12-01T11:00", "--version", version_of(ready, number)))
    engine = make_engine(cli_env["HTX_DATABASE_URL"])
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.occurrence_id == number,
                                                     AuditEvent.role != "system").order_by(AuditEvent.id)).all()
    engine.dispose()
    assert [(a.action, a.actor, a.role, a.via) for a in rows] == [
        ("submit", "phuong-ba-ngoi", "unit", "cli:nguyen-van-a"),
        ("return", "cơ quan thường trực", "coordinator", "cli:nguyen-van-a"),
        ("waive", "cơ quan thường trực", "coordinator", "cli:nguyen-van-a"),
    ]
