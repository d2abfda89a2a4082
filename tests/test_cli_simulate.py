"""``htx-tasks simulate`` (a month around Tết, the whole of 2027) and ``deploy``'s warning about a
password in an environment value.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import pairwise

from clikit import D, as_json, ok

from htx_tasks.plan.loader import Plan

# --- simulation ---------------------------------------------------------------------------------


def test_simulating_a_month_shows_no_follow_up_during_tet(run_cli) -> None:
    out = ok(run_cli("simulate", "--from", "2027-02-01", "--to", "2027-02-28"))
    assert re.search(r"Mô phỏng 01/02/2027 – 28/02/2027: \d+ thông báo", out)
    for day in range(4, 11):
        assert f"{day:02d}/02/2027 07:30" not in out
    # the monthly III.6 report, due Thursday 25/2, is followed up after Tết
    assert re.search(r"18/02/2027 07:30 +│ Nhắc việc +│ Trung tâm Văn hóa", out)


def test_simulating_2027_covers_every_unit_and_duty_on_working_days(run_cli, plan: Plan) -> None:
    data = as_json(run_cli("simulate", "--from", "2027-01-01", "--to", "2027-12-31", "--json"))
    events, opened = data["events"], data["opened"]
    assert data["coverage"] == {"units_missing": [], "duties_missing": [], "duties_outside_window": [
        "kt-ha-tang", "kt-tham-muu", "kt-tieu-chi-13", "kt-tieu-chi-13-vuong-mac"]}

    # every unit that owns work, each ward on its own, hears about every duty it owns
    pairs = {(e["unit"], e["duty"]) for e in events}
    expected = {(unit, duty.code) for duty in plan.source.duties for unit in plan.assignees(duty)
                if duty.active_on(D("2027-06-30"))}
    assert expected <= pairs
    wards = plan.members("ubnd-xa-phuong")
    assert len(wards) == 15
    for ward in wards:
        assert {(ward, "xa-tuyen-truyen"), (ward, "xa-theo-doi-htx")} <= pairs
        quarters = sorted(o["period"] for o in opened if o["unit"] == ward and o["duty"] == "xa-tuyen-truyen")
        assert quarters == ["quý I/2027", "quý II/2027", "quý III/2027", "quý IV/2027"]
    assert {e["duty"] for e in events} == set(plan.duties) - set(data["coverage"]["duties_outside_window"])
    # dated duties end: no period of III.1.1, III.1.3 or III.1.4 in 2027 (their windows ended in 2023 and 2025)
    assert not [o for o in opened if o["duty"] in ("kt-tham-muu", "kt-tieu-chi-13", "kt-ha-tang")]

    # no deadline falls on a day off, and every notice, the assignment included, is at 07:30 on a
    # working day (1/1/2027 is New Year's Day: the periods opening then are announced on Monday 4/1)
    calendar = plan.calendar
    assert all(calendar.is_working_day(D(e["deadline"])) for e in events)
    assert all(calendar.is_working_day(D(o["deadline"])) for o in opened)
    for e in events:
        at = dt.datetime.fromisoformat(e["at"])
        assert D("2027-01-01") <= at.date() <= D("2027-12-31")
        assert (at.hour, at.minute) == (7, 30), e
        assert calendar.is_working_day(at.date()), e
    assert min(e["at"] for e in events).startswith("2027-01-04T07:30")
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)

    # nobody is escalated to itself: Phòng Kinh tế's own work goes from the unit to leadership
    assert not [e for e in events if e["unit"] == "phong-kinh-te" and e["recipient"] == "coordinator"]
    assert any(e["unit"] == "phong-kinh-te" and e["recipient"] == "leadership" for e in events)

    # the Fatherland Front and the mass organisations are asked, not directed: each on its own,
    # never reaching the leadership, the coordinator told for liaison, recalled at most monthly
    organisations = plan.members("ubmttq-doan-the")
    assert len(organisations) == 6
    assert any(e["recipient"] == "leadership" for e in events)
    asked = [e for e in events if e["unit"] in organisations]
    assert {e["unit"] for e in asked} == set(organisations)
    assert not [e for e in asked if e["recipient"] == "leadership"]
    assert any(e["recipient"] == "coordinator" for e in asked)
    for org in organisations:
        recalls = [dt.datetime.fromisoformat(e["at"]) for e in asked if e["recipient"] == org and e["kind"] == "repeat"]
        assert recalls and all((b - a).days >= 25 for a, b in pairwise(recalls))

    # coordinating units get copies of the assignment and the first overdue notice, nothing more
    copies = [e for e in events if e["recipient"] not in (e["unit"], "coordinator", "leadership")]
    assert {(e["duty"], e["recipient"]) for e in copies} >= {("xa-theo-doi-htx", "phong-kinh-te"),
                                                            ("kt-theo-doi-htx", "phuong-ba-ngoi")}
    assert {e["kind"] for e in copies} == {"assigned", "overdue"}


def test_deploy_warns_when_an_env_value_carries_a_password(capsys) -> None:
    from htx_tasks.cli.deploy import _env_pairs

    assert _env_pairs(["HTX_VAR_DIR=/srv/htx/var", "HTX_DATABASE_URL=postgresql://htx@db/htx"]) == {
        "HTX_VAR_DIR": "/srv/htx/var", "HTX_DATABASE_URL": "postgresql://htx@db/htx"}
    assert "mật khẩu" not in capsys.readouterr().err
    _env_pairs(["HTX_DATABASE_URL=postgresql://htx:bi-mat@db/htx"])
    err = capsys.readouterr().err
    assert "HTX_DATABASE_URL chứa mật khẩu" in err and "bi-mat" not in err
