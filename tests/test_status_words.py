"""Statuses are compared as enums and worded in one table: a scan of the source (``ast``) of
``htx_tasks`` and ``flows``.

* No stored status value is written as a bare string next to a status field: ``row.status == "sent"``,
  ``col(Notification.status).in_(["pending"])``, ``row.decision = "accept"``, ``Notification(status="sent")``
  are refused; ``NotificationStatus.SENT`` is the way. Only values of the stored enums count
  (``State``, ``NotificationStatus``, ``SubmissionDecision``, ``ExtensionDecision``), so Apprise's
  ``status == "success"`` or the web form's ``decision == "approve"`` are not statuses.
* No label table outside ``core/wording.py``: a dict literal keyed by more than half of the values of
  one of those enums (as strings or as members) gives them words of its own, which is how
  ``cli/delivery.py`` and ``services/notices.py`` once disagreed. A table keyed by fewer (the web's
  "done" notices for two decisions) is a message per action, not a status's label.

Migrations keep the literal values they were written with and are not scanned.
"""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

from htx_tasks.core.lifecycle import State
from htx_tasks.core.statuses import ExtensionDecision, NotificationStatus, SubmissionDecision

ROOT = Path(__file__).resolve().parents[1]
ENUMS: tuple[type[StrEnum], ...] = (State, NotificationStatus, SubmissionDecision, ExtensionDecision)
STORED = {member.value for enum in ENUMS for member in enum}
FIELDS = {"status", "decision", "state"}
THE_TABLE = "htx_tasks/core/wording.py"


def _field(node: ast.AST) -> bool:
    """``x.status``, ``status``, ``col(Model.status)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "col" and node.args:
        node = node.args[0]
    return (isinstance(node, ast.Attribute) and node.attr in FIELDS) or (isinstance(node, ast.Name) and node.id in FIELDS)


def _bare(node: ast.AST | None) -> bool:
    """A stored value written as a string, alone or in a tuple, list or set."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in STORED
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_bare(e) for e in node.elts)
    return False


def _key_value(node: ast.AST | None, enum: type[StrEnum]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in enum._value2member_map_:
        return node.value
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == enum.__name__
            and node.attr in enum.__members__):
        return enum[node.attr].value
    return None


def findings(source: str, *, table_allowed: bool = False) -> list[tuple[int, str]]:
    """(line, kind) of every bare status and, unless allowed, every status label table in ``source``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_field(s) for s in sides) and any(_bare(s) for s in sides):
                found.append((node.lineno, "compare"))
        elif isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr in ("in_", "not_in") and _field(func.value)
                    and node.args and _bare(node.args[0])):
                found.append((node.lineno, "in_"))
            if any(k.arg in FIELDS and _bare(k.value) for k in node.keywords):
                found.append((node.lineno, "keyword"))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_field(t) for t in targets) and _bare(node.value):
                found.append((node.lineno, "assign"))
        elif isinstance(node, ast.Dict) and not table_allowed:
            for enum in ENUMS:
                keys = {_key_value(k, enum) for k in node.keys} - {None}
                if len(keys) > len(enum) / 2:
                    found.append((node.lineno, f"table of {enum.__name__}"))
    return sorted(found)


def test_the_scan_finds_every_way_of_writing_a_bare_status_or_a_table() -> None:
    source = "\n".join([
        "a = row.status == 'sent'",
        "b = select(N).where(col(N.status).in_(['pending', 'sending']))",
        "row.decision = 'accept'",
        "n = Notification(status='failed')",
        "c = 'open' != occurrence.state",
        "LABELS = {'pending': 'chờ', 'accept': 'nhận', 'return': 'trả'}",
        "WORDS = {ExtensionDecision.APPROVED: 'đồng ý', ExtensionDecision.REFUSED: 'không'}",
        # not statuses: Apprise's result, a form's button, a table keyed by two decisions of four
        "ok = result.status == 'success'",
        "yes = decision == 'approve'",
        "DONE = {'accept': 'Đã duyệt.', 'return': 'Đã trả lại.', 'approve': 'Đã đồng ý.'}",
        "d = row.status == NotificationStatus.SENT",
    ])
    assert findings(source) == [(1, "compare"), (2, "in_"), (3, "assign"), (4, "keyword"), (5, "compare"),
                                (6, "table of SubmissionDecision"), (7, "table of ExtensionDecision")]


def test_statuses_are_compared_as_enums_and_worded_in_one_table() -> None:
    offending = []
    for path in sorted([*ROOT.glob("htx_tasks/**/*.py"), *ROOT.glob("flows/**/*.py")]):
        name = path.relative_to(ROOT).as_posix()
        if "/migrations/" in name:
            continue
        for line, kind in findings(path.read_text(encoding="utf-8"), table_allowed=name == THE_TABLE):
            offending.append(f"{name}:{line}: {kind}")
    assert offending == []
