"""YAML reading that is safe on hostile files and remembers where every value came from.

PyYAML silently keeps the last of two equal keys and forgets line numbers once it builds Python
objects. Here each mapping is built from the node tree so duplicate keys are reported and every
path (``("duties", 3, "recurrence")``) maps to the line it was written on.

A configuration file is data a person typed, so it is read within limits: a regular UTF-8 file
of at most ``MAX_BYTES``, no control characters, nesting at most ``MAX_DEPTH`` deep, aliases
that expand to at most ``MAX_NODES`` nodes (a "billion laughs" file is refused in milliseconds),
plain scalar keys only and no tags beyond YAML's own scalar, list and mapping types. Each breach
is a ``Problem`` with file and line, in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import errno
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from htx_tasks.core.strict import FieldError
from htx_tasks.plan.wording import describe_validation, yaml_problem

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 100_000
YEARS = (1970, 2200)  # dates outside these years are typing mistakes, and break date maths
_STD = "tag:yaml.org,2002:"
ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


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


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class _Loader(yaml.SafeLoader):
    """SafeLoader's composer with a depth limit, checked as each node starts (before the scanner
    has read the rest of the file: a 20,000-deep file is refused after 40 levels, not parsed)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.aliases: list[tuple[str, int]] = []

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.aliases.append((event.anchor, event.start_mark.line + 1))
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(event.start_mark.line + 1, f"cấu trúc lồng nhau quá {MAX_DEPTH} tầng")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def read_text(path: Path) -> str:
    """The file's text, or ConfigError naming why it cannot be read (line 0: the whole file)."""

    def refuse(message: str) -> ConfigError:
        return ConfigError([Problem(path, 0, message)])

    try:
        info = path.stat()
    except FileNotFoundError:
        raise refuse("không tìm thấy tệp cấu hình") from None
    except NotADirectoryError:
        raise refuse(f"'{path.parent}' không phải là thư mục") from None
    except OSError as exc:
        raise refuse(f"không đọc được tệp ({_os_reason(exc)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise refuse("đây là một thư mục, không phải tệp cấu hình")
    if not stat.S_ISREG(info.st_mode):
        raise refuse("không phải tệp thông thường (thiết bị, ống dẫn...)")
    if info.st_size > MAX_BYTES:
        raise refuse(f"tệp quá lớn ({info.st_size:,} byte; tối đa {MAX_BYTES:,} byte)")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise refuse(f"không đọc được tệp ({_os_reason(exc)})") from None
    if len(data) > MAX_BYTES:
        raise refuse(f"tệp quá lớn (tối đa {MAX_BYTES:,} byte)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError([Problem(path, line, "tệp không phải văn bản UTF-8 (byte "
                                   f"0x{data[exc.start]:02x} ở vị trí {exc.start})")]) from None


_ERRNO = {
    errno.EACCES: "không có quyền đọc", errno.EPERM: "không có quyền đọc",
    errno.ELOOP: "liên kết tượng trưng vòng quanh", errno.ENAMETOOLONG: "đường dẫn quá dài",
    errno.EIO: "lỗi đọc đĩa", errno.EISDIR: "đây là một thư mục", errno.ENOENT: "không tìm thấy",
}


def _os_reason(exc: OSError) -> str:
    return _ERRNO.get(exc.errno or 0, f"lỗi hệ thống, mã {exc.errno}")


