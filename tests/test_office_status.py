"""``htx-tasks status`` in an office following several plans: without ``--plan`` the office-wide
standing (every plan, title first, worst first, the units with late work; the Front's requests
past their date apart, never "quá hạn"); ``--plan CODE`` keeps one plan's view."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from clikit import as_json, ok
from office import DEMO, SEED, office_folder

FRONT = "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố"
NOW = "2027-01-05T09:00"


@pytest.fixture
def office_cli(run_cli, tmp_path: Path):
    """The shipped office (the seed and the demonstration plan), ticked into January 2027."""
    folder = office_folder(tmp_path / "office", demo=True)

    def run(*args: str):
        return run_cli(*args, env={"HTX_CONFIG_DIR": str(folder)})

    ok(run("init"))
    for at in ("2026-11-02T07:30", "2027-01-05T07:30"):
        ok(run("tick", "--now", at, "--no-dispatch", "--force"))
    return run


def per_unit(rows: list[dict], *, request: bool) -> Counter:
    return Counter(r["unit"] for r in rows if r["request"] is request)


def test_status_without_a_plan_shows_every_plan_worst_first_counted_as_each_plans_own_view(office_cli) -> None:
    standing = as_json(office_cli("status", "--now", NOW, "--json"))
    plans = standing["plans"]
    assert [p["code"] for p in plans] == [SEED, DEMO]  # the seed plan has more work past its term
    assert plans[0]["overdue"] > plans[1]["overdue"] > 0
    for line in plans:  # the units with late work are those of the plan's own view, one by one
        rows = [r for r in as_json(office_cli("status", "--plan", line["code"], "--now", NOW, "--json"))
                if r["deadline"] < "2027-01-05"]
        late = {u["unit"]: u["count"] for u in line["units_overdue"]}
        asked = {u["unit"]: u["count"] for u in line["units_past_requests"]}
        assert late == per_unit(rows, request=False) and sum(late.values()) == line["overdue"]
        assert asked == per_unit(rows, request=True) and sum(asked.values()) == line["past_requests"]
        counts = [u["count"] for u in line["units_overdue"]]
        assert counts == sorted(counts, reverse=True)
    assert plans[0]["past_requests"] > 0 and plans[1]["past_requests"] == 0


def test_status_words_the_fronts_requests_apart_and_names_each_plan_by_its_title(office_cli) -> None:
    text = ok(office_cli("status", "--now", NOW))
    assert "Tình hình thực hiện toàn cơ quan — 05/01/2027 (2 kế hoạch" in text
    lines = text.splitlines()
    seed = lines.index("Kế hoạch thực hiện Chương trình hành động số 46-CTr/TU về kinh tế tập thể (kh-46-ctr-tu-cam-ranh)")
    demo = lines.index("Kế hoạch minh họa rà soát nhanh hợp tác xã (minh-hoa-ra-soat-htx)")
    assert seed < demo
    late, asked = lines[seed + 1], lines[seed + 2]
    assert late.startswith("  Quá hạn: Phòng Kinh tế (4), ") and FRONT not in late
    assert asked.startswith("  Đề nghị đã qua mốc: ") and f"{FRONT} (1)" in asked
    assert lines[demo + 1] == "  Quá hạn: Phòng Kinh tế (1), UBND phường Ba Ngòi (1), UBND phường Cam Linh (1)"
    # the table's rows begin with each plan's title, worst first
    rows = [line for line in lines if line.startswith("│")]
    assert rows[0].startswith("│ Kế hoạch thực hiện Chương trình") and rows[1].startswith("│ Kế hoạch minh họa")


def test_status_with_a_plan_keeps_its_own_view_and_a_unit_still_needs_a_plan(office_cli) -> None:
    one = ok(office_cli("status", "--plan", DEMO, "--now", NOW))
    assert "Tình hình thực hiện — 05/01/2027" in one and "toàn cơ quan" not in one
    assert "Phòng Kinh tế" in one and "Ủy ban Mặt trận" not in one  # the demonstration plan's units only
    unit = office_cli("status", "--unit", "phuong-ba-ngoi", "--now", NOW)
    assert unit.exit_code == 2 and f"--plan {DEMO}" in unit.stderr
