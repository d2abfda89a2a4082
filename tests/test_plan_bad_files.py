"""Bad files given to ``plan import``: a clear Vietnamese message naming where, a non-zero exit, nothing written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.intake_samples import assignment_workbook


def refused(run_cli, tmp_path: Path, path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    out = tmp_path / "nhap"
    result = run_cli("plan", "import", path, "--out", out, *args, env=env)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert not out.exists() and not (tmp_path / "x.db").exists(), "nothing is written"
    message = " ".join(result.stderr.split())
    assert message.startswith("Lỗi:") and "Traceback" not in message
    return message


def test_not_a_spreadsheet(run_cli, tmp_path: Path) -> None:
    png = tmp_path / "bang.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert "Tệp 'bang.xlsx'" in refused(run_cli, tmp_path, png) and "xét theo nội dung" in refused(run_cli, tmp_path, png)
    archive = tmp_path / "nen.xlsx"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "không phải bảng tính")
    assert "không phải bảng tính Excel (.xlsx)" in refused(run_cli, tmp_path, archive)
    from docx import Document

    document = Document()
    document.add_paragraph("Chỉ có lời, không có bảng")
    document.save(tmp_path / "loi.docx")
    assert "không có bảng nào" in refused(run_cli, tmp_path, tmp_path / "loi.docx") and "plan draft" in refused(
        run_cli, tmp_path, tmp_path / "loi.docx")
    assert "Không tìm thấy tệp" in refused(run_cli, tmp_path, tmp_path / "khong-co.xlsx")


def test_encrypted_workbook(run_cli, tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(assignment_workbook(tmp_path / "goc.xlsx").read_bytes())
    locked = tmp_path / "mat-khau.xlsx"
    with locked.open("wb") as handle:
        OOXMLFile(plain).encrypt("mat-khau-123", handle)
    message = refused(run_cli, tmp_path, locked)
    assert "mat-khau.xlsx" in message and "bảo vệ bằng mật khẩu" in message


@pytest.mark.parametrize("suffix, part", [(".docx", "word/document.xml"), (".xlsx", "xl/workbook.xml")])
def test_zip_bomb(run_cli, tmp_path: Path, suffix: str, part: str) -> None:
    bomb = tmp_path / f"bom{suffix}"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, b"<x>" + b" " * (3 * 1024 * 1024) + b"</x>")
    assert bomb.stat().st_size < 100_000
    message = refused(run_cli, tmp_path, bomb, env={"HTX_INTAKE_MAX_INFLATED_MB": "2"})
    assert f"bom{suffix}" in message and "khi giải nén vượt 2 MB" in message and "HTX_INTAKE_MAX_INFLATED_MB" in message


def test_100000_rows(run_cli, tmp_path: Path) -> None:
    table = tmp_path / "lon.csv"
    table.write_text("STT,Nội dung,Cơ quan chủ trì,Thời hạn\n"
                     + "".join(f"{i},Việc {i},Phòng Kinh tế,Quý I/2026\n" for i in range(100_000)), encoding="utf-8")
    message = refused(run_cli, tmp_path, table)
    assert "lon.csv" in message and "hơn 5.000 dòng" in message and "HTX_INTAKE_MAX_ROWS" in message
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Nhiệm vụ")
    sheet.append(["STT", "Nội dung", "Cơ quan chủ trì", "Thời hạn"])
    for i in range(100_000):
        sheet.append([i, f"Việc {i}", "Phòng Kinh tế", "Quý I/2026"])
    book.save(tmp_path / "lon.xlsx")
    message = refused(run_cli, tmp_path, tmp_path / "lon.xlsx", env={"HTX_INTAKE_MAX_ROWS": "50000"})
    assert "trang 'Nhiệm vụ'" in message and "hơn 50.000 dòng" in message


def test_merged_header_cells_that_hide_which_column_is_which(run_cli, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Giao việc"
    sheet.append(["Kế hoạch"])
    sheet.append([])
    sheet.append(["TT", "Nội dung", "Cơ quan chủ trì", None, "Thời hạn"])
    sheet.merge_cells("C3:D3")
    sheet.append([1, "Rà soát hợp tác xã", "Phòng Kinh tế", "Phòng TC-KH", "Quý I/2026"])
    book.save(tmp_path / "gop.xlsx")
    message = refused(run_cli, tmp_path, tmp_path / "gop.xlsx")
    assert "Trang 'Giao việc', dòng 3" in message and "các cột C và D" in message and "--columns unit=" in message
    ok = run_cli("plan", "import", tmp_path / "gop.xlsx", "--dry-run", "--json", "--columns", "unit=C,coordinating=D")
    assert ok.exit_code == 0, ok.stderr


def test_formula_only_column(run_cli, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tiến độ"
    sheet.append(["STT", "Nội dung", "Đơn vị chủ trì", "Hạn hoàn thành"])
    for i in range(1, 4):
        sheet.append([i, f"Việc {i}", "Phòng Kinh tế", f"=DATE(2026,{i * 3},30)"])
    book.save(tmp_path / "cong-thuc.xlsx")  # openpyxl stores formulas without their values, as programs do
    message = refused(run_cli, tmp_path, tmp_path / "cong-thuc.xlsx")
    assert "Trang 'Tiến độ', dòng 2, cột D (thời hạn)" in message and "=DATE(2026,3,30)" in message
    assert "3 ô như vậy trong cột D" in message and "lưu lại" in message


def test_too_large_a_file(run_cli, tmp_path: Path) -> None:
    big = tmp_path / "to.csv"
    big.write_bytes(b"STT,Noi dung\n" + b"1,x\n" * 300_000)
    message = refused(run_cli, tmp_path, big, env={"HTX_INTAKE_MAX_MB": "1"})
    assert "to.csv" in message and "giới hạn 1 MB (HTX_INTAKE_MAX_MB)" in message


def test_a_bad_limit_setting_is_named(run_cli, tmp_path: Path) -> None:
    result = run_cli("plan", "import", tmp_path / "x.csv", "--dry-run", env={"HTX_INTAKE_MAX_ROWS": "nhiều"})
    assert result.exit_code == 2 and "HTX_INTAKE_MAX_ROWS" in result.stderr and "'nhiều'" in result.stderr
