"""Broken configuration is rejected loudly, naming file and line, and nothing is written.

Each case copies ``config/`` to tmp_path, breaks it one way, and runs ``htx-tasks validate`` and
``htx-tasks init`` on it. The expected line is found by searching the broken text, so the cases
keep working when the real configuration grows.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from office import SEED_DIR

from htx_tasks.plan.loader import load_plan
from htx_tasks.plan.yamlio import ConfigError

CONFIG_DIR = SEED_DIR


def replace_once(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert text.count(old) == 1, f"the test's anchor {old!r} is not unique in the file"
        return text.replace(old, new)

    return edit


def append(block: str) -> Callable[[str], str]:
    return lambda text: text.rstrip("\n") + "\n" + block


def whole(new_text: str) -> Callable[[str], str]:
    return lambda _text: new_text


@dataclass(frozen=True)
class Where:
    """The line holding ``marker`` (the first one after ``after``, or the last one)."""

    marker: str
    after: str | None = None
    last: bool = False

    def line(self, text: str) -> int:
        start = 0
        if self.after is not None:
            start = text.index(self.after)
        index = text.rindex(self.marker) if self.last else text.index(self.marker, start)
        return text.count("\n", 0, index) + 1


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    edit: Callable[[str], str]
    where: list[Where]
    message: str
    problems: int = 1
    extra: dict = field(default_factory=dict)


DUPLICATE_DUTY = """\
  - code: kt-tham-muu
    ref: III.1.1
    title: Nhiệm vụ chép trùng mã
    unit: phong-kinh-te
    deliverable: Văn bản
    deadline_source: coordinator
    recurrence: {every: year, due_month: 1, due_day: 31}
"""

CALENDAR_DUPLICATE = """\
version: 1
days_off:
  - {date: 2027-02-11, reason: "Nghỉ bù Tết Nguyên đán"}
working_days:
  - {date: 2027-02-20, reason: "Làm bù cho ngày 11/02/2027"}
  - {date: 2027-02-11, reason: "Làm bù trùng ngày"}
"""

CALENDAR_BAD_DATE = """\
version: 1
days_off:
  - {date: 2027-02-30, reason: "Ngày không có thật"}
