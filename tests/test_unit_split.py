"""A unit split into several (one-to-many): from the date, each new unit owes the old unit's open
work and its later periods, told once whose work it took; a report already made goes to the
first; the configuration names a missing unit of the split at its line (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from actions import submit
from office import SEED_DIR as CONFIG_DIR
from office import line_of
from sqlalchemy import Engine, select
from sqlmodel import Session

from htx_tasks.config import Config, load_config
from htx_tasks.core.zones import at_local
from htx_tasks.delivery.dispatcher import dispatch
from htx_tasks.engine import run_pass
from htx_tasks.plan.yamlio import ConfigError
from htx_tasks.store.db import session_scope
from htx_tasks.store.models import Occurrence

OLD = "  - {code: phuong-cam-linh, name: UBND phường Cam Linh, kind: ward}\n"
SPLIT = """  - code: phuong-cam-linh
    name: UBND phường Cam Linh
    kind: ward
    successor: {unit: phuong-moi-bac, also: [phuong-moi-nam], on: 2026-11-05, why: chia tách (ví dụ kiểm thử)}
  - {code: phuong-moi-bac, name: UBND phường Mới Bắc, kind: ward}
  - {code: phuong-moi-nam, name: UBND phường Mới Nam, kind: ward}
"""
D = dt.date.fromisoformat


def M(day: str) -> dt.datetime:
    return at_local(D(day), 7, 30)


def folders(tmp_path: Path, split: str = SPLIT) -> tuple[Path, Path]:
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(CONFIG_DIR, before)
    shutil.copytree(CONFIG_DIR, after)
    plan = after / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    assert OLD in text
    plan.write_text(text.replace(OLD, split), encoding="utf-8")
    return before, after


def held(engine: Engine, unit: str) -> list[Occurrence]:
    with Session(engine) as session:
        return list(session.execute(select(Occurrence).where(Occurrence.unit_code == unit).order_by(Occurrence.id))
                    .scalars())


def test_a_split_unit_hands_its_open_work_to_each_new_unit(db_engine: Engine, tmp_path: Path) -> None:
    configs: list[Config] = [load_config(f, tmp_path / f"inbox-{f.name}") for f in folders(tmp_path)]
    before, after = configs
    run_pass(db_engine, before.plan, M("2026-11-02"))
    old = [o for o in held(db_engine, "phuong-cam-linh")]
    assert len(old) == 2
    with session_scope(db_engine) as session:
        submit(session, before.plan, old[0].id, unit="phuong-cam-linh", note="Đã báo cáo", now=M("2026-11-04"))

    result = run_pass(db_engine, after.plan, M("2026-11-09"))
    assert {o.state for o in held(db_engine, "phuong-cam-linh")} == {"succeeded"}
    north, south = held(db_engine, "phuong-moi-bac"), held(db_engine, "phuong-moi-nam")
    # the report made goes to the first unit only; the open item to both, each its own
    assert sorted((o.duty_code, o.state) for o in north) == sorted(
        [(old[0].duty_code, "submitted"), (old[1].duty_code, "open")])
    assert [(o.duty_code, o.state, o.predecessor_id) for o in south] == [(old[1].duty_code, "open", old[1].id)]
    assert result.transferred == 3
    dispatch(db_engine, after.plan, M("2026-11-09"), channels=after.channels)
    inbox = tmp_path / "inbox-after"
    for unit in ("phuong-moi-bac", "phuong-moi-nam"):
        text = (inbox / f"{unit}.txt").read_text(encoding="utf-8")
        assert "Nhận bàn giao: 1 nhiệm vụ còn mở của UBND phường Cam Linh chuyển sang đơn vị từ ngày 05/11/2026 " \
               "(chia tách (ví dụ kiểm thử))" in text
        assert "Nhận bàn giao từ: UBND phường Cam Linh" in text
    # later periods open for both new units, none for the old one
    run_pass(db_engine, after.plan, M("2027-01-04"))
    assert {o.period_key for o in held(db_engine, "phuong-moi-nam")} > {o.period_key for o in south}
    later = {o.period_key for o in held(db_engine, "phuong-moi-nam")} - {o.period_key for o in south}
    assert later and later <= {o.period_key for o in held(db_engine, "phuong-moi-bac")}
    assert len(held(db_engine, "phuong-moi-nam")) == len(held(db_engine, "phuong-moi-bac")) - 1  # the report made
    assert {o.state for o in held(db_engine, "phuong-cam-linh")} == {"succeeded"}
    assert after.plan.followed("ubnd-xa-phuong", D("2026-11-09"))[-2:] == ["phuong-moi-bac", "phuong-moi-nam"]


def test_a_split_naming_an_unknown_unit_is_refused_at_its_line(tmp_path: Path) -> None:
    _, after = folders(tmp_path, SPLIT.replace("also: [phuong-moi-nam]", "also: [phuong-khong-co]"))
    with pytest.raises(ConfigError) as caught:
        load_config(after)
    path = after / "plan.yaml"
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:{line_of(path, 'phuong-khong-co')}: đơn vị 'phuong-khong-co' không có trong danh sách units"]
