"""Unit matching against a directory: real spellings (tests/data/unit_spellings.yaml) and properties."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from office import SEED_DIR

from htx_tasks.core.strict import CODE
from htx_tasks.core.unit_match import ACCEPT, DirectoryUnit, MatchKind, UnitDirectory, unit_key
from htx_tasks.core.vntext import strip_marks
from htx_tasks.plan.loader import load_plan

ROOT = Path(__file__).parents[1]
PLAN = load_plan(SEED_DIR)
UNITS = [
    DirectoryUnit(u.code, u.name, u.kind.value, (u.short_name,) if u.short_name else (), tuple(u.members or ()))
    for u in PLAN.units.values()
]
DIRECTORY = UnitDirectory(UNITS, places=["Cam Ranh"])
TABLE = yaml.safe_load((ROOT / "tests" / "data" / "unit_spellings.yaml").read_text(encoding="utf-8"))
SINGLE = [u for u in UNITS if not u.members]
GROUPS = {
    "@wards": [u.code for u in UNITS if u.kind in ("ward", "commune")],
    "@departments": [u.code for u in UNITS if u.kind == "department"],
    "@organisations": [u.code for u in UNITS if u.kind == "organisation" and u.code != "ubmttq-thanh-pho"],
    "@front_group": list(PLAN.units["ubmttq-doan-the"].members or []),
}


def expected_codes(codes: str | list[str]) -> set[str]:
    return set(GROUPS[codes] if isinstance(codes, str) else codes)


def test_the_groups_the_table_names_are_not_empty() -> None:
    assert len(GROUPS["@wards"]) == 15 and len(GROUPS["@departments"]) == 5 and len(GROUPS["@organisations"]) == 5


@pytest.mark.parametrize("row", TABLE, ids=[f"{i:02d}-{row['text'][:30]}" for i, row in enumerate(TABLE)])
def test_real_spelling_matches_as_expected(row: dict[str, Any]) -> None:
    found = DIRECTORY.match(row["text"])
    expect = row["expect"]
    assert found.kind.value == expect["kind"], found.understood
    assert found.understood.strip() and found.text == row["text"]
    if "codes" in expect:
        assert set(found.codes) == expected_codes(expect["codes"])
        assert len(found.codes) == len(set(found.codes))
    if "group" in expect:
        assert found.group == expect["group"]
    if expect["kind"] in ("ambiguous", "unknown", "vague"):
        assert found.codes == () and found.needs_review, "what is not one known unit names no unit"
    if "candidates" in expect:
        shown = [c.code for c in found.candidates]
        assert set(expect["candidates"]) <= set(shown[: max(2, len(expect["candidates"]))])
    if expect["kind"] == "unknown":
        assert found.proposed_code and re.fullmatch(CODE, found.proposed_code)
        scores = [c.score for c in found.candidates]
        assert scores and scores == sorted(scores, reverse=True)


def _spellings(name: str) -> list[str]:
    return [name, strip_marks(name), name.upper(), strip_marks(name).lower(), name.replace("–", "-"),
            name.replace(" – ", "-"), "  " + name.replace(" ", "  ") + " ", name.replace("–", "—")]


@given(unit=st.sampled_from(SINGLE), variant=st.integers(0, 7))
def test_every_directory_name_matches_itself_whatever_the_spelling(unit: DirectoryUnit, variant: int) -> None:
    found = DIRECTORY.match(_spellings(unit.name)[variant])
    assert (found.kind, found.codes, found.score) == (MatchKind.EXACT, (unit.code,), 100.0)


@given(text=st.text(alphabet=st.sampled_from(list("abcdeghiklmnopqrstuvxyđăâêôơư ,-")), max_size=40))
def test_a_unit_is_named_only_when_close_enough(text: str) -> None:
    found = DIRECTORY.match(text)
    if found.codes:
        assert found.kind in (MatchKind.EXACT, MatchKind.CLOSE, MatchKind.COLLECTIVE)
        assert found.score >= ACCEPT
    else:
        assert found.needs_review


@given(picked=st.lists(st.sampled_from(SINGLE), min_size=1, max_size=6),
       separators=st.lists(st.sampled_from(["; ", ", ", "\n", " và ", " + "]), min_size=6, max_size=6))
def test_a_cell_listing_several_units_gives_each_in_order(picked: list[DirectoryUnit], separators: list[str]) -> None:
    cell = picked[0].name + "".join(sep + unit.name for sep, unit in zip(separators, picked[1:], strict=False))
    found = DIRECTORY.match_all(cell)
    assert [m.codes for m in found] == [(u.code,) for u in picked]


@pytest.mark.parametrize(("cell", "expected"), [
    ("Phòng Kinh tế; Phòng TC-KH, UBND các xã, phường", [["phong-kinh-te"], ["phong-tai-chinh-ke-hoach"], "@wards"]),
    ("Phòng Kinh tế và Phòng Tài chính – Kế hoạch", [["phong-kinh-te"], ["phong-tai-chinh-ke-hoach"]]),
    ("UBND xã Cam Lập, phường Ba Ngòi", [["xa-cam-lap"], ["phuong-ba-ngoi"]]),
    ("Phòng Tài nguyên và Môi trường", [["phong-tai-nguyen-moi-truong"]]),
    ("UBMTTQ và các đoàn thể thành phố", ["@front_group"]),
    ("Phòng Kinh tế, Hạ tầng và Đô thị", [[]]),
    ("Phòng Kinh tế, Phòng Nội vụ", [["phong-kinh-te"], []]),
])
def test_cells_are_split_only_where_another_unit_begins(cell: str, expected: list[Any]) -> None:
    found = DIRECTORY.match_all(cell)
    assert [set(m.codes) for m in found] == [expected_codes(e) for e in expected]
    assert all(m.text.strip() for m in found)


def test_an_unknown_unit_in_a_cell_is_kept_with_its_own_words() -> None:
    first, second = DIRECTORY.match_all("Phòng Kinh tế, Phòng Nội vụ")
    assert second.kind is MatchKind.UNKNOWN and second.text == "Phòng Nội vụ"
    assert second.proposed_code == "phong-noi-vu" and second.candidates


def test_a_directory_without_groups_reads_collectives_by_kind() -> None:
    directory = UnitDirectory([u for u in UNITS if u.kind != "group"], places=["Cam Ranh"])
    found = directory.match("UBND các xã, phường")
    assert found.kind is MatchKind.COLLECTIVE and set(found.codes) == set(GROUPS["@wards"]) and found.group is None


def test_aliases_are_names_too() -> None:
    directory = UnitDirectory([DirectoryUnit("phong-kt-ht-dt", "Phòng Kinh tế, Hạ tầng và Đô thị", "department",
                                             aliases=("Phòng KT-HT&ĐT",))])
    assert directory.match("Phòng KT-HT&ĐT").codes == ("phong-kt-ht-dt",)
    assert directory.match("phong kinh te ha tang va do thi").kind is MatchKind.EXACT


@pytest.mark.parametrize(("spelling", "key"), [
    ("Phòng TC-KH", "phong tai chinh ke hoach"),
    ("UBND P. Ba Ngòi", "uy ban nhan dan phuong ba ngoi"),
    ("Trung tâm VH-TT&TT", "trung tam van hoa thong tin the thao"),
    ("Ủy ban MTTQ Việt Nam thành phố", "uy ban mat tran to quoc thanh pho"),
    ("Thành uỷ Cam Ranh (báo cáo)", "thanh uy cam ranh"),
])
def test_keys_spell_out_abbreviations(spelling: str, key: str) -> None:
    assert unit_key(spelling) == key
