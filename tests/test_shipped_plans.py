"""The shipped configuration: the office layout with the seed plan and the demonstration plan, both
followed. A command about one plan asks which (naming each), a command about an item finds the
item's plan, and what every plan shares (calendar, channels) needs no plan at all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from office import CONFIG_DIR, DEMO, SEED, sections

from htx_tasks.config import load_config

NOW = "2026-11-16T08:00"


@pytest.fixture
def shipped(run_cli, tmp_path: Path):
    """``htx-tasks`` on the shipped ``config/``, initialised and ticked once (no messages sent)."""

    def run(*args: str):
        return run_cli(*args, env={"HTX_CONFIG_DIR": str(CONFIG_DIR)})

    assert run("init").exit_code == 0
    ticked = run("tick", "--now", NOW, "--no-dispatch")
    assert ticked.exit_code == 0, ticked.output
    return run


def test_the_office_ships_two_plans_over_one_directory_of_units() -> None:
    assert not (CONFIG_DIR / "plan.yaml").exists()
    assert sorted(p.name for p in (CONFIG_DIR / "plans").iterdir()) == [f"{SEED}.yaml", f"{DEMO}.yaml"]
    config = load_config(CONFIG_DIR)
    assert list(config.plans) == [SEED, DEMO]  # file-name order: the seed plan first
    seed, demo = config.plans[SEED], config.plans[DEMO]
    assert "minh họa" in demo.meta.title and "minh họa" in demo.meta.short_title
    assert demo.source.units == [u.model_copy(update={"ref": None}) for u in seed.source.units]  # once, in units.yaml
    assert [u.ref for u in demo.source.units if u.ref] == []  # the seed plan's sections are its own
    for name in (f"{SEED}.yaml", f"{DEMO}.yaml"):  # a plan names units; it lists none
        assert "units" not in sections((CONFIG_DIR / "plans" / name).read_text(encoding="utf-8"))
    assert {d.unit for d in demo.source.duties} == {"phong-kinh-te", "phuong-ba-ngoi", "phuong-cam-linh"}
    assert {d.recurrence.every for d in demo.source.duties if d.recurrence} == {"month"}
    assert demo.policy_for("mh-ra-soat-htx-phuong", "phuong-ba-ngoi").reminder_days == [3, 0]
    assert seed.policy_for("kt-theo-doi-htx", "phong-kinh-te").reminder_days == [7, 3, 1, 0]


def test_validate_checks_both_shipped_plans(run_cli) -> None:
    result = run_cli("validate", "--config", CONFIG_DIR, "--json")
    assert result.exit_code == 0, result.output
    assert [p["plan"] for p in json.loads(result.stdout)["plans"]] == [SEED, DEMO]


def test_a_command_about_one_plan_asks_which_naming_each(shipped) -> None:
    result = shipped("status", "--unit", "phuong-ba-ngoi")  # a unit's items: one plan's view
    assert result.exit_code == 2
    assert "cơ quan đang theo dõi 2 kế hoạch; lệnh này cần chọn một kế hoạch:" in result.stderr
    assert f"--plan {SEED}: Kế hoạch thực hiện Chương trình hành động số 46-CTr/TU" in result.stderr
    assert f"--plan {DEMO}: Kế hoạch minh họa rà soát nhanh hợp tác xã" in result.stderr
    chosen = shipped("status", "--plan", DEMO)
    assert chosen.exit_code == 0, chosen.output
    assert "UBND phường Ba Ngòi" in chosen.stdout
    assert "UBND phường Cam Lộc" not in chosen.stdout  # the seed plan's wards stay out
    office = shipped("status")  # no plan named: the office-wide standing (tests/test_office_status.py)
    assert office.exit_code == 0 and "Tình hình thực hiện toàn cơ quan" in office.stdout


def test_once_one_plan_is_closed_the_other_is_the_default(shipped) -> None:
    closed = shipped("plan", "close", DEMO, "--note", "Kết thúc trình diễn")
    assert closed.exit_code == 0, closed.output
    said = " ".join(closed.stdout.split())  # the notices were cancelled, not "could not be sent" (README's words)
    assert re.search(r"\d+ báo cáo chờ duyệt đóng lại, \d+ thông báo chưa gửi bị hủy\.$", said), said
    result = shipped("status")
    assert result.exit_code == 0, result.output
    assert "UBND phường Cam Lộc" in result.stdout


def test_an_item_command_finds_the_items_own_plan(shipped) -> None:
    listed = shipped("status", "--plan", DEMO, "--json")
    assert listed.exit_code == 0, listed.output
    (item,) = [i for i in json.loads(listed.stdout) if i["duty"] == "mh-ra-soat-htx-phuong"]
    shown = shipped("show", str(item["id"]))  # no --plan: the item's number names its plan
    assert shown.exit_code == 0, shown.output
    assert f"Nhiệm vụ số {item['id']}: III.1 UBND phường Ba Ngòi, kỳ tháng 11/2026" in shown.stdout
    missing = shipped("show", "99999")  # no such item: refused in the service's words
    assert missing.exit_code != 0 and "không có nhiệm vụ số 99999" in missing.stderr


def test_what_every_plan_shares_needs_no_plan(shipped) -> None:
    assert shipped("calendar", "deadline", "2026-12-01").exit_code == 0
    channels = shipped("channels", "list")
    assert channels.exit_code == 0 and "UBND phường Ba Ngòi" in channels.stdout


def test_the_plans_list_keeps_each_code_whole_on_a_narrow_terminal(run_cli, shipped) -> None:
    """The code is what a person types back (``--plan``, ``plan show``): an 80-column terminal
    wraps the titles, never the codes."""
    listed = run_cli("plans", env={"HTX_CONFIG_DIR": str(CONFIG_DIR), "COLUMNS": "80"})
    assert listed.exit_code == 0, listed.output
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80
    for code in (SEED, DEMO):
        assert re.search(rf"│ {code} +│", listed.stdout), listed.stdout


def test_plan_show_names_the_issuer_as_such_and_the_document_only_when_there_is_one(shipped) -> None:
    seed = shipped("plan", "show", SEED)  # the seed plan's text bears no number or date
    assert seed.exit_code == 0, seed.output
    assert "  Cơ quan ban hành: Ủy ban nhân dân thành phố Cam Ranh\n" in seed.stdout
    assert "Văn bản:" not in seed.stdout
    demo = shipped("plan", "show", DEMO)
    assert "  Văn bản: Kế hoạch minh họa, không có số và ngày ban hành\n" in demo.stdout


def test_a_case_is_opened_under_the_plan_that_holds_its_item_code(shipped) -> None:
    """Item codes are unique in the office: ``case open`` needs no ``--plan`` when both plans are
    followed, and the case belongs to the plan holding the code."""
    opened = shipped("case", "open", "tckh-thu-tuc", "--unit", "phong-tai-chinh-ke-hoach", "--kind", "dang-ky",
                     "--received", "2026-11-16", "--ref", "HS-001", "--now", NOW, "--json")
    assert opened.exit_code == 0, opened.output
    number = json.loads(opened.stdout)["id"]
    listed = json.loads(shipped("status", "--plan", SEED, "--json").stdout)
    assert number in {i["id"] for i in listed}
    unknown = shipped("case", "open", "khong-co", "--unit", "phong-kinh-te", "--received", "2026-11-16", "--ref", "X")
    assert unknown.exit_code == 2 and "--plan" in unknown.stderr  # no plan holds it: which plan is asked