def _control_characters(path: Path, text: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        for column, char in enumerate(line, start=1):
            code = ord(char)
            if (code < 0x20 or 0x7F <= code <= 0x9F or code in (0xFFFE, 0xFFFF)) \
                    and char not in _ALLOWED_CONTROLS:
                name = "NUL" if code == 0 else "điều khiển"
                problems.append(Problem(path, number, f"ký tự {name} U+{code:04X} ở cột {column} không được phép"))
                break
        if len(problems) >= 20:
            break
    return problems


def load_yaml(path: Path) -> Located:
    """Read ``path`` within the limits; every problem raises ConfigError with its line."""
    text = read_text(path)
    problems = _control_characters(path, text)
    if problems:
        raise ConfigError(problems)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except _Refused as exc:
        raise ConfigError([Problem(path, exc.line, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        line, message = yaml_problem(exc)
        opened = _quote_left_open(text, line)
        if opened:  # a quote left open swallows the lines after it: blame the line it opened on
            line, message = opened, f"lỗi cú pháp YAML: dấu nháy mở ở dòng này chưa được đóng (phát hiện ở dòng {line})"
        raise ConfigError([Problem(path, line, message)]) from None
    except yaml.YAMLError as exc:  # a reader error the scan above did not foresee
        raise ConfigError([Problem(path, 1, f"lỗi đọc YAML ({type(exc).__name__})")]) from None
    finally:
        loader.dispose()
    if root is not None and loader.aliases:
        size = _expanded_size(root, {})
        if size > MAX_NODES:
            anchor, line = loader.aliases[0]
            raise ConfigError([Problem(path, line, f"alias YAML (*{anchor}...) mở rộng thành hơn {MAX_NODES:,} "
                                       "nút; không dùng alias lồng nhau")])
    located = Located(path, None)
    located.data = _build(root, (), located, problems) if root is not None else {}
    if problems:
        raise ConfigError(problems)
    return located


def _quote_left_open(text: str, error_line: int) -> int | None:
    """The line of a quoted string that runs over several lines up to ``error_line``, if any.

    YAML lets a quoted string span lines, so an unclosed quote is noticed only where the next
    quote character happens to close it; configuration never needs such strings.
    """
    opened = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.line + 1 > error_line:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'") \
                    and token.end_mark.line > token.start_mark.line:
                opened = token.start_mark.line + 1
    except yaml.YAMLError:
        pass
    return opened


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many nodes the document has once aliases are expanded (memoised: linear time)."""
    key = id(node)
    if key not in memo:
        memo[key] = 1  # a node that reaches itself (recursive alias) counts once here
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        memo[key] = min(MAX_NODES + 1, 1 + sum(_expanded_size(child, memo) for child in children))
    return memo[key]


def _build(node: yaml.Node, loc: Loc, out: Located, problems: list[Problem]) -> Any:
    line = node.start_mark.line + 1
    out.lines[loc] = line
    if len(loc) > MAX_DEPTH:  # composed nodes are at most MAX_DEPTH deep: only an alias loops
        problems.append(Problem(out.file, line, "alias YAML tự tham chiếu đến chính nó"))
        return None
    if node.tag not in ALLOWED_TAGS:
        problems.append(Problem(out.file, line, f"thẻ YAML '{_tag(node.tag)}' không được phép"))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == _STD + "merge":
                problems.append(Problem(out.file, key_line, "không dùng khóa gộp '<<' của YAML; viết đủ từng khóa"))
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in ALLOWED_TAGS:
                problems.append(Problem(out.file, key_line, "khóa phải là một tên đơn giản, "
                                        "không phải danh sách, bảng hay giá trị có thẻ"))
                continue
            key = key_node.value
            if key in result:
                problems.append(Problem(out.file, key_line, f"khóa '{key}' bị lặp lại"))
                continue
            result[key] = _build(value_node, (*loc, key), out, problems)
            out.lines[(*loc, key)] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), out, problems) for i, item in enumerate(node.value)]
    constructor = yaml.SafeLoader("")
    try:
        value = constructor.construct_object(node)
    except (ValueError, OverflowError, yaml.constructor.ConstructorError):
        problems.append(Problem(out.file, line, f"giá trị không hợp lệ: {_short(node.value)!r}"))
        return None
    finally:
        constructor.dispose()
    if isinstance(value, dt.date) and not YEARS[0] <= value.year <= YEARS[1]:
        problems.append(Problem(out.file, line, f"năm {value.year} nằm ngoài khoảng {YEARS[0]}–{YEARS[1]}"))
        return None
    return value


def _tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_STD) if tag.startswith(_STD) else tag


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _in_data(loc: Loc, data: Any) -> Loc:
    """The part of ``loc`` that exists in the document (union member names dropped)."""
    found: list[str | int] = []
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            break
        found.append(part)
    return tuple(found)


def parse_model(model: type[M], located: Located) -> M:
    """Validate the whole document against ``model``; every error carries its line."""
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        problems: dict[tuple[int, Loc], list[str]] = {}
        for error in exc.errors(include_url=False):
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, FieldError):
                loc = (*loc, cause.field)
            # the alternatives of one union (a number or 'last') are one problem, joined by "hoặc"
            key = (located.line(loc), loc if error["type"] == "missing" else _in_data(loc, located.data))
            problems.setdefault(key, [])
            text = describe_validation(error)
            field = next((p for p in reversed(loc) if isinstance(p, str)), None)
            if "policy" in loc and field and field != "policy" and field not in text:
                text = f"chính sách, trường {field}: {text}"  # the line holds it; the field names what is wrong
            if text not in problems[key]:
                problems[key].append(text)
        raise ConfigError([Problem(located.file, line, " hoặc ".join(texts))
                           for (line, _), texts in problems.items()]) from None
