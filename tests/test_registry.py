"""The registry: history kept per change, files checked row by row, lossless round trips."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session

from htx_tasks.core.coops import FIELDS, Coop
from htx_tasks.registry import service
from htx_tasks.registry.config import load_registry_config
from htx_tasks.registry.demo import demo_registry
from htx_tasks.registry.files import FileRefused
from htx_tasks.store.db import session_scope

NOW = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
HEADERS = [f.header for f in FIELDS]


def coop(code: str = "HTX-01", **kw) -> Coop:
    base = {"name": "Hợp tác xã nông nghiệp Cam Lập", "kind": "hop-tac-xa", "ward": "xa-cam-lap",
            "sector": "nong-nghiep", "follow_unit": "phong-kinh-te", "status": "dang-hoat-dong",
            "founded_on": dt.date(2015, 3, 1), "valid_from": dt.date(2023, 1, 1), "members": 25}
    base.update(kw)
    return Coop(code=code, **base)


def row(**cells) -> dict:
    base = {"Mã": "HTX-01", "Tên tổ chức": "Hợp tác xã muối Cam Thịnh Đông", "Loại hình": "Hợp tác xã",
            "Xã, phường": "xã Cam Thịnh Đông", "Lĩnh vực": "Diêm nghiệp", "Tình trạng": "Đang hoạt động",
            "Ngày thành lập": "15/03/2012", "Ngày hiệu lực": "01/01/2026", "Số thành viên": "42"}
    base.update(cells)
    return base


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_change_keeps_the_old_version_for_past_dates(db_engine) -> None:
    first = coop(rating="trung-binh", rating_year=2023)
    later = replace(first, rating="kha", rating_year=2024, valid_from=dt.date(2024, 12, 20))
    with session_scope(db_engine) as session:
        result = service.apply(session, [first], source="import", now=NOW)
        assert result.created == ["HTX-01"]
    with session_scope(db_engine) as session:
        result = service.apply(session, [later], source="import", now=NOW)
        assert result.updated == ["HTX-01"] and not result.created
    with Session(db_engine) as session:
        assert service.snapshot(session, dt.date(2022, 12, 31)) == []
        assert [c.rating for c in service.snapshot(session, dt.date(2023, 12, 31))] == ["trung-binh"]
        assert [c.rating for c in service.snapshot(session, dt.date(2024, 12, 19))] == ["trung-binh"]
        assert [c.rating for c in service.snapshot(session, dt.date(2024, 12, 20))] == ["kha"]
        assert len(service.history(session)) == 2


def test_same_facts_with_a_later_date_add_no_version(db_engine) -> None:
    with session_scope(db_engine) as session:
        service.apply(session, [coop()], source="import", now=NOW)
    with session_scope(db_engine) as session:
        result = service.apply(session, [coop(valid_from=dt.date(2025, 6, 1))], source="import", now=NOW)
    assert result.unchanged == 1 and not result.changed
    with Session(db_engine) as session:
        assert service.count(session) == 1


@pytest.mark.parametrize("incoming,reason", [
    (coop(members=30, valid_from=dt.date(2022, 6, 1)), "không ghi lùi lịch sử"),
    (coop(members=30), "đã có thông tin hiệu lực từ ngày này"),
])
def test_history_cannot_be_rewritten(db_engine, incoming: Coop, reason: str) -> None:
    with session_scope(db_engine) as session:
        service.apply(session, [coop()], source="import", now=NOW)
    with pytest.raises(FileRefused) as caught, session_scope(db_engine) as session:
        service.apply(session, [incoming], source="import", now=NOW)
    assert reason in str(caught.value.problems[0])
    with Session(db_engine) as session:
        assert [c.members for c in service.history(session)] == [25]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_reimported_changes_nothing(db_engine, plan, tmp_path: Path, suffix: str) -> None:
    with session_scope(db_engine) as session:
        service.load_demo(session, plan, now=NOW)
    with Session(db_engine) as session:
        before = service.history(session)
        service.export(session, plan, tmp_path / f"latest{suffix}")
        service.export(session, plan, tmp_path / f"all{suffix}", full_history=True)
        service.export(session, plan, tmp_path / f"y2024{suffix}", on=dt.date(2024, 12, 31))
    for name in ("latest", "all", "y2024"):
        with session_scope(db_engine) as session:
            result = service.import_file(session, plan, tmp_path / f"{name}{suffix}", now=NOW)
        assert not result.changed and result.unchanged == result.rows > 0, name
    with Session(db_engine) as session:
        assert service.history(session) == before
    # and the full history rebuilds the same registry from nothing
    coops, problems = service.read_file(tmp_path / f"all{suffix}", plan)
    assert coops == before and problems == []


def test_demo_is_the_same_on_every_machine_and_marked_synthetic(plan) -> None:
    config = load_registry_config(plan)
    first, second = demo_registry(plan, config), demo_registry(plan, config)
    assert first == second
    codes = {c.code for c in first}
    assert 35 <= len(codes) <= 45
    assert all(c.synthetic and c.code.startswith("MH-") for c in first)
    assert {c.valid_from.year for c in first} >= {2022, 2023, 2024, 2025, 2026}
    assert len({c.ward for c in first}) >= 10 and len({c.sector for c in first}) >= 6


def test_cli_refuses_a_file_with_bad_rows_and_changes_nothing(run_cli, tmp_path: Path) -> None:
    assert run_cli("init").exit_code == 0
    good = write_csv(tmp_path / "good.csv", [row()])
    assert run_cli("registry", "import", good).exit_code == 0
    bad = write_csv(tmp_path / "bad.csv", [
        row(**{"Mã": "HTX-02", "Số thành viên": "50"}),  # a good row: not written either
        row(**{"Mã": "HTX-03", "Tình trạng": "Tạm nghỉ"}),
        row(**{"Mã": "HTX-04", "Xã, phường": "xã Cam Hải"}),
        row(**{"Mã": "HTX-05", "Ngày thành lập": "31/02/2020", "Số thành viên": "nhiều"}),
        row(**{"Mã": "HTX-06", "Ngày thành lập": "01/03/2025", "Xếp loại": "Khá", "Năm xếp loại": "2025"}),
        row(**{"Số thành viên": "60"}),  # HTX-01 again, same date, other facts
    ])
    result = run_cli("registry", "import", bad)
    assert result.exit_code == 2
    err = result.stderr
    assert "sổ theo dõi không thay đổi" in err
    assert "trang 'bad.csv', dòng 3, cột 'Tình trạng' (giá trị 'Tạm nghỉ'): giá trị không hợp lệ" in err
    assert "dòng 4, cột 'Xã, phường' (giá trị 'xã Cam Hải'): không có xã, phường này" in err
    assert "dòng 5, cột 'Ngày thành lập' (giá trị '31/02/2020'): ngày không hợp lệ" in err
    assert "dòng 5, cột 'Số thành viên' (giá trị 'nhiều'): cần một số nguyên" in err
    assert "dòng 6, cột 'Xếp loại' (giá trị 'Khá'): tổ chức chưa đủ 12 tháng" in err
    assert "dòng 7, cột 'Ngày hiệu lực'" in err
    out = tmp_path / "after.csv"
    assert run_cli("registry", "export", out).exit_code == 0
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["Mã"], r["Số thành viên"]) for r in rows] == [("HTX-01", "42")]


def test_cli_names_sheet_row_and_column_in_excel_and_json(run_cli, tmp_path: Path) -> None:
    assert run_cli("init").exit_code == 0
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách tổ chức"
    sheet.append(HEADERS)
    sheet.append([row().get(h) for h in HEADERS])
    sheet.append([row(**{"Mã": "HTX-02", "Lĩnh vực": "Vũ trụ"}).get(h) for h in HEADERS])
    path = tmp_path / "so.xlsx"
    book.save(path)
    result = run_cli("registry", "import", path, "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["problems"] == [{"sheet": "Danh sách tổ chức", "row": 3, "column": "Lĩnh vực", "value": "Vũ trụ",
                                 "reason": data["problems"][0]["reason"]}]
    assert "Nông nghiệp" in data["problems"][0]["reason"]


def test_cli_export_xlsx_keeps_vietnamese_and_a_synthetic_notice(run_cli, tmp_path: Path) -> None:
    assert run_cli("init").exit_code == 0
    demo = run_cli("registry", "demo")
    assert demo.exit_code == 0 and "DỮ LIỆU MINH HỌA" in demo.stdout
    assert run_cli("registry", "demo").exit_code == 1  # not twice
    path = tmp_path / "so.xlsx"
    result = run_cli("registry", "export", path)
    assert result.exit_code == 0 and "DỮ LIỆU MINH HỌA" in result.stdout
    book = load_workbook(path)
    data = book["Danh sách tổ chức"]
    assert [c.value for c in data[1]] == HEADERS
    assert "DỮ LIỆU MINH HỌA" in book["Hướng dẫn"]["A1"].value
    statuses = {r[HEADERS.index("Tình trạng")] for r in data.iter_rows(min_row=2, values_only=True)}
    assert statuses <= {"Đang hoạt động", "Ngừng hoạt động", "Chờ giải thể", "Đã giải thể"}
    again = run_cli("registry", "import", path)
    assert again.exit_code == 0 and "0 tổ chức mới, 0 tổ chức cập nhật" in again.stdout


def test_cli_refuses_an_unknown_column_and_a_wrong_extension(run_cli, tmp_path: Path) -> None:
    assert run_cli("init").exit_code == 0
    path = tmp_path / "x.csv"
    path.write_text("Mã,Tên tổ chức,Màu sắc\nHTX-1,A,đỏ\n", encoding="utf-8")
    result = run_cli("registry", "import", path)
    assert result.exit_code == 2
    assert "dòng 1, cột 'Màu sắc': cột không có trong mẫu" in result.stderr
    assert "cột 'Loại hình': thiếu cột bắt buộc" in result.stderr
    wrong = tmp_path / "x.ods"
    wrong.write_text("", encoding="utf-8")
    result = run_cli("registry", "import", wrong)
    assert result.exit_code == 2 and ".csv hoặc .xlsx" in result.stderr


def test_kpi_prints_every_indicator_on_the_demonstration_data(run_cli) -> None:
    assert run_cli("init").exit_code == 0
    assert run_cli("registry", "demo").exit_code == 0
    result = run_cli("kpi", "--year", "2026", "--now", "2026-11-27T09:00", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["synthetic"] is True and data["as_of"] == "2026-11-27"
    codes = [i["code"] for i in data["indicators"]]
    assert codes == ["htx-kha-tot-2030", "htx-cong-nghe-cao-2030", "tmdt-2030", "giai-the-htx-2030",
                     "tmdt-2045", "ktt-hieu-qua-2045"]
    for item in data["indicators"]:
        assert item["value"] is not None and item["held_to"] != "—" and item["on_track"] in (True, False)
        assert item["gap_unit"] == ("điểm phần trăm" if item["unit"] == "%" else "hợp tác xã")
        assert item["gap_text"].endswith(item["gap_unit"])
        assert all(w["gap"] is None or w["gap_unit"] == item["gap_unit"] for w in item["by_ward"].values())
        if item["unit"] == "%":  # a ward's rate is judged by the city's rule: a higher rate never stands worse
            wards = sorted((w["value"], w["on_track"]) for w in item["by_ward"].values() if w["value"] is not None)
            assert [on for _, on in wards] == sorted(on for _, on in wards), item["code"]
    rated, closing = data["indicators"][0], data["indicators"][3]
    assert (rated["aim"], rated["path"], rated["band"], rated["held_to"]) == ("maintain", None, [60, 70], "60–70%")
    assert rated["source"].startswith("Phần đầu [sic] duy trì")
    assert closing["target"] == "0 hợp tác xã" and closing["path"] == int(closing["path"])
    assert {q["code"] for q in data["qualitative"]} == {"chuoi-gia-tri-2030", "quy-mo-chat-luong-2045"}
    table = run_cli("kpi", "--year", "2026", "--now", "2026-11-27T09:00", "--ward", env={"COLUMNS": "250"})
    assert "DỮ LIỆU MINH HỌA" in table.stdout and "Tỷ lệ hợp tác xã đạt loại khá, tốt" in table.stdout
    assert closing["gap_text"] in table.stdout and rated["gap_text"] in table.stdout
    assert "trong khoảng mục tiêu" in table.stdout or "dưới khoảng mục tiêu" in table.stdout
