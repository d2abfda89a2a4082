"""``htx-tasks registry …`` and ``htx-tasks kpi``: the cooperative registry and the I.2 targets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from htx_tasks.cli import output
from htx_tasks.cli.common import (
    CLI_LABELS,
    ConfigOpt,
    JsonOpt,
    NowOpt,
    PlanOpt,
    date_of,
    errors,
    now_of,
    office_plan,
    open_engine,
    open_plan,
)
from htx_tasks.core import zones
from htx_tasks.core.coops import BY_NAME, DERIVED, FIELDS, allowed
from htx_tasks.indicators.service import Kpi, evaluate
from htx_tasks.indicators.wording import gap_text, held_to, ratio_text, value_text
from htx_tasks.plan.loader import Plan
from htx_tasks.registry import service
from htx_tasks.registry.config import load_registry_config
from htx_tasks.registry.files import SYNTHETIC_BANNER, FileRefused
from htx_tasks.services import Actor, BadInput, InvalidInput, via_cli
from htx_tasks.services.registry import EDITABLE, ConfirmRegistry, EditCoop, confirm_registry, edit_coop, unit_list
from htx_tasks.store.db import session_scope

registry_app = typer.Typer(help="Sổ theo dõi tổ chức kinh tế tập thể: nhập, xuất tệp CSV/Excel, dữ liệu minh họa.")
FileArg = Annotated[Path, typer.Argument(help="Tệp .csv hoặc .xlsx (định dạng theo phần mở rộng).")]


def _refused(exc: FileRefused, path: Path, json: bool) -> None:
    if json:
        output.print_json({"ok": False, "file": str(path), "problems": [p.as_json() for p in exc.problems]})
    else:
        output.fail(f"tệp {path.name} không được nhập ({len(exc.problems)} lỗi); sổ theo dõi không thay đổi:")
        for problem in exc.problems:
            output.errors.print(f"  {problem}", highlight=False, markup=False)
    raise typer.Exit(2)


@registry_app.command("import")
def import_(path: FileArg, config: ConfigOpt = None, now: NowOpt = None, json: JsonOpt = False) -> None:
    """Nhập tệp: kiểm tra từng dòng; tệp có lỗi thì không ghi gì. Thông tin đổi thì lưu phiên bản mới."""
    with errors():
        plan, engine, at = office_plan(config), open_engine(config), now_of(now)
        try:
            with session_scope(engine) as session:
                result = service.import_file(session, plan, path, now=at)
        except FileRefused as exc:
            _refused(exc, path, json)
        if json:
            output.print_json({"ok": True, **result.as_json()})
            return
        output.say(f"Đã nhập {path.name}: {result.rows} dòng; {len(result.created)} tổ chức mới, "
                   f"{len(result.updated)} tổ chức cập nhật, {result.unchanged} dòng không đổi.")
        if result.synthetic:
            output.say(SYNTHETIC_BANNER)


@registry_app.command("export")
def export(
    path: FileArg,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Sổ tại ngày này (YYYY-MM-DD).")] = None,
    full_history: Annotated[bool, typer.Option("--history", help="Mọi phiên bản (lịch sử đầy đủ).")] = False,
    config: ConfigOpt = None,
) -> None:
    """Xuất sổ theo dõi ra tệp, cùng các cột như tệp nhập: nhập lại không thay đổi gì."""
    with errors():
        plan, engine = office_plan(config), open_engine(config)
        on = date_of(as_of, "--as-of") if as_of else None
        if on is not None and full_history:
            raise BadInput("--as-of và --history không dùng cùng nhau")
        with Session(engine) as session:
            rows = service.export(session, plan, path, on=on, full_history=full_history)
            synthetic = service.has_synthetic(session)
        what = "mọi phiên bản" if full_history else (f"tại ngày {on:%d/%m/%Y}" if on else "thông tin mới nhất")
        output.say(f"Đã xuất {rows} dòng ({what}) ra {path}.")
        if synthetic:
            output.say(SYNTHETIC_BANNER)


@registry_app.command("demo")
def demo(config: ConfigOpt = None, now: NowOpt = None) -> None:
    """Nạp dữ liệu minh họa (khoảng 40 tổ chức, 5 năm lịch sử) khi sổ theo dõi còn trống."""
    with errors():
        plan, engine, at = office_plan(config), open_engine(config), now_of(now)
        with session_scope(engine) as session:
            result = service.load_demo(session, plan, now=at)
        if result is None:
            output.fail("sổ theo dõi đã có dữ liệu; không nạp dữ liệu minh họa")
            raise typer.Exit(1)
        output.say(f"Đã nạp {len(result.created)} tổ chức, {result.rows} phiên bản. {SYNTHETIC_BANNER}.")


@registry_app.command("fields")
def fields(config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Các cột của tệp nhập/xuất và các trường dùng trong bộ lọc chỉ tiêu."""
    with errors():
        load_registry_config(office_plan(config))
        rows = [(f.name, f.header, "có" if f.required else "", f.type.value,
                 allowed(f) + " (mã: " + ", ".join(m.value for m in f.choices) + ")" if f.choices else f.help)
                for f in FIELDS]
        rows += [(name, "", "", "int", text + " (tính ra, chỉ dùng trong bộ lọc)") for name, text in DERIVED.items()]
        if json:
            output.print_json([dict(zip(("field", "header", "required", "type", "note"), r, strict=True)) for r in rows])
            return
        output.print_table("Trường của sổ theo dõi", ["Trường", "Cột trong tệp", "Bắt buộc", "Kiểu", "Giá trị / ghi chú"], rows)


