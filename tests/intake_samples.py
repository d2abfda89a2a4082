"""Assignment tables as offices keep them, made for the import tests (xlsx, csv, docx)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

TITLE = "PHỤ LỤC: DANH MỤC NHIỆM VỤ THỰC HIỆN KẾ HOẠCH PHÁT TRIỂN KINH TẾ TẬP THỂ NĂM 2026"
# (STT, nội dung, chủ trì, phối hợp, thời gian hoàn thành, sản phẩm): the duty rows of the main sheet
ROWS: list[tuple[str, str, object, str, object, str]] = [
    ("1", "Tham mưu UBND thành phố ban hành kế hoạch hỗ trợ hợp tác xã năm 2026", "Phòng Kinh tế",
     "Phòng TC-KH", "Quý I/2026", "Kế hoạch của UBND thành phố"),
    ("2", "Rà soát hợp tác xã ngừng hoạt động, đề xuất giải thể", "Phòng Tài chính - Kế hoạch",
     "Phòng KT; UBND các xã, phường", "Tháng 03/2026", "Danh sách hợp tác xã đề nghị giải thể"),
    ("3", "Báo cáo tình hình hợp tác xã trên địa bàn", "UBND các xã, phường", "",
     "hằng quý, trước ngày 15 tháng cuối quý", "Báo cáo quý"),
    ("4", "Trình HĐND thành phố chính sách hỗ trợ thành lập mới hợp tác xã", "Phòng Kinh tế", "Phòng TC-KH",
     "Kỳ họp chuyên đề tháng 5/2026", "Tờ trình, dự thảo nghị quyết"),
    ("5", "Tuyên truyền mô hình hợp tác xã kiểu mới", "Trung tâm VH-TT&TT", "Phòng Văn hóa - Thông tin",
     "Thường xuyên", "Tin, bài, phóng sự"),
    ("6", "Thẩm định hồ sơ đăng ký hợp tác xã", "Sở Tư pháp", "Phòng Tài chính – Kế hoạch",
     dt.datetime(2026, 6, 30), "Văn bản thẩm định"),
    ("7", "Hỗ trợ xây dựng thương hiệu sản phẩm hợp tác xã", "Phòng Kinh tế", "",
     "Giai đoạn 2026-2030", ""),
    ("8", "Tổng kết, đánh giá kết quả thực hiện kế hoạch", "Phong Kinh te", "cac co quan, don vi lien quan",
     "Trước ngày 15/12/2026", "Báo cáo tổng kết"),
    ("9", "Cập nhật cơ sở dữ liệu hợp tác xã", "Phòng Kinh tế", "", "", "Cơ sở dữ liệu"),
]


def assignment_workbook(path: Path) -> Path:
    """Two-row header with merged cells, a column-numbering row, a group row, a lead merged down."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Phụ lục"
    ws["A1"] = TITLE
    ws.merge_cells("A1:G1")
    ws.append([])
    ws.append(["STT", "Nội dung nhiệm vụ", "Cơ quan thực hiện", None, "Thời gian hoàn thành", "Sản phẩm", "Ghi chú"])
    ws.append([None, None, "Chủ trì", "Phối hợp", None, None, None])
    for column in "ABEFG":
        ws.merge_cells(f"{column}3:{column}4")
    ws.merge_cells("C3:D3")
    ws.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"])
    ws.append(["I", "LĨNH VỰC KINH TẾ TẬP THỂ"])
    ws.merge_cells("B6:G6")
    for ref, title, lead, coordinating, deadline, product in ROWS:
        ws.append([ref, title, lead, coordinating or None, deadline, product or None, None])
    # rows 7 and 8 (duties 1 and 2): the lead of duty 1 merged down? no: duty 9's lead merged with an extra row
    ws.append(["10", "Hướng dẫn hợp tác xã chuyển đổi số", "Phòng Kinh tế", None, "Năm 2026", "Báo cáo kết quả", None])
    ws.append(["11", "Tập huấn cán bộ hợp tác xã về thương mại điện tử", None, None, "Quý III/2026", "Lớp tập huấn", None])
    ws.merge_cells("C16:C17")
    ws["C16"] = "Phòng Kinh tế"
    ws.append([None, None, None, None, None, None, "Đã giao tại cuộc họp ngày 05/01/2026"])
    tracker = book.create_sheet("Theo dõi văn bản")
    tracker.append(["Số TT", "Tên gọi văn bản", "Cơ quan soạn thảo", "Người xử lý", "Ngày dự kiến trình ban hành", "Ghi chú"])
    tracker.append([1, "Quyết định ban hành quy chế phối hợp quản lý hợp tác xã", "Phòng KT", "Nguyễn Văn A",
                    "Đăng ký Quý II/2026", None])
    tracker.append([2, "Kế hoạch kiểm tra hợp tác xã năm 2026", "Phòng TC-KH", "Trần Thị B", "Tháng 9/2026", None])
    tracker.append([3, "Nghị quyết hỗ trợ hợp tác xã", "Phòng Kinh tế", "Lê C",
                    "Kỳ họp HĐND giữa năm 2026 (đề nghị chuyển sang Kỳ họp giữa năm 2026)", None])
    book.save(path)
    return path


def assignment_csv(path: Path) -> Path:
    """No diacritics, semicolons, as a tracker exported from another program."""
    lines = ["TT;Noi dung cong viec;Don vi chu tri;Don vi phoi hop;Thoi han;Ket qua/san pham",
             "1;Rà soát danh sách hợp tác xã;Phong Kinh te;Phong TC-KH;quy II nam 2026;Danh sách",
             "2;Báo cáo 6 tháng;UBND cac xa, phuong;;dinh ky 6 thang (truoc ngay 15/6 va 15/12);Báo cáo",
             "3;Họp giao ban;Phòng Quản lý đô thị;;hang thang;Biên bản"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assignment_docx(path: Path) -> Path:
    """A 'Phụ lục' table inside a Word document, a header cell merged across two columns."""
    from docx import Document

    document = Document()
    document.add_paragraph("PHỤ LỤC NHIỆM VỤ")
    table = document.add_table(rows=4, cols=5)
    header = ["TT", "Nhiệm vụ", "Đơn vị thực hiện", "", "Thời hạn"]
    for column, text in enumerate(header):
        table.cell(0, column).text = text
    table.cell(0, 2).merge(table.cell(0, 3))
    table.cell(0, 2).text = "Đơn vị thực hiện"
    sub = ["", "", "Chủ trì", "Phối hợp", ""]
    for column, text in enumerate(sub):
        if text:
            table.cell(1, column).text = text
    table.cell(0, 0).merge(table.cell(1, 0))
    table.cell(0, 1).merge(table.cell(1, 1))
    table.cell(0, 4).merge(table.cell(1, 4))
    data = [["1", "Đăng tải văn bản về kinh tế tập thể", "Phòng Văn hóa - Thông tin", "", "trong tháng 6/2026"],
            ["2", "Bố trí quỹ đất cho hợp tác xã", "Phòng TN&MT", "Phòng Kinh tế", "6 tháng đầu năm 2026"]]
    for r, row in enumerate(data, start=2):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.save(path)
    return path
