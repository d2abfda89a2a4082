"""YAML reading that remembers where every value came from, and problems that say so.

PyYAML silently keeps the last of two equal keys and forgets line numbers once it builds Python
objects. Here each mapping is built from the node tree so duplicate keys are reported and every
path (``("duties", 3, "recurrence")``) maps to the line it was written on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ConfigError(Exception):
    """One or more problems in configuration files; nothing has been written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Located:
    """A loaded YAML document and the line of every path in it (1-based)."""

    file: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(self.file, self.line(loc), message)


def load_yaml(path: Path) -> Located:
    """Read ``path``; syntax errors and duplicate keys raise ConfigError with their line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(path, 0, "không tìm thấy tệp cấu hình")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(path, 0, f"tệp không phải UTF-8 ({exc.reason})")]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise ConfigError([Problem(path, line, f"lỗi cú pháp YAML: {exc.problem}")]) from None
    located = Located(path, None)
    problems: list[Problem] = []
    located.data = _build(root, (), located, problems) if root is not None else {}
    if problems:
        raise ConfigError(problems)
    return located


def _build(node: yaml.Node, loc: Loc, out: Located, problems: list[Problem]) -> Any:
    out.lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in result:
                problems.append(
                    Problem(out.file, key_node.start_mark.line + 1, f"khóa '{key}' bị lặp lại")
                )
                continue
            result[key] = _build(value_node, (*loc, key), out, problems)
            out.lines[(*loc, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), out, problems) for i, item in enumerate(node.value)]
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node)
    except (ValueError, yaml.constructor.ConstructorError):
        problems.append(
            Problem(out.file, node.start_mark.line + 1, f"giá trị không hợp lệ: {node.value!r}")
        )
        return None
    finally:
        loader.dispose()


_MESSAGES = {
    "extra_forbidden": "khóa không được phép '{field}'",
    "missing": "thiếu khóa bắt buộc '{field}'",
    "date_from_datetime_parsing": "ngày không hợp lệ: {input!r}",
    "date_parsing": "ngày không hợp lệ: {input!r}",
    "date_from_datetime_inexact": "ngày không hợp lệ: {input!r}",
    "int_parsing": "cần một số nguyên, nhận được {input!r}",
    "int_type": "cần một số nguyên, nhận được {input!r}",
    "float_parsing": "cần một số, nhận được {input!r}",
    "string_type": "cần một chuỗi văn bản, nhận được {input!r}",
    "list_type": "cần một danh sách, nhận được {input!r}",
    "dict_type": "cần một bảng khóa–giá trị, nhận được {input!r}",
    "model_type": "cần một bảng khóa–giá trị, nhận được {input!r}",
    "bool_parsing": "cần true hoặc false, nhận được {input!r}",
    "greater_than_equal": "giá trị {input!r} phải lớn hơn hoặc bằng {ge}",
    "less_than_equal": "giá trị {input!r} phải nhỏ hơn hoặc bằng {le}",
    "greater_than": "giá trị {input!r} phải lớn hơn {gt}",
    "string_pattern_mismatch": "giá trị {input!r} không đúng mẫu {pattern}",
    "too_short": "danh sách không được rỗng",
}


def _describe(error: dict[str, Any]) -> str:
    kind = error["type"]
    field_name = next((str(p) for p in reversed(error["loc"]) if isinstance(p, str)), "")
    ctx = dict(error.get("ctx") or {})
    if kind in ("literal_error", "enum"):
        return f"giá trị {error['input']!r} không hợp lệ; chỉ nhận {ctx.get('expected', '')}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"]))
    template = _MESSAGES.get(kind)
    if template is None:
        return f"giá trị không hợp lệ ({error['msg']})"
    try:
        return template.format(field=field_name, input=error.get("input"), **ctx)
    except (KeyError, IndexError):
        return f"giá trị không hợp lệ ({error['msg']})"


def parse_model(model: type[M], located: Located) -> M:
    """Validate the whole document against ``model``; every error carries its line."""
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            problems.append(located.problem(loc, _describe(error)))
        raise ConfigError(problems) from None
