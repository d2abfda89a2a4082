"""The consolidated report's draft in parts, written from the period's results (pure: no I/O).

Each part has a stable key, so a new compilation finds the part it wrote before: ``merge`` keeps
every part the coordinator edited and offers the new text beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from htx_tasks.core import wording
from htx_tasks.indicators.wording import gap_text, held_to, value_text
from htx_tasks.reporting.results import DutyResults, Results, Said

OVERVIEW, GROUPS, UNITS, INDICATORS, DIFFICULTIES, PROPOSALS, DIRECTIONS = (
    "tong-quan",
    "nhom",
    "don-vi",
    "chi-tieu",
    "kho-khan",
    "kien-nghi",
    "phuong-huong",
)
SECTIONS = {  # the report's headings, in order
    OVERVIEW: "1. Tình hình chung",
    GROUPS: "2. Kết quả theo nhóm nhiệm vụ (Mục II của Kế hoạch)",
    UNITS: "3. Kết quả thực hiện nhiệm vụ của các đơn vị (Mục III của Kế hoạch)",
    INDICATORS: "4. Kết quả thực hiện các chỉ tiêu (Mục I.2 của Kế hoạch)",
    DIFFICULTIES: "II. KHÓ KHĂN, VƯỚNG MẮC",
    PROPOSALS: "III. ĐỀ XUẤT, KIẾN NGHỊ",
    DIRECTIONS: "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI",
}
DIRECTIONS_HINT = "Cơ quan thường trực nhập phương hướng, nhiệm vụ kỳ tới trước khi trình ký."


@dataclass(frozen=True)
class Part:
    key: str
    section: str
    heading: str  # the unit's and the task's lines above the text ("III.8. …\nIII.8.1. …"), or ""
    text: str
    author: str | None = None  # a unit's words are quoted with its name and the day it said them
    said_on: dt.date | None = None
    request: bool = False


@dataclass
class Merged:
    """One part after a new compilation: what the report says, and what the compilation offers."""

    part: Part
    generated: str
    edited: bool = False
    offered: str | None = None  # the new compilation's text, beside an edited part
    gone: bool = False  # the new compilation no longer has this part (kept because it was edited)


def compose(results: Results) -> list[Part]:
    parts = [Part("tong-quan", OVERVIEW, "", overview(results))]
    for ref, title, duties in results.groups:
        parts.append(Part(f"nhom-{ref}", GROUPS, f"{ref}. {' '.join(title.split())}", group_text(duties)))
    for unit in results.units:
        heading = f"{unit.ref}. {unit.name}" if unit.ref else unit.name
        if not unit.duties:
            parts.append(
                Part(
                    f"dv-{unit.code}",
                    UNITS,
                    heading,
                    _sentence(wording.report_silence(request=unit.request)) + " Trong kỳ không có nhiệm vụ đến hạn.",
                    request=unit.request,
                )
            )
        for duty in unit.duties:
            task = wording.report_task(duty.duty.ref, duty.duty.title, request=unit.request)
            for said in duty.said:
                figures = "".join(f"\n- {label}: {value}." for label, value in said.figures)
                text = said.results + figures
                parts.append(_quote(f"kq-{said.occurrence_id}", UNITS, f"{heading}\n{task}", said, text, unit.request))
            if duty.silent or not duty.said:
                silence = wording.report_silence(request=unit.request)
                names = f": {', '.join(duty.silent)}" if duty.silent else ""
                parts.append(
                    Part(
                        f"cb-{duty.duty.code}", UNITS, f"{heading}\n{task}", _sentence(f"{silence}{names}"), request=unit.request
                    )
                )
    parts.append(Part("chi-tieu", INDICATORS, "", indicator_reading(results)))
    for key, section, attribute in (("kk", DIFFICULTIES, "difficulties"), ("kn", PROPOSALS, "proposals")):
        quoted = [s for s in results.said if getattr(s, attribute).strip()]
        for said in quoted:
            request = any(u.request and said.duty_code in {d.duty.code for d in u.duties} for u in results.units)
            parts.append(_quote(f"{key}-{said.occurrence_id}", section, "", said, getattr(said, attribute), request))
        if not quoted:
            what = "khó khăn, vướng mắc" if section == DIFFICULTIES else "đề xuất, kiến nghị"
            parts.append(Part(f"{key}-chung", section, "", f"Trong kỳ, các đơn vị chưa báo cáo {what}."))
    parts.append(Part("phuong-huong", DIRECTIONS, "", ""))
    return parts


def attribution(part: Part, *, edited: bool = False) -> str:
    """'Theo báo cáo của UBND phường Ba Ngòi ngày 02/12/2026:': a unit's words stay its own, edited or not."""
    day = f" ngày {part.said_on:%d/%m/%Y}" if part.said_on else ""
    said = f"Theo {wording.report_source(request=part.request)} của {part.author}{day}"
    return said + (" (cơ quan thường trực biên tập)" if edited else "") + ":"


