"""A corpus of broken configurations: hostile, mistyped and malformed, each with the line to blame.

Every case starts from a copy of the shipped ``config/`` and breaks one thing. Edits are anchored
on lines matched by regular expressions (the first match), so the corpus keeps working while the
real plan grows. ``Case.marker`` is text of the broken file; the problem must be reported on the
line holding it (``line=0`` when the whole file is at fault: a directory, a missing file...).
Used by ``tests/corpus_worker.py`` (run by ``tests/test_config_corpus.py``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Edit = Callable[[str], str]


@dataclass(frozen=True)
class Case:
    id: str
    file: str  # plan.yaml, calendar.yaml or channels.yaml: where the problem must be reported
    edit: Edit | None = None  # text → broken text
    marker: str | None = None  # the problem's line holds this text (first occurrence) ...
    line: int | None = None  # ... or this exact line (0: the file as a whole)
    message: str = ""  # a fragment the message must contain
    setup: Callable[[Path], None] | None = None  # breaks the folder instead of a text
    config_arg: Callable[[Path], Path] | None = None  # what --config names (default: the folder)


def sub_line(pattern: str, new: str) -> Edit:
    """Replace the first whole line matching ``pattern`` with ``new`` (may hold several lines)."""
    regex = re.compile(rf"^{pattern}$", re.MULTILINE)

    def edit(text: str) -> str:
        match = regex.search(text)
        assert match, f"the corpus anchor {pattern!r} is not in the file any more"
        return text[: match.start()] + new + text[match.end():]

    return edit


def after_line(pattern: str, added: str) -> Edit:
    regex = re.compile(rf"^{pattern}$", re.MULTILINE)

    def edit(text: str) -> str:
        match = regex.search(text)
        assert match, f"the corpus anchor {pattern!r} is not in the file any more"
        return text[: match.end()] + "\n" + added.rstrip("\n") + text[match.end():]

    return edit


def append(block: str) -> Edit:
    return lambda text: text.rstrip("\n") + "\n" + block


def whole(new_text: str) -> Edit:
    return lambda _text: new_text


LOL = "lol0: &a0 [\"ha\", \"ha\", \"ha\", \"ha\", \"ha\", \"ha\", \"ha\", \"ha\", \"ha\"]\n" + "".join(
    f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10)
)
DEEP_FLOW = "deep: " + "[" * 20000 + "]" * 20000 + "\n"
DEEP_BLOCK = "deep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)) + "  " * 60 + "end: 1\n"
DUTY = r"  - code: kt-tham-muu"
LABEL = r"  label: .*"
TRACKING = r"  tracking_from: .*"
REPEAT = r"  repeat_every_days: .*"
VERSION = r"version: 1"
WARD = r"  - \{code: phuong-ba-ngoi, .*\}"
CAL_OFF = r"days_off: \[\]"
URLS = r"urls: \[\]"
DUE_DAY = r"      due_day: \d+"


def _directory(name: str) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        (folder / name).unlink(missing_ok=True)
        (folder / name).mkdir()
        (folder / name / "x.yaml").write_text("version: 1\n", encoding="utf-8")

    return setup


def _unlink(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).unlink()


def _symlink_loop(name: str) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        (folder / name).unlink()
        os.symlink(folder / f"{name}.b", folder / name)
        os.symlink(folder / name, folder / f"{name}.b")

    return setup


def _dangling(name: str) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        (folder / name).unlink(missing_ok=True)
        os.symlink(folder / "khong-co.yaml", folder / name)

    return setup


def _fifo(name: str) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        (folder / name).unlink()
        os.mkfifo(folder / name)

    return setup


def _raw(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(data)


def _unreadable(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).chmod(0)


P, C, H = "plan.yaml", "calendar.yaml", "channels.yaml"
CASES = [
    # --- hostile or malformed bytes
    Case("nul-in-plan", P, sub_line(LABEL, "  label: Kế hoạch\x0046"), marker="  label: Kế hoạch", message="NUL U+0000"),
    Case("bell-in-plan", P, sub_line(LABEL, "  label: Kế hoạch\x07 46"), marker="  label: Kế hoạch", message="U+0007"),
    Case("escape-in-calendar", C, sub_line(CAL_OFF, "days_off:\n  - {date: 2027-02-11, reason: \"Nghỉ\x1b[31m\"}"),
         marker="Nghỉ\x1b", message="U+001B"),
    Case("nel-c1-in-plan", P, sub_line(LABEL, "  label: Kế hoạch\x85 46"), marker="  label: Kế hoạch", message="U+0085"),
    Case("del-in-plan", P, sub_line(LABEL, "  label: Kế hoạch\x7f 46"), marker="  label: Kế hoạch", message="U+007F"),
    Case("nul-in-channels", H, sub_line(URLS, "urls: [\"json://127.0.0.1\x00:9/\"]"), marker="urls: [\"json", message="NUL"),
    Case("latin1-bytes-in-plan", P, setup=lambda f: (f / P).write_bytes(
        (f / P).read_bytes().replace(b"version: 1\n", b"version: 1\nghi_chu: Ph\xf2ng\n", 1)),
         marker="ghi_chu:", message="UTF-8"),
    Case("png-as-plan", P, setup=_raw(P, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), line=1, message="UTF-8"),
    Case("oversized-plan", P, append("#" + "x" * (1024 * 1024 + 10) + "\n"), line=0, message="tệp quá lớn"),
    # --- expansion and depth bombs
    Case("billion-laughs-plan", P, append(LOL), marker="*a0", message="alias"),
    Case("billion-laughs-channels", H, append(LOL), marker="*a0", message="alias"),
    Case("billion-laughs-calendar", C, append(LOL), marker="*a0", message="alias"),
    Case("deep-flow-20000", P, append(DEEP_FLOW), marker="deep:", message="lồng nhau"),
    Case("deep-flow-channels", H, append(DEEP_FLOW), marker="deep:", message="lồng nhau"),
    Case("deep-block-60", P, append(DEEP_BLOCK), marker="k39:", message="lồng nhau"),
    Case("recursive-alias", P, append("loop: &r [*r]\n"), marker="loop:", message="tự tham chiếu"),
    # --- keys and tags YAML allows but configuration does not
    Case("complex-key-plan", P, append("? [a, b]\n: 1\n"), marker="? [a, b]", message="khóa phải là một tên đơn giản"),
    Case("mapping-key-calendar", C, append("{a: 1}: x\n"), marker="{a: 1}: x", message="khóa phải"),
    Case("flow-complex-key-channels", H, sub_line(URLS, "urls: [{[x]: y}]"), marker="urls: [{[x]", message="khóa phải"),
    Case("unknown-tag-on-mapping", P, sub_line(r"policy:", "policy: !override"), marker="policy: !override",
         message="thẻ YAML '!override'"),
    Case("python-object-tag", P, sub_line(LABEL, "  label: !!python/object/apply:os.system [\"id\"]"),
         marker="  label: !!python", message="thẻ YAML"),
    Case("binary-tag", P, sub_line(LABEL, "  label: !!binary aGVsbG8="), marker="  label: !!binary", message="thẻ YAML"),
    Case("set-tag", C, sub_line(CAL_OFF, "days_off: !!set {a, b}"), marker="days_off: !!set", message="thẻ YAML"),
    Case("local-tag-on-scalar", H, sub_line(URLS, "urls: [!secret abc]"), marker="urls: [!secret", message="thẻ YAML '!secret'"),
    Case("document-tag", P, lambda t: "--- !plan\n" + t, line=1, message="thẻ YAML '!plan'"),
    Case("unknown-top-level-tag-channels", H, append("tag: nguoi-la\n"), marker="tag: nguoi-la",
         message="tag 'nguoi-la' không phải người nhận"),
    # --- files that are not files
    Case("plan-is-directory", P, setup=_directory(P), line=0, message="thư mục"),
    Case("calendar-is-directory", C, setup=_directory(C), line=0, message="thư mục"),
    Case("channels-is-directory", H, setup=_directory(H), line=0, message="thư mục"),
    Case("calendar-missing", C, setup=_unlink(C), line=0, message="không tìm thấy tệp cấu hình"),
    Case("plan-symlink-loop", P, setup=_symlink_loop(P), line=0, message="liên kết tượng trưng vòng"),
    Case("channels-dangling-symlink", H, setup=_dangling(H), line=0, message="không tìm thấy tệp cấu hình"),
    Case("plan-is-fifo", P, setup=_fifo(P), line=0, message="không phải tệp thông thường"),
    Case("config-arg-is-a-file", ".", config_arg=lambda f: f / P, line=0, message="không phải là thư mục"),
    Case("config-arg-missing", ".", config_arg=lambda f: f / "khong-co", line=0, message="không tồn tại"),
    # --- YAML syntax
    Case("unclosed-double-quote", P, sub_line(LABEL, "  label: \"Kế hoạch 46"), marker="  label: \"Kế",
         message="dấu nháy mở ở dòng này chưa được đóng"),
    Case("unclosed-single-quote-channels", H, sub_line(URLS, "urls:\n  - 'json://127.0.0.1:9/"),
         marker="  - 'json", message="dấu nháy mở ở dòng này chưa được đóng"),
    Case("unclosed-flow-list", P, sub_line(REPEAT, "  reminder_days: [7, 3\n  repeat_every_days: 7"),
         marker="  repeat_every_days: 7", message="mở ở dòng"),
    Case("tab-indent", P, sub_line(REPEAT, "\trepeat_every_days: 7"), marker="\trepeat_every_days", message="tab"),
    Case("bad-indent", P, sub_line(REPEAT, " repeat_every_days: 7"), marker=" repeat_every_days: 7\n", message="thụt lề"),
    Case("colon-in-value", P, sub_line(LABEL, "  label: Kế hoạch: 46: CTr"), marker="  label: Kế hoạch: 46",
         message="dấu ':'"),
    Case("two-documents", P, append("---\nversion: 1\n"), marker="---\nversion", message="một tài liệu YAML"),
    Case("undefined-alias", P, sub_line(LABEL, "  label: *nhan"), marker="  label: *nhan", message="alias chưa"),
    Case("duplicate-anchor", P, lambda t: sub_line(LABEL, "  label: &x nhan")(sub_line(TRACKING, "  tracking_from: &x 2026-11-01")(t)),
         marker="  tracking_from: &x", message="anchor"),
    Case("bad-escape", P, sub_line(LABEL, "  label: \"Kế hoạch \\q\""), marker="  label: \"Kế", message="ký tự thoát"),
    Case("duplicate-key", C, sub_line(CAL_OFF, "days_off: []\ndays_off: []"), marker="days_off: []\nworking",
         message="khóa 'days_off' bị lặp lại"),
    # --- wrong shapes and values (the message in Vietnamese, on the field's own line)
    Case("empty-plan", P, whole(""), line=1, message="thiếu khóa bắt buộc"),
    Case("plan-is-a-list", P, whole("- a\n- b\n"), line=1, message="bảng khóa–giá trị"),
    Case("plan-is-a-scalar", P, whole("kế hoạch\n"), line=1, message="bảng khóa–giá trị"),
    Case("label-too-long", P, sub_line(LABEL, "  label: " + "Kế hoạch " * 8), marker="  label: Kế", message="dài quá 40 ký tự"),
    Case("version-2", P, sub_line(VERSION, "version: 2"), marker="version: 2", message="chỉ nhận 1"),
    Case("tracking-from-1900", P, sub_line(TRACKING, "  tracking_from: 1900-01-01"), marker="  tracking_from:",
         message="năm 1900"),
    Case("tracking-from-9999", P, sub_line(TRACKING, "  tracking_from: 9999-12-31"), marker="  tracking_from:",
         message="năm 9999"),
    Case("tracking-from-text", P, sub_line(TRACKING, "  tracking_from: hôm nay"), marker="  tracking_from:",
         message="ngày không hợp lệ"),
    Case("repeat-zero", P, sub_line(REPEAT, "  repeat_every_days: 0"), marker="  repeat_every_days: 0",
         message="lớn hơn hoặc bằng 1"),
    Case("repeat-huge-int", P, sub_line(REPEAT, "  repeat_every_days: " + "9" * 5000), marker="  repeat_every_days: 999",
         message="không hợp lệ"),
    Case("repeat-infinite", P, sub_line(REPEAT, "  repeat_every_days: .inf"), marker="  repeat_every_days: .inf",
         message="số hữu hạn"),
    Case("repeat-is-list", P, sub_line(REPEAT, "  repeat_every_days: [7]"), marker="  repeat_every_days: [7]",
         message="số nguyên"),
    Case("work-start-is-list", P, sub_line(r"  work_start: .*", "  work_start: [1]"), marker="  work_start: [1]",
         message="giờ"),
    Case("duty-unknown-key", P, after_line(DUTY, "    ghi_chu: x"), marker="    ghi_chu: x", message="khóa không được phép 'ghi_chu'"),
    Case("due-day-text", P, sub_line(DUE_DAY, "      due_day: cuối tháng"), marker="due_day: cuối", message="hoặc giá trị 'cuối tháng' không hợp lệ; chỉ nhận 'last'"),
    Case("due-day-zero", P, sub_line(DUE_DAY, "      due_day: 0"), marker="due_day: 0", message="không tồn tại"),
    Case("unit-kind-unknown", P, sub_line(WARD, "  - {code: phuong-ba-ngoi, name: UBND phường Ba Ngòi, kind: thon}"),
         marker="kind: thon", message="chỉ nhận"),
    Case("unit-code-uppercase", P, sub_line(WARD, "  - {code: Phuong-Ba-Ngoi, name: UBND phường Ba Ngòi, kind: ward}"),
         marker="code: Phuong-Ba-Ngoi", message="không đúng mẫu"),
    Case("unit-name-mapping", P, sub_line(WARD, "  - {code: phuong-ba-ngoi, name: {vi: Ba Ngòi}, kind: ward}"),
         marker="name: {vi: Ba Ngòi}", message="chuỗi văn bản"),
    Case("unit-members-on-ward", P, sub_line(WARD, "  - {code: phuong-ba-ngoi, name: UBND phường Ba Ngòi, kind: ward, members: [xa-cam-lap]}"),
         marker="members: [xa-cam-lap]", message="chỉ đơn vị loại 'group'"),
    Case("merge-key", P, sub_line(REPEAT, "  repeat_every_days: 7\n  <<: {work_end: \"18:00\"}"), marker="  <<:",
         message="khóa gộp '<<'"),
    Case("calendar-version-missing", C, sub_line(VERSION, "# version: 1"), marker="days_off: []", message="thiếu khóa bắt buộc 'version'"),
    Case("calendar-reason-missing", C, sub_line(CAL_OFF, "days_off:\n  - {date: 2027-02-11}"), marker="  - {date: 2027-02-11}",
         message="thiếu khóa bắt buộc 'reason'"),
    Case("calendar-date-year-1", C, sub_line(CAL_OFF, "days_off:\n  - {date: 0001-01-01, reason: x}"), marker="0001-01-01",
         message="năm 1 nằm ngoài"),
    # --- channels.yaml
    Case("channels-unknown-key", H, append("ghi_chu: x\n"), marker="ghi_chu: x", message="khóa không được phép 'ghi_chu'"),
    Case("channels-unknown-recipient", H, sub_line(URLS, "urls:\n  - \"json://127.0.0.1:9/\":\n      - tag: nguoi-la"),
         marker="  - \"json://", message="tag 'nguoi-la'"),
    Case("channels-bad-scheme", H, sub_line(URLS, "urls:\n  - \"khongco://x\":\n      - tag: coordinator"),
         marker="  - \"khongco", message="URL không hợp lệ"),
    Case("channels-include", H, append("include: [khac.yaml]\n"), marker="include:", message="không dùng 'include'"),
    Case("channels-version-missing", H, sub_line(VERSION, "# version: 1"), marker="urls: []", message="cần 'version: 1'"),
    Case("channels-urls-mapping", H, sub_line(URLS, "urls: {a: b}"), marker="urls: {a: b}", message="danh sách"),
    Case("channels-undeclared-variable", H, sub_line(URLS, "urls:\n  - \"json://${MAT_KHAU}@127.0.0.1:9/\":\n      - tag: coordinator"),
         marker="  - \"json://", message="${MAT_KHAU}"),
    Case("channels-is-a-list", H, whole("- a\n"), line=1, message="bảng khóa–giá trị"),
    Case("channels-two-documents", H, append("---\nversion: 1\n"), marker="---", message="một tài liệu YAML"),
]
if os.geteuid() != 0:  # root reads any file: the case cannot be built there
    CASES.append(Case("plan-unreadable", P, setup=_unreadable(P), line=0, message="không có quyền đọc"))


def expected_line(case: Case, broken: str | None) -> int:
    if case.line is not None:
        return case.line
    assert broken is not None and case.marker is not None
    index = broken.index(case.marker)
    return broken.count("\n", 0, index) + 1