UnitOpt = Annotated[str, typer.Option("--unit", help="Mã đơn vị theo dõi (ví dụ phuong-ba-ngoi, phong-kinh-te).")]
OnBehalfOpt = Annotated[bool, typer.Option(
    "--coordinator", help="Cơ quan thường trực ghi nhận thay đơn vị (đơn vị xác nhận qua điện thoại, văn bản).")]
UPKEEP_LABELS = {**CLI_LABELS, "as_of": "--as-of", "valid_from": "--from", "values": "--set", "seen": "--seen",
                 **{name: f"--set {name} ({BY_NAME[name].header})" for name in EDITABLE}}
# what was seen, when it is missing: where the terminal shows it
SEEN_HINT = ("cần {what} như đã xem (htx-tasks registry show --unit {unit}), để không ghi đè thao tác của người khác")
SeenOpt = Annotated[str | None, typer.Option(
    "--seen", help="Dấu của danh sách như đã xem (htx-tasks registry show --unit ĐƠN_VỊ).")]
CoopVersionOpt = Annotated[str | None, typer.Option(
    "--version", help="Phiên bản thông tin tổ chức như đã xem (cột 'Phiên bản' của htx-tasks registry show).")]


def _actor(unit: str, coordinator: bool) -> Actor:
    return Actor.coordinator(via_cli()) if coordinator else Actor.of_unit(unit, via_cli())


def _upkeep_errors(exc: InvalidInput, unit: str) -> None:
    hints = {"seen": SEEN_HINT.format(what="dấu danh sách", unit=unit),
             "expected_version": SEEN_HINT.format(what="phiên bản thông tin tổ chức", unit=unit)}
    output.fail(exc.render(UPKEEP_LABELS, hints))
    raise typer.Exit(2)


@registry_app.command("show")
def show(unit: UnitOpt, config: ConfigOpt = None, now: NowOpt = None, json: JsonOpt = False) -> None:
    """Danh sách hợp tác xã đơn vị theo dõi, mỗi tổ chức kèm phiên bản (cho edit --version) và dấu của
    danh sách (cho confirm --seen)."""
    with errors():
        plan, engine, at = open_plan(config), open_engine(config), now_of(now)
        with Session(engine) as session:
            listed = unit_list(session, plan, unit, now=at)
        if json:
            output.print_json({"unit": unit, "seen": listed.seen, "organisations": [
                {"code": r.code, "name": r.name, "version": r.id, "valid_from": r.valid_from} for r in listed.rows]})
            return
        output.print_table(f"Hợp tác xã do {plan.unit_name(unit)} theo dõi: {len(listed.rows)}",
                           ["Mã", "Tên", "Hiệu lực từ", "Phiên bản"],
                           [(r.code, r.name, f"{r.valid_from:%d/%m/%Y}", r.id) for r in listed.rows])
        output.say(f"Dấu danh sách: {listed.seen} — xác nhận không thay đổi: htx-tasks registry confirm --unit {unit} "
                   f"--seen {listed.seen}; sửa một tổ chức: htx-tasks registry edit MÃ --unit {unit} --set … "
                   "--version PHIÊN_BẢN")


@registry_app.command("confirm")
def confirm(
    unit: UnitOpt,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Ngày đơn vị xác nhận (YYYY-MM-DD; mặc định hôm nay).")] = None,
    note: Annotated[str, typer.Option("--note", help="Ghi chú (ví dụ: xác nhận qua điện thoại).")] = "",
    seen: SeenOpt = None,
    coordinator: OnBehalfOpt = False,
    config: ConfigOpt = None,
    now: NowOpt = None,
) -> None:
    """Đơn vị xác nhận danh sách hợp tác xã mình theo dõi không thay đổi trong kỳ (cần --seen)."""
    with errors():
        plan, engine, at = office_plan(config), open_engine(config), now_of(now)
        try:
            command = ConfirmRegistry.parse(unit=unit, as_of=as_of, note=note, seen=seen)
            with session_scope(engine) as session:
                row = confirm_registry(session, plan, _actor(unit, coordinator), command, now=at)
        except InvalidInput as exc:
            _upkeep_errors(exc, unit)
        output.say(f"Đã ghi nhận: {plan.unit_name(row.unit_code)} xác nhận danh sách {row.organisations} tổ chức "
                   f"không thay đổi (tính đến {row.as_of:%d/%m/%Y}).")


