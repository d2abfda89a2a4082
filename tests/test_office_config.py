"""One directory of units shared by every plan: ``units.yaml``, ``calendar.yaml``, ``channels.yaml``
once for the office, one file per plan under ``plans/``; ``validate`` checks every plan against the
directory and names the file and line of each problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from office import SEED, SEED_DIR, line_of, office_folder

from htx_tasks.config import NoSinglePlan, load_config
from htx_tasks.core.refusals import UnknownCode
from htx_tasks.plan.loader import load_plan
from htx_tasks.plan.yamlio import ConfigError

SECOND = "ke-hoach-minh-hoa-thu"
SECOND_PLAN = f"""version: 1
plan:
  code: {SECOND}
  issuer: Ủy ban nhân dân thành phố Cam Ranh
  title: Kế hoạch minh họa dùng trong kiểm thử
  short_title: Kế hoạch minh họa (kiểm thử)
  label: KH minh họa
  legal_bases: [Kế hoạch minh họa, không có văn bản gốc]
  signer: {{office: [TM. ỦY BAN NHÂN DÂN], name: Người ký minh họa}}
  recipients: [UBND các xã, phường]
  timezone: Asia/Ho_Chi_Minh
  tracking_from: 2026-11-01
  coordinator: {{title: Phòng Kinh tế, unit: phong-kinh-te}}
  leadership: {{title: Phó Chủ tịch UBND thành phố phụ trách}}
policy:
  reminder_days: [2, 0]
duties:
  - code: mh-bao-cao-thang
    ref: III.1
    title: Báo cáo tháng (minh họa)
    unit: phuong-ba-ngoi
    deliverable: Báo cáo tháng
    deadline_source: coordinator
    recurrence: {{every: month, due_day: 25}}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return office_folder(tmp_path / "config")


def add_plan(folder: Path, text: str = SECOND_PLAN, name: str = SECOND) -> Path:
    path = folder / "plans" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(folder)
    return [str(p) for p in caught.value.problems]


def test_the_seed_plan_reads_the_same_from_the_office_layout(folder: Path) -> None:
    old = load_plan(SEED_DIR)
    plan = load_config(folder).plan
    assert plan.meta == old.meta and plan.source.units == old.source.units and plan.source.duties == old.source.duties
    assert all(plan.policy_for(d.code, u) == old.policy_for(d.code, u) for d in old.source.duties for u in old.assignees(d))


def test_two_plans_share_the_units_and_keep_their_own_policy(folder: Path) -> None:
    add_plan(folder)
    config = load_config(folder)
    assert list(config.plans) == [SECOND, SEED]
    seed, second = config.plans[SEED], config.plans[SECOND]
    assert [u.model_copy(update={"ref": None}) for u in seed.source.units] == second.source.units  # one directory
    assert seed.unit("phong-kinh-te").ref == "III.1" and second.unit("phong-kinh-te").ref is None  # sections: each plan's
    assert second.unit_name("phuong-ba-ngoi") == "UBND phường Ba Ngòi"
    assert second.policy_for("mh-bao-cao-thang", "phuong-ba-ngoi").reminder_days == [2, 0]
    assert second.source.policy.repeat_every_days == seed.source.policy.repeat_every_days  # the office default
    with pytest.raises(NoSinglePlan, match="--plan"):
        _ = config.plan  # two active plans: a command must be told which
    assert config.pick(SECOND) is second
    with pytest.raises(UnknownCode, match="không có kế hoạch mã 'khong-co'"):  # a code typed wrong
        config.pick("khong-co")


def test_a_plan_naming_a_unit_outside_the_directory_is_refused_at_its_line(folder: Path) -> None:
    path = add_plan(folder, SECOND_PLAN.replace("unit: phuong-ba-ngoi", "unit: phuong-khong-co"))
    problems = problems_of(folder)
    assert problems == [f"{path}:{line_of(path, 'phuong-khong-co')}: đơn vị 'phuong-khong-co' không có trong "
                        "danh mục đơn vị (units.yaml)"]


def test_a_duty_code_is_the_offices_and_a_plan_file_is_named_for_its_code(folder: Path) -> None:
    path = add_plan(folder, SECOND_PLAN.replace("mh-bao-cao-thang", "xa-tuyen-truyen"), name="ten-khac")
    problems = problems_of(folder)
    assert f"{path}:{line_of(path, 'code: xa-tuyen-truyen')}: mã nhiệm vụ 'xa-tuyen-truyen' đã dùng trong " \
           f"{SEED}.yaml; mỗi nhiệm vụ một mã riêng trong toàn cơ quan" in problems
    assert f"{path}:{line_of(path, f'code: {SECOND}')}: tệp kế hoạch phải mang tên mã kế hoạch: đổi tên thành " \
           f"{SECOND}.yaml hoặc sửa mã thành 'ten-khac'" in problems
    assert len(problems) == 2


def test_a_directory_problem_is_told_once_at_its_line_in_units_yaml(folder: Path) -> None:
    add_plan(folder)
    units = folder / "units.yaml"
    text = units.read_text(encoding="utf-8").replace(
        "{code: xa-cam-lap, name: UBND xã Cam Lập, kind: commune}",
        "{code: xa-cam-lap, name: UBND xã Cam Lập, kind: commune, successor: {unit: xa-nam-cam-ranh, on: 2025-07-01}}")
    units.write_text(text, encoding="utf-8")
    problems = problems_of(folder)
    assert problems == [f"{units}:{line_of(units, 'xa-nam-cam-ranh')}: đơn vị 'xa-nam-cam-ranh' không có trong "
                        "danh sách units"]


def test_units_yaml_beside_plan_yaml_is_refused(folder: Path) -> None:
    (folder / "plan.yaml").write_text("version: 1\n", encoding="utf-8")
    assert problems_of(folder) == [f"{folder / 'plan.yaml'}:0: thư mục đã có units.yaml (danh mục đơn vị dùng chung): "
                                   "chuyển kế hoạch này vào plans/<mã kế hoạch>.yaml và bỏ danh sách units trong đó"]


def test_validate_checks_every_plan_and_names_file_and_line(folder: Path, run_cli) -> None:
    add_plan(folder)
    ok = run_cli("validate", "--config", folder, "--json")
    assert ok.exit_code == 0, ok.output
    assert [p["plan"] for p in json.loads(ok.stdout)["plans"]] == [SECOND, SEED]
    path = add_plan(folder, SECOND_PLAN.replace("every: month", "every: fortnight"))
    bad = run_cli("validate", "--config", folder)
    assert bad.exit_code == 2
    assert f"{path}:{line_of(path, 'every: fortnight')}:" in bad.stderr
