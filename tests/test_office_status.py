"""``htx-tasks status`` in an office following several plans: without ``--plan`` the office-wide
standing (every plan, title first, worst first, the units with late work; the Front's requests
past their date apart, never "quá hạn"); ``--plan CODE`` keeps one plan's view."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from clikit import as_json, ok
from office import DEMO, SEED, office_folder

from htx_tasks.config import load_config
from htx_tasks.office_board import build_office, render_office
from htx_tasks.services.instants import instant_of
from htx_tasks.store.db import make_engine, read_scope

FRONT = "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố"
NOW = "2027-01-05T09:00"


def instant(text: str):  # noqa: ANN201
    return instant_of(text, field="now")


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


def test_the_office_wide_board_shows_the_counts_status_shows(office_cli, cli_env, tmp_path: Path) -> None:
    """The board's office-wide table (the Prefect artifact) and ``status`` read the same lines: the
    same plans in the same order, the same work past its term and requests past their date."""
    standing = as_json(office_cli("status", "--now", NOW, "--json"))["plans"]
    config = load_config(tmp_path / "office", tmp_path / "inbox")
    engine = make_engine(cli_env["HTX_DATABASE_URL"])
    try:
        with read_scope(engine) as session:
            markdown = render_office(build_office(session, list(config.plans.values()), instant(NOW)), instant(NOW))
    finally:
        engine.dispose()
    header, *rows = [line for line in markdown.splitlines() if line.startswith("| ")][: 1 + len(standing)]
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    assert columns[2:4] == ["Quá hạn", "Đề nghị đã qua mốc"]
    for row, line in zip(rows, standing, strict=True):
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert (cells[0], cells[2], cells[3]) == (line["title"], str(line["overdue"]), str(line["past_requests"]))