@registry_app.command("edit")
def edit(
    code: Annotated[str, typer.Argument(help="Mã tổ chức (cột 'Mã' của sổ theo dõi).")],
    unit: UnitOpt,
    values: Annotated[list[str], typer.Option("--set", help="TRƯỜNG=GIÁ TRỊ, ví dụ members=30, rating=Khá; "
                                              f"trường sửa được: {', '.join(EDITABLE)}.")],
    valid_from: Annotated[str | None, typer.Option("--from", help="Ngày hiệu lực (YYYY-MM-DD; mặc định hôm nay).")] = None,
    version: CoopVersionOpt = None,
    coordinator: OnBehalfOpt = False,
    config: ConfigOpt = None,
    now: NowOpt = None,
) -> None:
    """Đơn vị cập nhật thông tin một tổ chức mình theo dõi: lưu phiên bản mới từ ngày hiệu lực (cần --version)."""
    with errors():
        plan, engine, at = office_plan(config), open_engine(config), now_of(now)
        pairs = [v.partition("=") for v in values]
        bad = [v for v, (_, sep, _) in zip(values, pairs, strict=True) if not sep]
        if bad:
            raise BadInput(f"--set: cần dạng TRƯỜNG=GIÁ TRỊ, không hiểu '{bad[0]}'")
        try:
            command = EditCoop.parse(unit=unit, code=code, valid_from=valid_from or zones.local_date(at),
                                     values={k.strip(): v for k, _, v in pairs}, expected_version=version)
            with session_scope(engine) as session:
                done = edit_coop(session, plan, _actor(unit, coordinator), command, now=at)
        except InvalidInput as exc:
            _upkeep_errors(exc, unit)
        output.say(f"Đã cập nhật {done.coop.code} ({done.coop.name}) từ ngày {done.coop.valid_from:%d/%m/%Y}: "
                   + ", ".join(done.changed) + ".")


def kpi(
    year: Annotated[int | None, typer.Option("--year", help="Năm tính (mặc định: năm hiện tại).")] = None,
    ward: Annotated[bool, typer.Option("--ward", help="Thêm bảng theo từng xã, phường.")] = False,
    config: ConfigOpt = None,
    now: NowOpt = None,
    json: JsonOpt = False,
    plan_code: PlanOpt = None,
) -> None:
    """Chỉ tiêu mục I.2: giá trị, mục tiêu, mức cần đạt trong năm, chênh lệch và đánh giá."""
    with errors():
        plan, engine, at = open_plan(config, plan_code), open_engine(config), now_of(now)
        today = zones.local_date(at)
        year = year or today.year
        if not 2000 <= year <= today.year:
            raise BadInput(f"--year: năm {year} chưa đến hoặc không hợp lệ (đến {today.year})")
        with Session(engine) as session:
            data = evaluate(session, plan, year, today=today)
        if json:
            output.print_json(data.as_json(plan))
            return
        print_kpi(data, plan, ward=ward)


def print_kpi(data: Kpi, plan: Plan, *, ward: bool) -> None:
    if data.synthetic:
        output.say(f"*** {SYNTHETIC_BANNER} ***")
    if data.organisations == 0:
        output.say("Sổ theo dõi chưa có tổ chức nào tại ngày tính: nhập sổ bằng 'htx-tasks registry import'.")
    header = ["Chỉ tiêu", "Năm đích", "Mục tiêu", f"Năm {data.year}", "Tử số/mẫu số", f"Mức cần đạt năm {data.year}",
              "Chênh lệch", "Đánh giá", "Đơn vị chủ trì"]
    rows = []
    for r in data.results:
        i, m, a = r.indicator, r.point.measure, r.point.assessment
        rows.append((i.title, i.year, r.target, value_text(i, m), ratio_text(m), held_to(i, data.year, a),
                     gap_text(i, a.gap), r.standing.label, plan.unit_name(i.owner or "")))
    output.print_table(f"Chỉ tiêu mục I.2 — năm {data.year} (sổ theo dõi tại {data.on:%d/%m/%Y}, "
                       f"{data.organisations} tổ chức)", header, rows)
    if ward:
        for r in data.results:
            i = r.indicator
            output.print_table(
                f"{i.title} — theo xã, phường",
                ["Xã, phường", "Giá trị", "Tử số/mẫu số", "Mức cần đạt", "Chênh lệch", "Đánh giá"],
                [(plan.unit_name(code), value_text(i, p.measure), ratio_text(p.measure),
                  held_to(i, data.year, p.assessment), gap_text(i, p.assessment.gap), p.assessment.standing.label)
                 for code, p in r.by_ward.items()])
    if data.qualitative:
        output.say("Mục tiêu định tính (báo cáo bằng lời):")
        for q in data.qualitative:
            output.say(f"  - {q.title} (đến năm {q.year}): {q.source}")
