"""A draft plan in the shape of ``config/plan.yaml``, every field with a comment saying where it came from.

The draft is YAML that ``htx-tasks validate`` reads: what the file gave is written; what it did
not give is left out and listed at the top (``validate`` then names each missing key), never
filled with a guess. Units not in the office's directory are proposed as new units, marked so.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from htx_tasks.core.unit_match import DirectoryUnit
from htx_tasks.core.vntext import fold, slug

Value = Any


@dataclass
class Entry:
    """One item of a list section (a unit, a duty...): keys in order, each with its source note."""

    fields: list[tuple[str, Value, str]] = field(default_factory=list)
    heading: str = ""  # a comment line above the item
    # for a duty, what the coordinator's review shows beside it (``services.drafts``): where it came from
    # (``source``), the unit and deadline as written and as understood, whether the unit is surely known
    review: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, value: Value, note: str = "") -> Entry:
        if value is not None and value != [] and value != "":
            self.fields.append((key, value, note))
        return self

    def get(self, key: str) -> Value:
        return next((v for k, v, _ in self.fields if k == key), None)


@dataclass
class Draft:
    source: str  # the file read
    plan: Entry = field(default_factory=Entry)
    policy: dict[str, Any] | None = None
    indicators: list[Entry] = field(default_factory=list)
    task_groups: list[Entry] = field(default_factory=list)
    units: list[Entry] = field(default_factory=list)
    duties: list[Entry] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # what could not be read: for a person

    def unit_codes(self) -> set[str]:
        return {e.get("code") for e in self.units}


def scalar(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items() if v is not None) + "}"
    text = str(value)
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*", text) and not re.fullmatch(r"(?:true|false|null|yes|no|on|off|\d+)", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _note(note: str) -> str:
    note = " ".join(note.split())
    return f"  # {note}" if note else ""


def _entry(lines: list[str], entry: Entry, indent: str) -> None:
    if entry.heading:
        lines.append(f"{indent}# {' '.join(entry.heading.split())}")
    for i, (key, value, note) in enumerate(entry.fields):
        lead = f"{indent}- " if i == 0 else f"{indent}  "
        lines.append(f"{lead}{key}: {scalar(value)}{_note(note)}")


def render(draft: Draft, title: str) -> str:
    lines = [f"# {title}", f"# Lập tự động từ tệp: {draft.source}.",
             "# BẢN NHÁP: chưa mở, chưa gửi việc nào. Mỗi khóa ghi kèm nơi lấy trong tệp gốc; cơ quan thường trực",
             "# rà soát, bổ sung các khóa còn thiếu (htx-tasks validate liệt kê từng khóa) rồi mới đưa vào theo dõi."]
    if draft.unread:
        lines.append("#")
        lines.append(f"# Chưa đọc được ({len(draft.unread)} mục, cần người xác định):")
        lines += [f"#  - {' '.join(item.split())}" for item in draft.unread]
    lines += ["version: 1", "", "plan:"]
    for key, value, note in draft.plan.fields:
        lines.append(f"  {key}: {scalar(value)}{_note(note)}")
    if draft.policy is not None:
        lines += ["", "# Chính sách đôn đốc mặc định của cơ quan (chép từ cấu hình hiện hành, không từ tệp gốc)."]
        lines.append(f"policy: {scalar(draft.policy)}")
    for name, items in (("indicators", draft.indicators), ("task_groups", draft.task_groups),
                        ("units", draft.units), ("duties", draft.duties)):
        lines.append("")
        if not items:
            lines.append(f"{name}: []")
            continue
        lines.append(f"{name}:")
        for entry in items:
            _entry(lines, entry, "  ")
    return "\n".join(lines) + "\n"


def guess_kind(name: str) -> str:
    key = fold(name)
    if re.search(r"\b(?:phuong)\b", key) and "cac" not in key.split():
        return "ward"
    if re.search(r"\bxa\b", key) and "cac" not in key.split():
        return "commune"
    if key.startswith(("trung tam", "tt ")):
        return "centre"
    if re.search(r"\bcac\b", key):
        return "group"
    if key.startswith(("hoi ", "doan ", "thanh doan", "lien doan", "mat tran", "uy ban mat tran", "ubmttq", "mttq")):
        return "organisation"
    return "department"


def unit_entries(codes: list[str], directory: dict[str, DirectoryUnit], notes: dict[str, str]) -> list[Entry]:
    """The known units a draft names, with the members of any group among them."""
    wanted = list(dict.fromkeys(codes))
    for code in list(wanted):
        wanted += [m for m in directory[code].members if m not in wanted]
    entries = []
    for code in wanted:
        unit = directory[code]
        entry = Entry().add("code", code, notes.get(code, "đơn vị có trong danh bạ"))
        entry.add("name", unit.name, "tên trong danh bạ của cơ quan").add("kind", unit.kind, "loại trong danh bạ")
        if unit.members:
            entry.add("members", list(unit.members), "thành viên của nhóm trong danh bạ")
        entries.append(entry)
    return entries


def proposed_unit(code: str, name: str, where: list[str], closest: list[str]) -> Entry:
    entry = Entry(heading="ĐỀ XUẤT ĐƠN VỊ MỚI (chưa có trong danh bạ): cần cơ quan thường trực xác nhận, sửa mã, loại")
    entry.add("code", code, "mã đề xuất từ tên")
    entry.add("name", name, "xuất hiện ở " + "; ".join(where[:5]) + (f" và {len(where) - 5} nơi khác" if len(where) > 5 else ""))
    entry.add("kind", guess_kind(name), "loại đoán theo tên; " + (("gần nhất trong danh bạ: " + ", ".join(closest)) if closest
                                                               else "danh bạ không có tên nào gần"))
    return entry


def unique_code(base: str, taken: set[str]) -> str:
    base = slug(base)[:48].strip("-") or "muc"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    taken.add(code)
    return code