working_days: []
"""

CASES = [
    Case("unknown-key", "plan.yaml",
         replace_once("  - code: kt-thanh-lap-htx\n", "  - code: kt-thanh-lap-htx\n    priority: high\n"),
         [Where("priority: high")], "khóa không được phép 'priority'"),
    Case("unknown-top-level-key", "plan.yaml", replace_once("version: 1\n", "version: 1\nowner: ubnd\n"),
         [Where("owner: ubnd")], "khóa không được phép 'owner'"),
    Case("unknown-unit-in-duty", "plan.yaml",
         replace_once("    unit: phong-quan-ly-do-thi\n", "    unit: phong-giao-thong\n"),
         [Where("unit: phong-giao-thong")], "đơn vị 'phong-giao-thong' không có trong danh sách units"),
    Case("unknown-coordinating-unit", "plan.yaml",
         replace_once("coordinating: [ubnd-xa-phuong, phong-quan-ly-do-thi]",
                      "coordinating: [ubnd-xa-phuong, phong-quan-ly-dat-dai]"),
         [Where("phong-quan-ly-dat-dai")], "đơn vị 'phong-quan-ly-dat-dai' không có trong danh sách units"),
    Case("unknown-plan-coordinator-unit", "plan.yaml",
         replace_once("    title: Phòng Kinh tế (cơ quan thường trực)\n    unit: phong-kinh-te\n",
                      "    title: Phòng Kinh tế (cơ quan thường trực)\n    unit: phong-kinh-te-cu\n"),
         [Where("unit: phong-kinh-te-cu")], "đơn vị 'phong-kinh-te-cu' không có trong danh sách units"),
    Case("duplicate-duty-code", "plan.yaml", append(DUPLICATE_DUTY),
         [Where("  - code: kt-tham-muu", last=True)], "mã nhiệm vụ 'kt-tham-muu' bị trùng"),
    Case("duplicate-unit-code", "plan.yaml",
         replace_once("  - {code: xa-cam-thinh-tay, name: UBND xã Cam Thịnh Tây, kind: commune}\n",
                      "  - {code: xa-cam-thinh-tay, name: UBND xã Cam Thịnh Tây, kind: commune}\n"
                      "  - {code: phuong-ba-ngoi, name: UBND phường Ba Ngòi (chép trùng), kind: ward}\n"),
         [Where("(chép trùng)")], "mã đơn vị 'phuong-ba-ngoi' bị trùng"),
    Case("duplicate-yaml-key", "plan.yaml",
         replace_once("    ref: III.1.2\n", "    ref: III.1.2\n    ref: III.1.99\n"),
         [Where("ref: III.1.99")], "khóa 'ref' bị lặp lại"),
    Case("every-weekly", "plan.yaml",
         replace_once("      every: quarter\n      due_month: 3\n      due_day: 20\n      why: Việc hướng dẫn",
                      "      every: weekly\n      due_month: 3\n      due_day: 20\n      why: Việc hướng dẫn"),
         [Where("every: weekly")], "giá trị 'weekly' không hợp lệ"),
    Case("quarter-without-due-month", "plan.yaml",
         replace_once("      every: quarter\n      due_month: 3\n      due_day: 20\n      why: Việc hướng dẫn",
                      "      every: quarter\n      due_day: 20\n      why: Việc hướng dẫn"),
         [Where("every: quarter", after="  - code: kt-thanh-lap-htx")],
         "chu kỳ 'quarter' cần khóa 'due_month' (1..3)"),
    Case("quarter-due-month-5", "plan.yaml",
         replace_once("      every: quarter\n      due_month: 3\n      due_day: 20\n      why: Việc hướng dẫn",
                      "      every: quarter\n      due_month: 5\n      due_day: 20\n      why: Việc hướng dẫn"),
         [Where("due_month: 5")],
         "due_month 5 vượt quá số tháng của chu kỳ 'quarter' (3)"),
    Case("monthly-due-day-31", "plan.yaml", replace_once("      every: month\n      due_day: 25\n",
                                                           "      every: month\n      due_day: 31\n"),
         [Where("due_day: 31", after="  - code: ttvhtt-tuyen-truyen")],
         "ngày 31 không có ở mọi tháng của chu kỳ; dùng 'last'"),
    Case("impossible-due-date", "plan.yaml",
         replace_once("      due_date: 2027-01-15\n", "      due_date: 2027-02-30\n"),
         [Where("due_date: 2027-02-30")], "giá trị không hợp lệ: '2027-02-30'"),
    Case("year-february-30", "plan.yaml",
         replace_once("      every: year\n      due_month: 3\n      due_day: 31\n      opens_days_before: 45",
                      "      every: year\n      due_month: 2\n      due_day: 30\n      opens_days_before: 45"),
         [Where("due_day: 30", after="  - code: kt-tham-muu")], "ngày 30 không tồn tại trong tháng hạn"),
    Case("yaml-syntax-error", "plan.yaml",
         replace_once("    name: Phòng Quản lý đô thị\n", "    name: Phòng: Quản lý: đô thị\n"),
         [Where("Phòng: Quản lý: đô thị")], "lỗi cú pháp YAML"),
    Case("unknown-duty-in-task-group", "plan.yaml",
         replace_once("    duties: [mttq-tuyen-truyen, xa-tuyen-truyen]\n",
                      "    duties: [mttq-tuyen-truyen, xa-tuyen-truyen-moi]\n"),
         [Where("xa-tuyen-truyen-moi")], "nhiệm vụ 'xa-tuyen-truyen-moi' không có trong duties"),
    Case("successor-cycle", "plan.yaml",
         lambda text: replace_once(
             "  - {code: phuong-cam-loc, name: UBND phường Cam Lộc, kind: ward}",
             "  - {code: phuong-cam-loc, name: UBND phường Cam Lộc, kind: ward,"
             " successor: {unit: phuong-cam-linh, on: 2027-01-01}}",
         )(replace_once(
             "  - {code: phuong-cam-linh, name: UBND phường Cam Linh, kind: ward}",
             "  - {code: phuong-cam-linh, name: UBND phường Cam Linh, kind: ward,"
             " successor: {unit: phuong-cam-loc, on: 2027-01-01}}",
         )(text)),
         [Where("successor: {unit: phuong-cam-loc"), Where("successor: {unit: phuong-cam-linh")],
         "chuỗi kế thừa đơn vị bị vòng", problems=2),
    Case("successor-unknown-unit", "plan.yaml",
         replace_once("  - {code: phuong-cam-linh, name: UBND phường Cam Linh, kind: ward}",
                      "  - {code: phuong-cam-linh, name: UBND phường Cam Linh, kind: ward,"
                      " successor: {unit: phuong-cam-ranh, on: 2027-01-01}}"),
         [Where("successor: {unit: phuong-cam-ranh")], "đơn vị 'phuong-cam-ranh' không có trong danh sách units"),
    Case("registry-upkeep-ward-on-a-department", "plan.yaml",
         replace_once("    registry_upkeep: follow_unit\n    recurrence:\n      every: quarter\n      due_month: 3\n"
                      "      due_day: 15\n", "    registry_upkeep: ward\n    recurrence:\n      every: quarter\n"
                      "      due_month: 3\n      due_day: 15\n"),
         [Where("registry_upkeep: ward", after="  - code: qldt-theo-doi-htx")],
         "phạm vi 'ward' (tổ chức trên địa bàn) chỉ dùng cho xã, phường; không áp dụng cho: phong-quan-ly-do-thi"),
    Case("registry-upkeep-unknown-scope", "plan.yaml",
         replace_once("    registry_upkeep: ward\n", "    registry_upkeep: commune\n"),
         [Where("registry_upkeep: commune")], "giá trị 'commune' không hợp lệ"),
    Case("registry-upkeep-on-a-case-duty", "plan.yaml",
         replace_once("    unit: phong-tai-nguyen-moi-truong\n", "    unit: phong-tai-nguyen-moi-truong\n"
                      "    registry_upkeep: follow_unit\n"),
         [Where("registry_upkeep: follow_unit", after="  - code: tnmt-quy-dat")], "chỉ dùng cho nhiệm vụ định kỳ"),
    Case("calendar-duplicate-date", "calendar.yaml", whole(CALENDAR_DUPLICATE),
         [Where("Làm bù trùng ngày")], "ngày 11/02/2027 đã khai báo trong 'days_off'"),
    Case("calendar-impossible-date", "calendar.yaml", whole(CALENDAR_BAD_DATE),
         [Where("2027-02-30")], "giá trị không hợp lệ: '2027-02-30'"),
    Case("calendar-unknown-key", "calendar.yaml", append("holidays: []\n"),
         [Where("holidays: []")], "khóa không được phép 'holidays'"),
]


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    return target


def test_the_unbroken_copy_validates_and_init_writes_the_database(config_copy: Path, tmp_path: Path,
                                                                 run_cli) -> None:
    # the control for every case below: only the breakage makes them fail
    db = tmp_path / "x.db"
    result = run_cli("validate", "--config", config_copy)
    assert result.exit_code == 0, result.output
    result = run_cli("init", "--config", config_copy)
    assert result.exit_code == 0, result.output
    assert db.exists()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_config_is_rejected_with_file_and_line(case: Case, config_copy: Path, tmp_path: Path,
                                                      run_cli) -> None:
    path = config_copy / case.file
    broken = case.edit(path.read_text(encoding="utf-8"))
    path.write_text(broken, encoding="utf-8")
    lines = [w.line(broken) for w in case.where]

    result = run_cli("validate", "--config", config_copy)
    assert result.exit_code == 2, result.output
    assert f"cấu hình không hợp lệ ({case.problems} lỗi)" in result.stderr
    for line in lines:
        assert f"{path}:{line}: " in result.stderr, result.stderr
    reported = [row for row in result.stderr.splitlines() if f"{path}:{lines[0]}: " in row]
    assert case.message in reported[0], result.stderr

    db = tmp_path / "x.db"
    result = run_cli("init", "--config", config_copy)
    assert result.exit_code == 2, result.output
    assert f"{path}:{lines[0]}: " in result.stderr
    assert not db.exists()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_load_plan_raises_one_config_error_listing_each_problem(case: Case, config_copy: Path) -> None:
    path = config_copy / case.file
    broken = case.edit(path.read_text(encoding="utf-8"))
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_plan(config_copy)
    problems = info.value.problems
    assert len(problems) == case.problems
    assert sorted((p.file, p.line) for p in problems) == sorted((path, w.line(broken)) for w in case.where)


def test_problems_in_both_files_are_reported_together(config_copy: Path, run_cli) -> None:
    plan_path, calendar_path = config_copy / "plan.yaml", config_copy / "calendar.yaml"
    plan_text = replace_once("    unit: phong-quan-ly-do-thi\n", "    unit: phong-giao-thong\n")(
        plan_path.read_text(encoding="utf-8")
    )
    plan_path.write_text(plan_text, encoding="utf-8")
    calendar_path.write_text(CALENDAR_DUPLICATE, encoding="utf-8")
    result = run_cli("validate", "--config", config_copy)
    assert result.exit_code == 2
    assert "(2 lỗi)" in result.stderr
    assert f"{plan_path}:{Where('unit: phong-giao-thong').line(plan_text)}: " in result.stderr
    assert f"{calendar_path}:{Where('Làm bù trùng ngày').line(CALENDAR_DUPLICATE)}: " in result.stderr


def test_a_missing_plan_file_is_named(config_copy: Path, tmp_path: Path, run_cli) -> None:
    (config_copy / "plan.yaml").unlink()
    result = run_cli("init", "--config", config_copy)
    assert result.exit_code == 2
    assert f"{config_copy / 'plan.yaml'}:0: không tìm thấy tệp cấu hình" in result.stderr
    assert not (tmp_path / "x.db").exists()
