"""Reading a posted form within its limits, and keeping what was typed in case the post fails.

Every POST reads its form here first, before the database is asked anything: a form over its
limits (a field too long, too many fields or files) gets a Vietnamese 413/400 page, and what the
person typed is kept in ``request.state`` so that a fault page (``faults``) can hand it back in a
form to send again. A password is never kept.
"""

from __future__ import annotations

import re

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from htx_tasks.core.coops import FIELDS
from htx_tasks.web.deps import PageError

NEVER_KEPT = {"password"}
HIDDEN = {"csrf", "version", "seen", "decision", "tech"}  # sent back as they came, not shown
LABELS = {f.name: f.header for f in FIELDS} | {
    "note": "Nội dung", "results": "Kết quả đạt được", "difficulties": "Khó khăn, vướng mắc",
    "proposals": "Đề xuất, kiến nghị", "evidence_url": "Đường dẫn minh chứng", "reason": "Lý do",
    "proposed": "Ngày đề nghị gia hạn (năm-tháng-ngày)"}


async def read_form(request: Request, *, max_files: int = 0, max_fields: int = 20,
                    max_part_size: int = 64 * 1024) -> FormData:
    """The posted form, or a Vietnamese page saying which limit it broke."""
    try:
        form = await request.form(max_files=max_files, max_fields=max_fields, max_part_size=max_part_size)
    except HTTPException as exc:  # Starlette's MultiPartException, in English
        raise refusal(str(exc.detail), max_files=max_files, max_fields=max_fields,
                      max_part_size=max_part_size) from None
    request.state.typed = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in NEVER_KEPT]
    request.state.had_files = any(isinstance(v, UploadFile) for _, v in form.multi_items())
    return form


def refusal(detail: str, *, max_files: int, max_fields: int, max_part_size: int) -> PageError:
    if re.search(r"exceeded maximum size", detail):
        return PageError(413, f"Một mục của biểu mẫu dài quá {max_part_size // 1024} kB (ví dụ nội dung báo cáo "
                              "dán từ văn bản khác). Vui lòng rút gọn hoặc gửi nội dung dài dưới dạng tệp.",
                         "Nội dung quá dài")
    if detail.startswith("Too many files"):
        return PageError(400, f"Mỗi lần gửi được tối đa {max_files} tệp. Vui lòng gộp tệp (ví dụ thành một tệp "
                              "PDF) rồi gửi lại.", "Quá nhiều tệp")
    if detail.startswith("Too many fields"):
        return PageError(400, f"Biểu mẫu gửi lên có quá nhiều mục (tối đa {max_fields}). Vui lòng mở lại trang "
                              "từ liên kết trong thông báo rồi gửi lại.")
    return PageError(400, "Không đọc được biểu mẫu gửi lên. Vui lòng mở lại trang từ liên kết trong thông báo "
                          "rồi gửi lại.")


def kept(request: Request) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]], bool]:
    """What was typed in the failed post: hidden fields, shown fields (name, label, value), had files."""
    typed = getattr(request.state, "typed", None) or []
    hidden = [(k, v) for k, v in typed if k in HIDDEN or k not in LABELS]
    shown = [(k, LABELS[k], v) for k, v in typed if k not in HIDDEN and k in LABELS]
    return hidden, shown, bool(getattr(request.state, "had_files", False))
