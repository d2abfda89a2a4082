"""The command line maps each error kind of the services to its words and exit code, once:
typed wrong (``BadInput``, ``InvalidInput``, ``UnknownCode``) exit 2; refused or decided first
(``Refused``, ``Conflict``) exit 1; a plain ``ValueError`` or ``KeyError`` is a bug, never
dressed up as the person's mistake (no "Lỗi:" line, no exit 2: the exception itself surfaces).
"""

from __future__ import annotations

import pytest
from clikit import occurrence_id, ok, version_of

AT = ("--now", "2026-12-01T09:00")


@pytest.mark.parametrize(("args", "code", "words"), [
    # BadInput: an option's value or options that do not go together
    (["report", "--from", "2026-13-01", "--to", "2026-12-31", *AT], 2,
     "--from: ngày không hợp lệ '2026-13-01' (định dạng YYYY-MM-DD)"),
    (["report", "--from", "2026-01-01", *AT], 2, "cần cả --from và --to"),
    (["registry", "export", "x.csv", "--as-of", "2026-01-01", "--history"], 2,
     "--as-of và --history không dùng cùng nhau"),
    (["registry", "import", "khong-co.csv", *AT], 2, "không tìm thấy tệp 'khong-co.csv'"),
    (["kpi", "--year", "1999", *AT], 2, "--year: năm 1999 chưa đến hoặc không hợp lệ"),
    # InvalidInput: a command model's field, named by its option
    (["waive", "{n}", "--note", " ", "--version", "{v}", *AT], 2, "--note: không được để trống"),
    # UnknownCode: a code the plan does not hold
    (["plan", "show", "khong-co"], 2, "không có kế hoạch mã 'khong-co'"),
    (["status", "--plan", "khong-co", *AT], 2, "không có kế hoạch mã 'khong-co'"),
    (["status", "--unit", "phuong-khong-co", *AT], 2, "không có đơn vị 'phuong-khong-co' trong kế hoạch"),
    # Refused: not allowed (nothing typed wrong)
    (["review", "{n}", "accept", "--note", "x", "--version", "{v}", *AT], 1, "chưa có báo cáo chờ duyệt"),
])
def test_each_error_kind_has_its_exit_code_and_words(ready, args, code, words) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    seen = version_of(ready, number)
    result = ready(*[a.replace("{n}", str(number)).replace("{v}", seen) for a in args])
    assert result.exit_code == code, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_somebody_deciding_first_is_a_refusal_exit_1_naming_what_happened(ready) -> None:
    number = occurrence_id(ready, "xa-tuyen-truyen", "phuong-ba-ngoi")
    seen = version_of(ready, number)
    ok(ready("waive", number, "--note", "Không còn phù hợp", "--version", seen, *AT))
    again = ready("waive", number, "--note", "Không còn phù hợp", "--version", seen, *AT)
    assert again.exit_code == 1
    assert f"Lỗi: nhiệm vụ số {number} đã có người xử lý trước" in again.stderr


@pytest.mark.parametrize("bug", [ValueError("invalid literal for int() with base 10: 'x'"), KeyError("duty")])
def test_a_value_or_key_error_from_a_bug_is_not_worded_as_the_persons_mistake(ready, monkeypatch, bug) -> None:
    from htx_tasks.cli import main

    def broken(*args, **kwargs):
        raise bug

    monkeypatch.setattr(main, "status_rows", broken)  # a bug inside a read model
    result = ready("status", *AT)
    assert result.exit_code == 1 and result.exit_code != 2
    assert result.exception is bug  # it surfaces as itself (a traceback on a terminal)
    assert "Lỗi:" not in result.output
