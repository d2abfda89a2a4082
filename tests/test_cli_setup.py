"""The ``htx-tasks`` command line, run in-process against a SQLite file under tmp_path: validate, init,
tick, status, the calendar commands and bad input in Vietnamese.
"""

from __future__ import annotations

import pytest
from clikit import INIT_MESSAGE, NOW, as_json, ok

# --- set-up -------------------------------------------------------------------------------------


def test_validate_summarises_the_plan(run_cli) -> None:
    out = ok(run_cli("validate"))
    assert "Cấu hình hợp lệ: Kế hoạch thực hiện Chương trình hành động số 46-CTr/TU về kinh tế tập thể" in out
    assert "29 đơn vị, 18 nhiệm vụ, 6 chỉ tiêu, 5 nhóm nhiệm vụ" in out
    # the plan sets no deadline in Section III: every one is the standing office's choice
    assert ("Nguồn của hạn: 0 nhiệm vụ có hạn do kế hoạch định, 17 nhiệm vụ có hạn do cơ quan thường trực định, "
            "1 nhiệm vụ có hạn do pháp luật định") in out
    data = as_json(run_cli("validate", "--json"))
    assert {k: data[k] for k in ("ok", "plan", "units", "duties", "indicators", "task_groups")} == {
        "ok": True, "plan": "kh-46-ctr-tu-cam-ranh", "units": 29, "duties": 18, "indicators": 6, "task_groups": 5,
    }
    assert data["deadline_source"] == {"plan": 0, "coordinator": 17, "law": 1}
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
