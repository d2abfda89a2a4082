"""People's actions on the command line: submit, accept, return, extend, waive with the version seen,
the audit naming the CLI user, cases, reports as JSON and CSV, out-of-bounds input refused in Vietnamese.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from clikit import NOW, as_json, occurrence_id, ok, version_of

# --- people's actions ---------------------------------------------------------------------------


def test_submit_and_accept(ready) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    seen = version_of(ready, number)
    wrong = ready("submit", number, "--unit", "phuong-cam-linh", "--note", "Báo cáo", "--version", seen,
                  "--now", "2026-12-01T09:00")
    assert wrong.exit_code == 1
    assert f"Lỗi: đơn vị 'phuong-cam-linh' không phụ trách nhiệm vụ số {number}" in wrong.stderr
    out = ok(ready("submit", number, "--unit", "phuong-ba-ngoi", "--note", "Báo cáo quý IV", "--version", seen,
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
    ok(ready("submit", number, "--unit", "phuong-cam-loc", "--note", "Báo cáo", "--version", version_of(ready, number),
             "--now", "2026-12-01T09:00"))
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
    ["submit", "{n}", "--unit", "phuong-ba-ngoi", "--note", "x"],
    ["extend", "{n}", "--to", "2027-01-15", "--note", "x"],
    ["waive", "{n}", "--note", "x"],
    ["review", "{n}", "accept", "--note", "x"],
])
def test_an_action_without_the_version_seen_is_refused(ready, cli_env, args) -> None:
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
    ok(ready("submit", number, "--unit", "phuong-ba-ngoi", "--note", "BC", "--version", version_of(ready, number),
             "--now", "2026-12-01T09:00"))
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
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--results", "x" * 4001, "--version", "{v}"],
         "--results: dài quá 4.000 ký tự (đang có 4.001)"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--note", "chuông\x07", "--version", "{v}"],  # the old name
         "--results: có ký tự điều khiển không được phép (U+0007) ở vị trí 7"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--results", "x", "--difficulties", "x" * 4001, "--version", "{v}"],
         "--difficulties: dài quá 4.000 ký tự (đang có 4.001)"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--results", "x", "--proposals", "a\x07", "--version", "{v}"],
         "--proposals: có ký tự điều khiển không được phép (U+0007) ở vị trí 2"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--results", "x", "--figure", "buoi-tuyen-truyen=-3", "--version", "{v}"],
         "--figure buoi-tuyen-truyen: phải là số nguyên không âm"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--results", "x", "--figure", "luot-nguoi=2,5", "--version", "{v}"],
         "--figure luot-nguoi: phải là số nguyên không âm"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--results", "x", "--figure", "so-htx=3", "--version", "{v}"],
         "--figure: báo cáo mục III.8.1 không có số liệu 'so-htx'; các số liệu: buoi-tuyen-truyen, luot-nguoi"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--results", "x", "--figure", "buoi-tuyen-truyen", "--version", "{v}"],
         "--figure: 'buoi-tuyen-truyen' không đúng dạng mã=giá trị"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--note", "x", "--evidence", "javascript:alert(1)", "--version", "{v}"],
         "--evidence: chỉ nhận đường dẫn bắt đầu bằng http:// hoặc https://"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--note", "x", "--evidence", "file:///etc/passwd", "--version", "{v}"],
         "--evidence: chỉ nhận đường dẫn bắt đầu bằng http:// hoặc https://"),
        (["submit", "{n}", "--unit", "phuong-ba-ngoi", "--note", "x", "--version", "{v}",
          "--evidence", "https://a.vn/" + "x" * 10_000],
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
    ok(ready("submit", number, "--unit", "phuong-ba-ngoi", "--note", "Báo cáo", "--version", version_of(ready, number),
             "--now", "2026-12-01T09:00"))
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
