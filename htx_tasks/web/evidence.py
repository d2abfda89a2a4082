"""Evidence files: type checked from their content, names sanitised, stored by content hash.

A file is accepted only when its first bytes prove it is a PDF, DOCX, XLSX, JPEG or PNG and its
extension says the same. It is stored as ``<dir>/<ab>/<sha256>`` (no extension, no user-chosen
part), so a stored name can never be a path a visitor picked; it is served only as a download.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from htx_tasks.core.archives import unpacked_size

KINDS = {  # detected kind → (extensions accepted, content type served)
    "pdf": ((".pdf",), "application/pdf"),
    "docx": ((".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "jpg": ((".jpg", ".jpeg"), "image/jpeg"),
    "png": ((".png",), "image/png"),
}
ALLOWED_TEXT = "PDF, DOCX, XLSX, JPG, PNG"


class EvidenceError(Exception):
    """A file refused, with the reason in Vietnamese."""


@dataclass(frozen=True)
class Checked:
    name: str
    kind: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sanitise_name(raw: str) -> str:
    """The last path component, NFC, letters/digits/space/.-_ only, at most 120 characters."""
    name = re.split(r"[\\/]", unicodedata.normalize("NFC", raw or ""))[-1]
    name = "".join(ch for ch in name if ch.isalnum() or ch in " .-_()")
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if len(name) > 120:
        name = (stem[: 119 - len(ext)] + dot + ext) if dot else name[:120]
    return name or "tep"


def detect(data: bytes) -> str | None:
    """The kind proven by the content, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "docx"
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx"
    return None


def check(raw_name: str, data: bytes, limit: int, *, inflated_limit: int) -> Checked:
    """The file as accepted (its kind proven by its content), or an ``EvidenceError`` saying why not."""
    if re.search(r"[\\/]|^\.|\.\.|[\x00-\x1f]", raw_name or ""):
        raise EvidenceError("Tên tệp không hợp lệ (có đường dẫn thư mục hoặc ký tự đặc biệt); "
                            "vui lòng đổi tên tệp rồi gửi lại.")
    name = sanitise_name(raw_name)
    if len(data) > limit:
        raise EvidenceError(f"Tệp '{name}' quá lớn ({len(data) / 1048576:.1f} MB); "
                            f"giới hạn {limit / 1048576:.0f} MB.")
    if not data:
        raise EvidenceError(f"Tệp '{name}' rỗng.")
    kind = detect(data)
    suffix = Path(name).suffix.lower()
    if kind is None or suffix not in KINDS[kind][0]:
        raise EvidenceError(f"Tệp '{name}' không đúng loại cho phép ({ALLOWED_TEXT}); "
                            "loại tệp được kiểm tra theo nội dung, không theo tên.")
    if kind in ("docx", "xlsx"):
        try:
            inflated = unpacked_size(data, inflated_limit)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError):
            raise EvidenceError(f"Tệp '{name}' bị hỏng, không mở được; vui lòng lưu lại tệp rồi gửi lại.") from None
        if inflated > inflated_limit:
            raise EvidenceError(f"Tệp '{name}' khi giải nén vượt {inflated_limit / 1048576:.0f} MB (tệp nén bất "
                                "thường); vui lòng lưu lại tệp hoặc chuyển sang PDF rồi gửi lại.")
    return Checked(name=name, kind=kind, data=data)


def store(root: Path, checked: Checked) -> tuple[Path, bool]:
    """Write the file once under its hash (atomically); returns its path and whether it is new."""
    digest = checked.sha256
    path = root / digest[:2] / digest
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(checked.data)
        os.replace(tmp, path)
    except BaseException:  # a full disk: no partial file left behind to fill it further
        Path(tmp).unlink(missing_ok=True)
        raise
    return path, True


def stored_path(root: Path, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise EvidenceError("Mã tệp không hợp lệ.")
    return root / sha256[:2] / sha256
