"""``plan import``: realistic assignment tables (several header spellings, merged cells, phrase deadlines)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.intake_samples import ROWS, assignment_csv, assignment_docx, assignment_workbook


def imported(run_cli, *args: object) -> dict:
    result = run_cli("plan", "import", *args, "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def accounted(duty: dict) -> None:
    """Every row: a unit or a flag; every deadline: a date, a rule, a window or a flag."""
    unit = duty["unit"]
    assert (unit and (unit["codes"] or unit["proposed_code"])) or duty["flags"], duty
    if unit and unit["needs_review"]:
        assert any(unit["text"] in f for f in duty["flags"]), duty
    deadline = duty["deadline"]
    if deadline is None:
        assert any("thời hạn" in f for f in duty["flags"]), duty
    elif deadline["kind"] == "unread" or deadline["needs_review"]:
        assert deadline["plan"] == {} or deadline["needs_review"]
        assert any(deadline["phrase"] in f for f in duty["flags"]), duty
    else:
        assert deadline["plan"] or deadline["kind"] == "continuous", duty


def test_workbook_rows_become_duties_with_their_source_rows(run_cli, tmp_path: Path) -> None:
    data = imported(run_cli, assignment_workbook(tmp_path / "phu-luc.xlsx"))
    assert data["sheet"] == "Phụ lục" and data["header_rows"] == [3, 4]
    assert {role: cols[0]["column"] for role, cols in data["columns"].items()} == {
        "ref": "A", "title": "B", "lead": "C", "coordinating": "D", "deadline": "E", "product": "F", "note": "G"}
    assert data["columns"]["lead"][0]["header"] == "Cơ quan thực hiện / Chủ trì"
    duties = data["duties"]
    assert [d["source"]["row"] for d in duties] == list(range(7, 18)), "the numbering row and group row are not duties"
    assert [d["title"] for d in duties[:len(ROWS)]] == [r[1] for r in ROWS]
    assert all(d["group"] == "LĨNH VỰC KINH TẾ TẬP THỂ" for d in duties)
    assert data["groups"] == [{"row": 6, "title": "LĨNH VỰC KINH TẾ TẬP THỂ"}]
    for duty in duties:
        accounted(duty)
    by_ref = {d["ref"]: d for d in duties}
    assert by_ref["1"]["unit"]["codes"] == ["phong-kinh-te"]
    assert by_ref["1"]["deadline"]["plan"] == {"recurrence": {"every": "once", "due_date": "2026-03-31"}}
    assert by_ref["1"]["deadline_source"] == "plan" and by_ref["1"]["deadline"]["phrase"] == "Quý I/2026"
    assert [c["codes"][0] for c in by_ref["2"]["coordinating"]] == ["phong-kinh-te", "phuong-ba-ngoi"]
    assert by_ref["3"]["unit"]["group"] == "ubnd-xa-phuong"
    assert by_ref["3"]["deadline"]["plan"]["recurrence"] == {"every": "quarter", "due_month": 3, "due_day": 15}
    assert by_ref["4"]["deadline"]["kind"] == "unread", "a meeting is not a deadline"
    assert by_ref["5"]["deadline"]["kind"] == "continuous"
    assert by_ref["6"]["deadline"]["plan"]["recurrence"]["due_date"] == "2026-06-30", "a real date cell"
    assert by_ref["7"]["deadline"]["plan"] == {"active": {"from": "2026-01-01", "until": "2030-12-31"}}
    assert by_ref["8"]["unit"]["codes"] == ["phong-kinh-te"], "no diacritics"
    assert by_ref["8"]["coordinating"][0]["kind"] == "vague"
    assert by_ref["11"]["unit"]["codes"] == ["phong-kinh-te"], "a lead cell merged down over two rows leads both"
    assert data["set_aside"] and data["set_aside"][0]["row"] == 18, "a row with content is never dropped silently"


def test_an_unknown_unit_is_listed_where_it_appeared_and_proposed(run_cli, tmp_path: Path) -> None:
    data = imported(run_cli, assignment_workbook(tmp_path / "phu-luc.xlsx"))
    (unknown,) = data["unknown_units"]
    assert unknown["name"] == "Sở Tư pháp" and unknown["proposed_code"] == "so-tu-phap"
    assert unknown["where"] == ["trang 'Phụ lục', dòng 12 (chủ trì)"] and len(unknown["closest"]) == 3
    duty = next(d for d in data["duties"] if d["ref"] == "6")
    assert duty["unit"]["kind"] == "unknown" and duty["unit"]["codes"] == []


def test_tracker_sheet_with_other_header_names(run_cli, tmp_path: Path) -> None:
    data = imported(run_cli, assignment_workbook(tmp_path / "phu-luc.xlsx"), "--sheet", "Theo dõi văn bản")
    assert {role: cols[0]["header"] for role, cols in data["columns"].items()} == {
        "ref": "Số TT", "title": "Tên gọi văn bản", "lead": "Cơ quan soạn thảo", "person": "Người xử lý",
        "deadline": "Ngày dự kiến trình ban hành", "note": "Ghi chú"}
    assert [d["unit"]["codes"] for d in data["duties"]] == [["phong-kinh-te"], ["phong-tai-chinh-ke-hoach"],
                                                             ["phong-kinh-te"]]
    assert data["duties"][1]["deadline"]["plan"]["recurrence"]["due_date"] == "2026-09-30"
    assert data["duties"][2]["deadline"]["kind"] == "unread" and data["duties"][2]["flags"]
    assert data["duties"][0]["note"] == "Nguyễn Văn A"
    for duty in data["duties"]:
        accounted(duty)


def test_csv_without_diacritics_and_docx_table_with_merged_header(run_cli, tmp_path: Path) -> None:
    data = imported(run_cli, assignment_csv(tmp_path / "theo-doi.csv"))
    assert [d["unit"]["codes"][:1] for d in data["duties"]] == [["phong-kinh-te"], ["phuong-ba-ngoi"], ["phong-quan-ly-do-thi"]]
    assert data["duties"][0]["deadline"]["plan"]["recurrence"]["due_date"] == "2026-06-30"
    assert data["duties"][1]["deadline"]["plan"]["recurrence"] == {"every": "half_year", "due_month": 6, "due_day": 15}
    assert data["duties"][2]["deadline"]["plan"]["recurrence"]["every"] == "month"
    for duty in data["duties"]:
        accounted(duty)
    data = imported(run_cli, assignment_docx(tmp_path / "ke-hoach.docx"))
    assert data["header_rows"] == [1, 2]
    assert data["columns"]["lead"][0]["header"] == "Đơn vị thực hiện / Chủ trì"
    assert [d["unit"]["codes"] for d in data["duties"]] == [["phong-van-hoa-thong-tin"], ["phong-tai-nguyen-moi-truong"]]
    assert data["duties"][1]["coordinating"][0]["codes"] == ["phong-kinh-te"]
    assert data["duties"][1]["deadline"]["plan"]["recurrence"]["due_date"] == "2026-06-30"


def test_columns_option_names_columns_outright(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "bang.csv"
    path.write_text("Việc;Ai làm;Khi nào\nRà soát hợp tác xã;Phòng Kinh tế;quý IV/2026\n", encoding="utf-8")
    refused = run_cli("plan", "import", path, "--dry-run", "--json")
    assert refused.exit_code != 0 and "--columns" in refused.stderr
    data = imported(run_cli, path, "--columns", "title=A,unit=B,deadline=C")
    (duty,) = data["duties"]
    assert duty["unit"]["codes"] == ["phong-kinh-te"] and duty["deadline"]["plan"]["recurrence"]["due_date"] == "2026-12-31"
    bad = run_cli("plan", "import", path, "--dry-run", "--columns", "tieu_de=A")
    assert bad.exit_code == 2 and "--columns: không hiểu 'tieu_de=A'" in bad.stderr


def test_draft_written_to_out_is_read_by_validate_and_nothing_else_is_written(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "nhap"
    result = run_cli("plan", "import", assignment_workbook(tmp_path / "phu-luc.xlsx"), "--out", out)
    assert result.exit_code == 0, result.stderr
    text = (out / "plan.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    assert doc["version"] == 1 and len(doc["duties"]) == 11 and doc["plan"]["status"] == "draft"
    first = doc["duties"][0]
    assert first["unit"] == "phong-kinh-te" and first["coordinating"] == ["phong-tai-chinh-ke-hoach"]
    assert first["deadline_source"] == "plan" and first["recurrence"]["why"] == "Bảng ghi: “Quý I/2026”"
    assert "# trang 'Phụ lục', dòng 7" in text and "cột B" in text, "every duty says where it came from"
    proposed = next(u for u in doc["units"] if u["code"] == "so-tu-phap")
    assert proposed["name"] == "Sở Tư pháp" and "ĐỀ XUẤT ĐƠN VỊ MỚI" in text
    assert {u["code"] for u in doc["units"]} >= {d["unit"] for d in doc["duties"] if "unit" in d}
    assert not (tmp_path / "x.db").exists(), "nothing is written to the database"
    checked = run_cli("validate", "--config", out)
    problems = [line for line in checked.stderr.splitlines() if "plan.yaml:" in line]
    assert checked.exit_code == 2 and problems
    assert all("thiếu khóa bắt buộc" in line for line in problems), problems  # read whole: only what a person adds
    again = run_cli("plan", "import", assignment_workbook(tmp_path / "phu-luc.xlsx"), "--out", out)
    assert again.exit_code == 2 and "không ghi đè" in again.stderr
    assert (out / "plan.yaml").read_text(encoding="utf-8") == text


@pytest.mark.parametrize("option", [[], ["--dry-run"]])
def test_import_needs_out_or_dry_run(run_cli, tmp_path: Path, option: list[str]) -> None:
    result = run_cli("plan", "import", assignment_csv(tmp_path / "t.csv"), *option)
    assert (result.exit_code == 0) == bool(option), result.stderr
    assert not list(tmp_path.glob("**/plan.yaml"))
