"""Column names as offices write them: each spelling names one role, however it is typed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htx_tasks.core.vntext import strip_marks
from htx_tasks.intake.columns import parse_columns, role_of
from htx_tasks.intake.errors import IntakeError, column_index, column_letter

SPELLINGS = [  # header texts from plan appendices and departments' tracking workbooks
    ("STT", "ref"), ("TT", "ref"), ("Số TT", "ref"), ("Số thứ tự", "ref"),
    ("Nội dung", "title"), ("Nội dung nhiệm vụ", "title"), ("Nội dung công việc", "title"), ("Nhiệm vụ", "title"),
    ("Tên nhiệm vụ", "title"), ("Tên gọi văn bản", "title"), ("Tên đề án", "title"), ("Danh mục văn bản", "title"),
    ("Cơ quan chủ trì", "lead"), ("Đơn vị chủ trì", "lead"), ("Chủ trì", "lead"), ("Cơ quan soạn thảo", "lead"),
    ("Đơn vị thực hiện", "lead"), ("Cơ quan thực hiện", "lead"), ("Cơ quan chủ trì thực hiện", "lead"),
    ("Đơn vị chịu trách nhiệm", "lead"), ("Cơ quan tham mưu", "lead"),
    ("Cơ quan phối hợp", "coordinating"), ("Đơn vị phối hợp", "coordinating"), ("Phối hợp", "coordinating"),
    ("Thời gian hoàn thành", "deadline"), ("Thời hạn", "deadline"), ("Thời hạn hoàn thành", "deadline"),
    ("Thời gian thực hiện", "deadline"), ("Hạn hoàn thành", "deadline"), ("Tiến độ", "deadline"),
    ("Ngày dự kiến trình ban hành", "deadline"), ("Thời gian trình", "deadline"), ("Mốc thời gian", "deadline"),
    ("Sản phẩm", "product"), ("Sản phẩm đầu ra", "product"), ("Kết quả/sản phẩm", "product"),
    ("Hình thức văn bản", "product"), ("Người xử lý", "person"), ("Chuyên viên theo dõi", "person"),
    ("Ghi chú", "note"), ("Tình trạng", "note"),
]


@pytest.mark.parametrize("text, role", SPELLINGS)
def test_real_spellings(text: str, role: str) -> None:
    assert role_of(text) == role


@given(st.sampled_from(SPELLINGS), st.sampled_from(["as is", "no marks", "upper", "lower", "spaced", "dotted"]))
def test_a_name_typed_another_way_names_the_same_column(spelling: tuple[str, str], how: str) -> None:
    text, role = spelling
    typed = {"as is": text, "no marks": strip_marks(text), "upper": text.upper(), "lower": text.lower(),
             "spaced": "  " + text.replace(" ", "   ") + " ", "dotted": text + ":"}[how]
    assert role_of(typed) == role


@pytest.mark.parametrize("text", ["", "Cam Ranh", "Phòng Kinh tế", "Quý I/2026", "x" * 200])
def test_what_is_not_a_column_name(text: str) -> None:
    assert role_of(text) is None


@given(st.integers(min_value=0, max_value=18_277))
def test_column_letters_round_trip(index: int) -> None:
    assert column_index(column_letter(index)) == index


def test_columns_option() -> None:
    assert parse_columns("title=B, unit=C,deadline=M,coordinating=AA") == {
        "title": 1, "lead": 2, "deadline": 12, "coordinating": 26}
    for bad in ("title=1", "han=M", "title"):
        with pytest.raises(IntakeError, match="--columns"):
            parse_columns(bad)
