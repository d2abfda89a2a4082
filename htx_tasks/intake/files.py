"""A file handed to ``plan import`` or ``plan draft``: its kind proven by its content, within limits.

Nothing is opened by a library before the checks pass: size, kind (a .xlsx is a zip holding a
workbook, whatever its name), password protection (an encrypted Office file is an OLE container),
and the unpacked size of a .docx/.xlsx (a zip bomb's headers may lie, so it is measured by
inflating). Each refusal is an :class:`IntakeError` in Vietnamese naming the file.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from htx_tasks.core.archives import unpacked_size
from htx_tasks.intake.errors import IntakeError, Limits

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NAMES = {"xlsx": "bảng tính Excel (.xlsx)", "csv": "bảng CSV", "docx": "văn bản Word (.docx)",
         "pdf": "tệp PDF", "txt": "văn bản thuần (.txt)"}


@dataclass(frozen=True)
class Loaded:
    path: Path
    kind: str  # xlsx, csv, docx, pdf, txt
    data: bytes

    @property
    def name(self) -> str:
        return self.path.name


def _zip_kind(data: bytes) -> str | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return False
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls <= len(sample) // 100


def load(path: Path, limits: Limits, allowed: tuple[str, ...]) -> Loaded:
    """Read ``path`` if it is one of the ``allowed`` kinds and within ``limits``."""
    wanted = ", ".join(NAMES[k] for k in allowed)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IntakeError(f"'{path}' không phải là tệp.")
        if size > limits.max_bytes:
            raise IntakeError(f"Tệp '{path.name}' quá lớn ({size / 1048576:.1f} MB); giới hạn "
                              f"{limits.max_bytes / 1048576:g} MB (HTX_INTAKE_MAX_MB). Không có gì được ghi.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise IntakeError(f"Không tìm thấy tệp '{path}'.") from None
    except IsADirectoryError:
        raise IntakeError(f"'{path}' là một thư mục, không phải tệp.") from None
    except PermissionError:
        raise IntakeError(f"Không có quyền đọc tệp '{path}'.") from None
    if not data.strip():
        raise IntakeError(f"Tệp '{path.name}' rỗng: không có gì để đọc.")
    if data.startswith(OLE):
        if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data.replace(b"\x00", b""):
            raise IntakeError(f"Tệp '{path.name}' được bảo vệ bằng mật khẩu (đã mã hóa), không đọc được. Hãy mở tệp, "
                              "bỏ mật khẩu, lưu lại rồi nhập lại.")
        raise IntakeError(f"Tệp '{path.name}' ở định dạng Office cũ (.xls hoặc .doc). Hãy mở tệp và lưu lại dạng "
                          ".xlsx hoặc .docx rồi nhập lại.")
    kind = _kind(path, data)
    if kind not in allowed:
        found = NAMES.get(kind or "", "không phải " + wanted)
        raise IntakeError(f"Tệp '{path.name}' là {found}, không phải {wanted}: lệnh này không đọc được. "
                          "Loại tệp được xét theo nội dung, không theo tên.")
    if kind in ("docx", "xlsx"):
        try:
            inflated = unpacked_size(data, limits.max_inflated)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError):
            raise IntakeError(f"Tệp '{path.name}' bị hỏng, không mở được. Hãy mở bằng Word/Excel, lưu lại rồi "
                              "nhập lại.") from None
        if inflated > limits.max_inflated:
            raise IntakeError(f"Tệp '{path.name}' khi giải nén vượt {limits.max_inflated / 1048576:g} MB "
                              "(HTX_INTAKE_MAX_INFLATED_MB): tệp nén bất thường, không đọc. Không có gì được ghi.")
    if kind == "pdf" and b"/Encrypt" in data:
        raise IntakeError(f"Tệp '{path.name}' là PDF được bảo vệ (mã hóa), không đọc được chữ. Hãy xuất lại PDF không "
                          "đặt mật khẩu.")
    return Loaded(path, kind, data)


def _kind(path: Path, data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_text(data):
        return "txt" if path.suffix.lower() in (".txt", ".md", "") else "csv"
    return None


def decode_text(loaded: Loaded) -> str:
    """UTF-8 (with or without BOM), else Windows-1258 as Vietnamese Excel saves CSV."""
    try:
        return loaded.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return loaded.data.decode("cp1258")
    except UnicodeDecodeError:
        raise IntakeError(f"Tệp '{loaded.name}' không phải văn bản UTF-8 hay Windows-1258: không đọc được chữ.") from None
