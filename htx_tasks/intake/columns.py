"""Finding an assignment table's header and its columns by the names offices give them.

Names are compared folded (no diacritics, any dash): "Cơ quan chủ trì", "Đơn vị chủ trì", "Co quan
chu tri", "Cơ quan soạn thảo" all name the lead unit's column. A header may take several rows
("Cơ quan thực hiện" merged over "Chủ trì" | "Phối hợp"): each column is named by the texts
above it, top to bottom. ``--columns title=B,unit=C`` names a column outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from htx_tasks.core.vntext import fold
from htx_tasks.intake.errors import IntakeError, column_index, column_letter, upper_first
from htx_tasks.intake.grid import Sheet

# checked in this order: the first role whose pattern a header's folded text matches
ROLES: list[tuple[str, str]] = [
    ("ref", r"^(?:so )?(?:stt|tt|so thu tu|thu tu)$"),
    ("coordinating", r"phoi hop"),
    ("deadline", r"thoi (?:gian|han)|\bhan (?:hoan thanh|xu ly|chot|nop)|^han$|tien do|"
                 r"\bngay (?:du kien|hoan thanh|trinh|ban hanh)|moc (?:thoi gian|hoan thanh)"),
    ("lead", r"chu tri|soan thao|(?:co quan|don vi)(?: chiu trach nhiem| thuc hien| thu ly| tham muu| giao)?$|"
             r"(?:co quan|don vi) (?:thuc hien|chiu trach nhiem|thu ly|tham muu)"),
    ("product", r"san pham|ket qua|hinh thuc"),
    ("person", r"nguoi (?:xu ly|thuc hien|phu trach|theo doi)|can bo (?:phu trach|theo doi)|chuyen vien"),
    ("note", r"ghi chu|tinh trang|trang thai"),
    ("title", r"noi dung|nhiem vu|ten (?:goi )?(?:van ban|nhiem vu|de an|cong viec|du an)|cong viec|de an|ten van ban|"
              r"danh muc"),
]
LABELS = {"ref": "số thứ tự", "title": "nội dung nhiệm vụ", "lead": "cơ quan chủ trì", "coordinating": "cơ quan phối hợp",
          "deadline": "thời hạn", "product": "sản phẩm", "person": "người xử lý", "note": "ghi chú"}
OPTION_KEYS = {"ref": "ref", "stt": "ref", "title": "title", "unit": "lead", "lead": "lead",
               "coordinating": "coordinating", "deadline": "deadline", "product": "product", "note": "note"}
SINGLE = ("ref", "title", "lead", "deadline", "product")  # one column each; several "phối hợp" columns are joined
_NUMBERING = re.compile(r"^\(?(?:\d{1,2}|[a-z]|[ivx]+)\)?(?:\s*=\s*.*)?$")


@dataclass(frozen=True)
class Layout:
    header_rows: tuple[int, ...]  # 0-based; empty when no header was found (columns given by --columns)
    first_row: int  # the first row that may hold a duty
    columns: dict[str, list[int]]  # role → columns
    headers: dict[int, str]  # column → its header text as written (rows joined by " / ")
    title_rows: tuple[str, ...] = ()  # texts above the header (the table's own title)


def role_of(text: str) -> str | None:
    key = fold(text)
    if not key or len(key) > 90:
        return None
    key = re.sub(r"[^a-z0-9 ]+", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    return next((role for role, pattern in ROLES if re.search(pattern, key)), None)


def parse_columns(option: str | None) -> dict[str, int]:
    """``title=B,unit=C,deadline=M`` → {"title": 1, "lead": 2, "deadline": 12}."""
    given: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in (option or "").split(","))):
        key, _, letter = part.partition("=")
        role = OPTION_KEYS.get(key.strip().lower())
        index = column_index(letter)
        if role is None or index is None:
            raise IntakeError(f"--columns: không hiểu '{part}'. Dạng đúng: title=B,unit=C,coordinating=D,deadline=M,"
                              "product=N (tên khóa: " + ", ".join(sorted(set(OPTION_KEYS))) + ").")
        given[role] = index
    return given


def _row_roles(sheet: Sheet, row: int) -> dict[int, str]:
    found = {}
    for column, text in enumerate(sheet.rows[row]):
        role = role_of(text)
        if role:
            found[column] = role
    return found


def _continues(sheet: Sheet, block: list[int], row: int) -> bool:
    """Whether ``row`` is one more row of the header: a header cell is merged down into it, or it
    names the parts of a header cell merged across ("Cơ quan thực hiện" over "Chủ trì" | "Phối hợp")."""
    if row >= len(sheet.rows):
        return False
    texts = [t for t in sheet.rows[row] if t]
    if not texts or any(len(t) > 90 for t in texts):
        return False
    spans = [m for m in sheet.merged if block[0] <= m[0] <= block[-1]]
    if any(r2 >= row for _, _, r2, _ in spans):
        return True
    across = [(c1, c2) for _, c1, r2, c2 in spans if c2 > c1 and r2 == row - 1]
    filled = [c for c, t in enumerate(sheet.rows[row]) if t]
    under = [c for c in filled if any(c1 <= c <= c2 for c1, c2 in across)]
    return bool(under) and (len(under) == len(filled) or all(role_of(sheet.cell(row, c)) for c in under))


def find_layout(sheet: Sheet, given: dict[str, int], search: int = 30) -> Layout:
    best: int | None = None
    best_roles: dict[int, str] = {}
    for row in range(min(search, len(sheet.rows))):
        roles = _row_roles(sheet, row)
        kinds = set(roles.values())
        if len(kinds) >= 2 and ("title" in kinds or "lead" in kinds) and len(kinds) > len(set(best_roles.values())):
            best, best_roles = row, roles
    if best is None:
        if "title" not in given:
            raise IntakeError(f"{upper_first(sheet.where) or 'Bảng'}: không tìm thấy dòng tiêu đề (các cột như 'Nội dung', "
                              "'Cơ quan chủ trì', 'Thời hạn') trong 30 dòng đầu. Hãy chỉ rõ cột bằng "
                              "--columns title=B,unit=C,deadline=D (và --sheet TÊN nếu cần).")
        return Layout((), 0, {k: [v] for k, v in given.items()}, {})
    top = min([r1 for r1, _, r2, _ in sheet.merged if best - 3 <= r1 < best <= r2], default=best)
    block = list(range(top, best + 1))  # a header cell merged down into the best row starts the header
    while _continues(sheet, block, block[-1] + 1):
        block.append(block[-1] + 1)
    width = max(len(sheet.rows[r]) for r in block)
    headers: dict[int, str] = {}
    columns: dict[str, list[int]] = {}
    for column in range(width):
        parts = list(dict.fromkeys(t for r in block if (t := sheet.cell(r, column))))
        if not parts:
            continue
        headers[column] = " / ".join(parts)
        role = role_of(parts[-1]) or role_of(" ".join(parts))
        if role:
            columns.setdefault(role, []).append(column)
    for role, column in given.items():
        columns = {k: [c for c in v if c != column] for k, v in columns.items()}
        columns[role] = [column]
    for role in SINGLE:
        if len(columns.get(role, [])) > 1 and role not in given:
            letters = " và ".join(column_letter(c) for c in columns[role])
            raise IntakeError(
                f"{upper_first(sheet.place(block[-1]))}: các cột {letters} cùng mang tên '{LABELS[role]}' "
                f"({'; '.join(repr(headers[c]) for c in columns[role])}), có thể do ô tiêu đề bị gộp. Hãy chỉ rõ "
                f"cột nào bằng --columns {'unit' if role == 'lead' else role}=<cột>.")
    for role in ("title", "lead"):
        if role not in columns:
            option = "unit" if role == "lead" else role
            raise IntakeError(f"{upper_first(sheet.place(block[-1]))}: không tìm thấy cột '{LABELS[role]}' trong dòng tiêu đề "
                              f"({'; '.join(headers.values())}). Hãy chỉ rõ bằng --columns {option}=<cột>.")
    first = block[-1] + 1
    if first < len(sheet.rows) and all(_NUMBERING.match(fold(t)) for t in sheet.rows[first] if t) and any(sheet.rows[first]):
        first += 1  # the "(1) (2) (3)" row numbering the columns
    above = tuple(dict.fromkeys(t for r in range(block[0]) for t in sheet.rows[r] if t))
    return Layout(tuple(block), first, columns, headers, above)
