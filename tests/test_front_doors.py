"""The front doors go through the services and map the services' error kinds to their own words.

``make run`` sets the database up through the same service as ``htx-tasks init``; a code the plan
does not hold is one error kind (``UnknownCode``, a refusal) raised by the plan itself, which the
CLI maps to exit 2 and a Prefect run to a Failed state without a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from office import SEED_DIR
from sqlmodel import Session, func, select

from htx_tasks.core.refusals import Refused, UnknownCode
from htx_tasks.core.zones import at_local
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.models import CoopVersion
from htx_tasks.services import Actor, OpenCase, open_case, passes
from htx_tasks.store.db import make_engine, session_scope
from htx_tasks.store.models import DutyRow, UnitRow

NOW = at_local(dt.date(2026, 11, 2), 7, 30)
CONFIG_DIR = SEED_DIR


def test_plan_look_ups_raise_the_services_own_refusal(plan: Plan) -> None:
    for look_up, code, words in ((plan.unit, "phuong-khong-co", "không có đơn vị 'phuong-khong-co' trong kế hoạch"),
                                 (plan.duty, "khong-co", "không có nhiệm vụ 'khong-co' trong kế hoạch")):
        with pytest.raises(UnknownCode) as caught:
            look_up(code)
        assert isinstance(caught.value, Refused) and str(caught.value) == words  # no KeyError quotes


def test_a_service_passes_the_plans_refusal_on_untranslated(db_engine, plan: Plan) -> None:
    command = OpenCase.parse(duty="tckh-thu-tuc", unit="khong-co", kind="dang-ky", received="2026-11-02", ref="HS-1")
    with pytest.raises(UnknownCode, match="không có đơn vị 'khong-co'"), session_scope(db_engine) as session:
        open_case(session, plan, Actor.coordinator("cli:kiem-thu"), command, now=NOW)


def test_make_run_sets_the_database_up_as_init_does_and_adds_the_demo_registry_once(plan: Plan, tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'htx.db'}")
    try:
        first = passes.init_database(engine, plan, demo=True, now=NOW)
        again = passes.init_database(engine, plan, demo=True, now=NOW)
        with Session(engine) as session:
            units = session.exec(select(func.count()).select_from(UnitRow)).one()
            duties = session.exec(select(func.count()).select_from(DutyRow)).one()
            coops = session.exec(select(func.count()).select_from(CoopVersion)).one()
    finally:
        engine.dispose()
    assert first.previous is None and again.previous is not None  # created, then found up to date
    assert (units, duties) == (len(plan.source.units), len(plan.source.duties))
    assert first.demo is not None and coops > 0 and again.demo is None  # only into an empty registry


@pytest.mark.parametrize(("args", "words"), [
    (["status", "--unit", "phuong-khong-co"], "không có đơn vị 'phuong-khong-co' trong kế hoạch"),
    (["case", "open", "khong-co", "--unit", "phong-tai-chinh-ke-hoach", "--received", "2026-11-02", "--ref", "HS-1"],
     "không có nhiệm vụ 'khong-co' trong kế hoạch"),
    (["submit", "1", "--unit", "phuong-khong-co", "--note", "x", "--version", "{v}"],
     "không có đơn vị 'phuong-khong-co' trong kế hoạch"),
])
def test_the_cli_maps_a_code_typed_wrong_to_exit_2(run_cli, args, words) -> None:
    assert run_cli("init").exit_code == 0
    assert run_cli("tick", "--now", "2026-11-02T07:30", "--no-dispatch").exit_code == 0
    shown = str(json.loads(run_cli("show", "1", "--json").stdout)["version"])  # item 1 as the terminal showed it
    result = run_cli(*[a.replace("{v}", shown) for a in args], "--now", "2026-11-02T09:00")
    assert result.exit_code == 2, result.output
    assert f"Lỗi: {words}" in result.stderr and "Traceback" not in result.output


def test_a_prefect_follow_up_of_a_mistyped_unit_fails_in_words_without_a_traceback(
        installed, caplog: pytest.LogCaptureFixture) -> None:
    from flows.units import follow_up_unit

    caplog.set_level(logging.INFO)
    state = follow_up_unit(unit="phuong-khong-co", now="2026-11-02T07:30", return_state=True)
    assert (state.type.value, state.name) == ("FAILED", "Tham số không hợp lệ")
    assert "không có đơn vị 'phuong-khong-co' trong kế hoạch" in state.message
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