def _quote(key: str, section: str, heading: str, said: Said, text: str, request: bool) -> Part:
    return Part(key, section, heading, text.strip(), author=said.unit_name, said_on=said.on, request=request)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def overview(results: Results) -> str:
    total, period = results.total, results.period
    asked = [u for u in results.units if u.request]
    reported = len({s.unit_code for u in results.units if not u.request for d in u.duties for s in d.said})
    exchanged = sum(len(d.said) for u in asked for d in u.duties)
    as_of = results.as_of.date() if results.as_of.date() <= period.end else period.end
    lines = [f"Tính đến ngày {as_of:%d/%m/%Y}, {reported} đơn vị đã gửi báo cáo kết quả thực hiện trong kỳ."]
    if total.due:
        lines.append(
            f"Trong số {total.due} nhiệm vụ đã đến hạn: {total.on_time} hoàn thành đúng hạn, {total.late} "
            f"hoàn thành trễ hạn, {total.missed} không báo cáo, {total.open} chưa hoàn thành "
            f"(trong đó {total.overdue} quá hạn)."
        )
    else:
        lines.append("Trong kỳ chưa có nhiệm vụ nào đến hạn báo cáo.")
    if asked:
        lines.append(
            f"Các nội dung Kế hoạch đề nghị Mặt trận Tổ quốc và các tổ chức chính trị – xã hội phối hợp: "
            f"đã nhận {exchanged} thông tin kết quả."
        )
    return " ".join(lines)


def group_text(duties: list[DutyResults]) -> str:
    if not duties:
        return "Trong kỳ không có nhiệm vụ thuộc nhóm này đến hạn."
    text = f"Gồm các nhiệm vụ {', '.join(sorted({d.duty.ref for d in duties}))}."
    for request in (False, True):
        mine = [d for d in duties if d.request is request]
        if not mine:
            continue
        done = sorted({s.unit_name for d in mine for s in d.said})
        silent = sorted({name for d in mine for name in d.silent} - set(done))
        source, silence = wording.report_source(request=request), wording.report_silence(request=request)
        text += f" Đã có {source} của: {', '.join(done)}." if done else ""
        text += f" {_sentence(silence)[:-1]}: {', '.join(silent)}." if silent else ""
    return text


def indicator_reading(results: Results) -> str:
    kpi = results.kpi
    lines = []
    for r in kpi.results:
        i, a = r.indicator, r.point.assessment
        lines.append(
            f"- {i.title}: {value_text(i, r.point.measure)} (năm {kpi.year}); mức cần đạt "
            f"{held_to(i, kpi.year, a)}; chênh lệch {gap_text(i, a.gap)}; {r.standing.label}."
        )
    return "\n".join(lines) or "Chưa có số liệu chỉ tiêu."


def merge(old: list[Merged], new: list[Part]) -> list[Merged]:
    """The new compilation's parts in order, each edited part kept with the new text offered beside it;
    an edited part the compilation no longer writes stays (marked gone) so no edit is lost silently."""
    before = {m.part.key: m for m in old}
    out: list[Merged] = []
    for part in new:
        was = before.pop(part.key, None)
        if was is None or not was.edited:
            out.append(Merged(part, part.text))
            continue
        offered = part.text if part.text != was.generated else was.offered
        kept = replace(part, text=was.part.text)
        out.append(Merged(kept, part.text, edited=True, offered=None if offered == kept.text else offered))
    out += [replace(m, gone=True, offered=None) for m in before.values() if m.edited]
    return out
