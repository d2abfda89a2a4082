"""Vietnamese wording of PyYAML syntax errors and pydantic validation errors.

Library messages are English; a clerk editing ``plan.yaml`` reads Vietnamese. Unknown kinds get
a Vietnamese sentence naming the error code, never the English text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

# PyYAML "problem" texts (their start), most frequent first
_YAML = [
    ("found unexpected end of stream", "dấu nháy mở ở dòng này chưa được đóng"),
    ("mapping values are not allowed here", "dấu ':' không hợp lệ ở đây (giá trị có ':' cần đặt trong dấu nháy)"),
    ("could not find expected ':'", "thiếu dấu ':' sau khóa"),
    ("found character '\\t' that cannot start any token", "không dùng ký tự tab để thụt lề; dùng dấu cách"),
    ("found character", "ký tự không được phép ở đầu giá trị (cần đặt trong dấu nháy)"),
    ("expected <block end>, but found", "thụt lề không khớp với các dòng trên"),
    ("expected ',' or ']'", "thiếu dấu ']' hoặc ',' trong danh sách"),
    ("expected ',' or '}'", "thiếu dấu '}' hoặc ',' trong bảng"),
    ("did not find expected '-' indicator", "thụt lề của danh sách không khớp (thiếu '-')"),
    ("did not find expected key", "thụt lề không khớp: cần một khóa ở đây"),
    ("did not find expected node content", "thiếu giá trị"),
    ("found undefined alias", "alias chưa được định nghĩa (thiếu anchor '&')"),
    ("found duplicate anchor", "anchor '&' bị định nghĩa hai lần"),
    ("but found another document", "tệp chỉ được có một tài liệu YAML (bỏ dòng '---' thứ hai)"),
    ("found unknown escape character", "ký tự thoát '\\' không hợp lệ trong chuỗi nháy kép"),
    ("expected escape sequence", "mã thoát '\\u'/'\\x' không hợp lệ trong chuỗi nháy kép"),
    ("found unexpected ':'", "dấu ':' không hợp lệ ở đây"),
    ("found a tab character", "không dùng ký tự tab; dùng dấu cách"),
    ("found undefined tag handle", "thẻ YAML không được phép"),
    ("expected a comment or a line break", "nội dung thừa sau giá trị (cần đặt trong dấu nháy?)"),
    ("expected alphabetic or numeric character", "tên anchor/alias không hợp lệ"),
    ("found unexpected document separator", "dấu '---' không được ở giữa chuỗi"),
]


def yaml_problem(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line to blame and a Vietnamese message for a PyYAML syntax error.

    An unclosed quote is reported where the quote opens (PyYAML's problem mark is where the file
    ran out); an unclosed bracket names the line it opens on as well as where it was noticed.
    """
    problem = exc.problem or ""
    text = next((vi for en, vi in _YAML if problem.startswith(en) or (exc.context or "").startswith(en)),
                "cấu trúc YAML không hợp lệ")
    problem_line = exc.problem_mark.line + 1 if exc.problem_mark else 0
    context_line = exc.context_mark.line + 1 if exc.context_mark else 0
    context = exc.context or ""
    if context.startswith(("while scanning a quoted scalar", "while scanning a double", "while scanning a single")):
        if problem.startswith("found unexpected end of stream"):
            return context_line, f"lỗi cú pháp YAML: {text}"
        return problem_line or context_line, f"lỗi cú pháp YAML: {text}"
    if context.startswith("while parsing a flow") and context_line and context_line != problem_line:
        return problem_line, f"lỗi cú pháp YAML: {text} (mở ở dòng {context_line})"
    if context.startswith("while scanning a simple key") and context_line:
        return context_line, f"lỗi cú pháp YAML: {text}"
    return problem_line or context_line, f"lỗi cú pháp YAML: {text}"


_PYDANTIC = {
    "extra_forbidden": "khóa không được phép '{field}'",
    "missing": "thiếu khóa bắt buộc '{field}'",
    "date_from_datetime_parsing": "ngày không hợp lệ: {input!r}",
    "date_parsing": "ngày không hợp lệ: {input!r}",
    "date_type": "cần một ngày (YYYY-MM-DD), nhận được {input!r}",
    "date_from_datetime_inexact": "ngày không hợp lệ: {input!r}",
    "time_parsing": "giờ không hợp lệ: {input!r} (dạng HH:MM)",
    "time_type": "cần giờ dạng HH:MM, nhận được {input!r}",
    "int_parsing": "cần một số nguyên, nhận được {input!r}",
    "int_parsing_size": "số quá lớn: {input!r}",
    "int_type": "cần một số nguyên, nhận được {input!r}",
    "int_from_float": "cần một số nguyên, nhận được {input!r}",
    "float_parsing": "cần một số, nhận được {input!r}",
    "float_type": "cần một số, nhận được {input!r}",
    "finite_number": "cần một số hữu hạn, nhận được {input!r}",
    "string_type": "cần một chuỗi văn bản, nhận được {input!r}",
    "string_too_short": "chuỗi cần ít nhất {min_length} ký tự",
    "string_too_long": "chuỗi dài quá {max_length} ký tự",
    "string_pattern_mismatch": "giá trị {input!r} không đúng mẫu {pattern}",
    "list_type": "cần một danh sách, nhận được {input!r}",
    "dict_type": "cần một bảng khóa–giá trị, nhận được {input!r}",
    "model_type": "cần một bảng khóa–giá trị, nhận được {input!r}",
    "model_attributes_type": "cần một bảng khóa–giá trị, nhận được {input!r}",
    "bool_parsing": "cần true hoặc false, nhận được {input!r}",
    "bool_type": "cần true hoặc false, nhận được {input!r}",
    "greater_than_equal": "giá trị {input!r} phải lớn hơn hoặc bằng {ge}",
    "less_than_equal": "giá trị {input!r} phải nhỏ hơn hoặc bằng {le}",
    "greater_than": "giá trị {input!r} phải lớn hơn {gt}",
    "less_than": "giá trị {input!r} phải nhỏ hơn {lt}",
    "too_short": "danh sách cần ít nhất {min_length} phần tử",
    "too_long": "danh sách có quá {max_length} phần tử",
    "none_required": "khóa này không nhận giá trị",
}


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 60:
        return value[:60] + "…"
    if isinstance(value, dict | list):
        return "{…}" if isinstance(value, dict) else "[…]"
    return value


def describe_validation(error: Mapping[str, Any]) -> str:
    """One pydantic error in Vietnamese."""
    kind = error["type"]
    field_name = next((str(p) for p in reversed(error["loc"]) if isinstance(p, str)), "")
    ctx = dict(error.get("ctx") or {})
    value = _short(error.get("input"))
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace(" or ", " hoặc ")
        return f"giá trị {value!r} không hợp lệ; chỉ nhận {expected}"
    if kind in ("value_error", "assertion_error"):
        cause = ctx.get("error")
        return str(cause) if cause is not None else "giá trị không hợp lệ"
    template = _PYDANTIC.get(kind)
    if template is not None:
        try:
            return template.format(field=field_name, input=value, **ctx)
        except (KeyError, IndexError, ValueError):
            pass
    return f"giá trị {value!r} không hợp lệ (mã lỗi {kind})"
