"""Defects a clerk found reading every inbox (issue 16, point 7), each shown as the clerk reads it.

The holiday backlog runs the CLI on SQLite (the messages go to the local inbox); the other defects
are read in one rendered digest or one sort.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from htx_tasks.core import wording
from htx_tasks.core.vntext import sort_key
from htx_tasks.core.zones import at_local
from htx_tasks.delivery.inbox import SEPARATOR
from htx_tasks.delivery.messages import make_item, render_digest

D = dt.date.fromisoformat
CENTRE, WARD = "trung-tam-vhtt-tt", "xa-cam-binh"


def messages(var: Path, unit: str) -> list[str]:
    path = var / "inbox" / f"{unit}.txt"
    return [m for m in path.read_text(encoding="utf-8").split(SEPARATOR) if m.strip()] if path.exists() else []


def test_notices_held_over_tet_reach_the_unit_once_per_item(run_cli, cli_env):
    """Ticks on 18/01, 08/02 (Tết, 09:00: nothing goes out) and 11/02/2027: the held-back overdue
    notice and its repeat fall due together; the unit reads item #N once, at its latest step, and
    the title counts items, not notices."""
    var = Path(cli_env["HTX_VAR_DIR"])
    assert run_cli("init").exit_code == 0
    for day in ("2027-01-18", "2027-02-08"):
        assert run_cli("tick", "--now", f"{day}T09:00").exit_code == 0
    (var / "inbox" / f"{CENTRE}.txt").unlink(missing_ok=True)
    assert run_cli("tick", "--now", "2027-02-11T09:00").exit_code == 0
    (digest,) = messages(var, CENTRE)
    ids = re.findall(r"Mã theo dõi: (\d+)", digest)
    assert ids and len(ids) == len(set(ids)), digest
    overdue = re.search(r"— (\d+) nhiệm vụ quá hạn", digest)
    assert overdue and int(overdue.group(1)) == digest.count("quá hạn 7 ngày làm việc"), digest
    # January's report, 7 working days overdue, at its latest step only: the escalation of the 5th
    # working day ("Đôn đốc"); the overdue notice held with it is not repeated, and the backoff's
    # next repeat ("Đôn đốc lại") is not due before the 10th
    assert "\n1. Đôn đốc — [III.6]" in digest and "Đã quá hạn — [III.6]" not in digest
    assert "Đôn đốc lại" not in digest
    for path in (var / "inbox").glob("*.txt"):  # one unit of days: time past is always in working days
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(quá hạn|qua mốc) \d+ ngày(?! làm việc)", text), path.name
        assert "htx-tasks" not in text and "Prefect" not in text, path.name  # no software in any message
    assert (var / "inbox" / "leadership.txt").exists()  # leadership's messages were read too


def test_a_one_off_duty_and_a_case_are_not_called_periods(plan):
    now = at_local(D("2027-01-11"), 9)
    once = make_item(plan, occurrence_id=5, kind="reminder", level=-1, unit="phong-van-hoa-thong-tin",
                     duty="vhtt-dang-tai", period="hạn 15/01/2027", deadline=D("2027-01-15"), now=now)
    case = make_item(plan, occurrence_id=6, kind="assigned", level=-1, unit="phong-tai-chinh-ke-hoach",
                     duty="tckh-thu-tuc", period="hồ sơ HTX-DAT-07", deadline=D("2027-01-14"), now=now)
    text = render_digest(plan, once.unit, [once], now).text + render_digest(plan, case.unit, [case], now).text
    assert "Kỳ: hạn" not in text and "Kỳ: hồ sơ" not in text
    assert "Hồ sơ: HTX-DAT-07" in text and "Hạn: Thứ Sáu, 15/01/2027" in text
    assert (wording.period_cell("hạn 15/01/2027"), wording.period_cell("quý I/2027")) == ("một lần", "quý I/2027")


def test_units_are_in_vietnamese_alphabetical_order():
    names = ["UBND xã Cam Thịnh Tây", "UBND xã Cam Thịnh Đông", "UBND phường Cam Lợi", "UBND phường Cam Lộc",
             "UBND phường Cam Linh", "UBND phường Ba Ngòi"]
    assert sorted(names, key=sort_key) == ["UBND phường Ba Ngòi", "UBND phường Cam Linh", "UBND phường Cam Lộc",
                                           "UBND phường Cam Lợi", "UBND xã Cam Thịnh Đông", "UBND xã Cam Thịnh Tây"]
    assert sorted(["an", "ấn", "ăn", "ân", "àn"], key=sort_key) == ["an", "àn", "ăn", "ân", "ấn"]


def test_a_copy_names_its_lead_units_in_vietnamese_order(plan):
    now = at_local(D("2027-01-18"), 9)
    copies = [make_item(plan, occurrence_id=i, kind="assigned", level=-1, unit=unit, duty="xa-theo-doi-htx",
                        period="quý I/2027", deadline=D("2027-03-10"), now=now, recipient="phong-kinh-te")
              for i, unit in enumerate(["xa-cam-thinh-tay", "xa-cam-thinh-dong"], start=1)]
    text = render_digest(plan, "phong-kinh-te", copies, now).text
    assert "UBND xã Cam Thịnh Đông, UBND xã Cam Thịnh Tây" in text, text
    assert "\n    Kỳ: quý I/2027 · Hạn: Thứ Tư, 10/03/2027" in text  # the line keeps its indent


def test_the_registry_line_is_said_once_and_for_the_period_it_is_asked_for(plan):
    """A ward with last quarter's monitoring report overdue and this quarter's open reads the
    registry request once, naming this quarter, never "trong kỳ này" for a past quarter."""
    now = at_local(D("2027-01-18"), 9)
    old = make_item(plan, occurrence_id=3, kind="repeat", level=1, unit=WARD, duty="xa-theo-doi-htx",
                    period="quý IV/2026", deadline=D("2026-12-10"), now=now)
    new = make_item(plan, occurrence_id=40, kind="assigned", level=-1, unit=WARD, duty="xa-theo-doi-htx",
                    period="quý I/2027", deadline=D("2027-03-10"), now=now)
    for text in (render_digest(plan, WARD, [old, new], now).text, render_digest(plan, WARD, [new, old], now).markdown):
        assert text.count("Sổ theo dõi hợp tác xã") == 1 and "trong kỳ này" not in text
        assert "hợp tác xã đơn vị theo dõi, kỳ quý I/2027" in text


def test_tick_on_a_fresh_database_counts_what_it_did_not_open_and_lists_it_on_request(run_cli):
    assert run_cli("init").exit_code == 0
    said = run_cli("tick", "--now", "2027-01-18T09:00", "--no-dispatch").stdout
    line = next(x for x in said.splitlines() if x.startswith("Không mở "))
    assert re.match(r"Không mở \d+ kỳ có hạn quá gần lúc bắt đầu theo dõi \(III\.\d", line), said
    assert "xem danh sách: tick --verbose." in line and "UBND" not in said and len(said.splitlines()) <= 3
    listed = run_cli("tick", "--now", "2027-01-18T09:00", "--no-dispatch", "--verbose").stdout
    assert "Không mở" not in listed  # the second run opens nothing new: nothing to say again
    assert run_cli("init").exit_code == 0


def test_tick_verbose_lists_each_period_not_opened_on_its_own_line(run_cli):
    assert run_cli("init").exit_code == 0
    said = run_cli("tick", "--now", "2027-01-18T09:00", "--no-dispatch", "--verbose").stdout
    lines = [x for x in said.splitlines() if x.startswith("  - ")]
    count = int(re.search(r"Không mở (\d+) kỳ", said).group(1))
    assert len(lines) == count > 1 and "  - III.8.2 UBND xã Cam Bình kỳ quý IV/2026 (hạn 10/12/2026)" in lines


def test_links_show_finds_the_key_make_run_made(run_cli, cli_env):
    from htx_tasks.links import default_key_file, ensure_key_file
    from htx_tasks.settings import Settings

    assert run_cli("init").exit_code == 0
    refused = run_cli("links", "show", "phuong-ba-ngoi")
    assert refused.exit_code == 1 and "chưa có khoá ký liên kết" in refused.stderr
    ensure_key_file(default_key_file(Settings(var_dir=Path(cli_env["HTX_VAR_DIR"]))))  # what `make run` does
    shown = run_cli("links", "show", "phuong-ba-ngoi")
    assert shown.exit_code == 0, shown.stderr
    assert re.search(r"http://127\.0\.0\.1:8300/u/\S+", shown.stdout), shown.stdout
