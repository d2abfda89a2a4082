"""Vietnamese messages (Jinja2): one digest per recipient per pass, as plain text and Markdown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from jinja2 import Environment, PackageLoader, StrictUndefined

from htx_tasks.core import wording
from htx_tasks.core.calendar import format_date_vi
from htx_tasks.core.itemview import ItemFacts, read
from htx_tasks.core.lifecycle import Kind, State
from htx_tasks.core.policy import COORDINATOR, FALLBACK, LEADERSHIP
from htx_tasks.core.vntext import sort_key
from htx_tasks.core.zones import local_date
from htx_tasks.plan.loader import Plan
from htx_tasks.readings import is_request


def notice_label(plan: Plan, kind: str, recipient: str, unit: str) -> str:
    """The name of a notice as its recipient reads it (digests, ``simulate``, the board)."""
    request = is_request(plan, unit)
    if recipient == unit:
        return wording.notice_title(kind, request=request)
    if recipient in (COORDINATOR, LEADERSHIP):
        if request:
            return wording.LIAISON_TITLE
        return "Báo cáo lãnh đạo" if recipient == LEADERSHIP else "Đôn đốc"
    return wording.copy_title(kind)


@dataclass(frozen=True)
class Item:
    """One line of a digest: an occurrence and why it is mentioned."""

    occurrence_id: int
    kind: Kind
    level: int
    unit: str
    unit_name: str
    duty_title: str
    ref: str
    period: str  # a table's cell: "quý I/2027", "một lần", "hồ sơ HTX-DAT-07"
    deadline: str  # "Thứ Sáu, 18/12/2026"
    timing: str  # "còn 3 ngày", "quá hạn 2 ngày làm việc", "đã qua mốc" (``core.itemview``)
    deliverable: str
    kind_title: str = ""
    request: bool = False  # the unit is asked (đề nghị), not directed
    copy: bool = False  # the recipient is a coordinating unit
    source: str = ""  # who set the deadline, as read: "hạn do cơ quan thường trực định để theo dõi"
    note: str = ""  # e.g. an escalation step skipped because the unit would be told of itself
    link: str | None = None  # the item's page in the web app, when it is configured
    opinion: str | None = None  # the coordinator's words, for a decision on a request for more time
    registry: bool = False  # a monitoring duty: the unit also confirms or updates its cooperatives
    due: dt.date | None = None  # the deadline itself, for ordering by urgency
    past: bool = False  # its term (a request: its date) has passed, read at the time of sending
    words: wording.UnitWords = wording.ASSIGNMENT_WORDS  # the unit's register (a request's own words)
    handed_from: str = ""  # taken over from former units (a merger): "Nhận bàn giao từ: ..."
    period_line: str = ""  # "Kỳ: quý I/2027", "Hồ sơ: HTX-DAT-07"; empty for a one-off duty
    origin: str = ""  # a duty the standing office added (not the plan's own): says so
    copy_line: str = ""  # a copy's words under the heading "Để phối hợp": "Nhiệm vụ mới"


def make_item(plan: Plan, *, occurrence_id: int, kind: str, level: int, unit: str, duty: str,
              period: str, deadline: dt.date, now: dt.datetime, recipient: str | None = None,
              link: str | None = None, note: str | None = None, state: str = State.OPEN,
              handed_from: str | None = None) -> Item:
    """One line of a digest. ``state`` is the occurrence's stored state: notices of closed work are
    cancelled before they go, so a digest speaks of open work, read at ``now`` (``core.itemview``)."""
    spec = plan.duty(duty)
    recipient = recipient or unit
    request = is_request(plan, unit)
    seen = read(ItemFacts(deadline, State(state), request), plan.policy_for(duty, unit), plan.calendar, now)
    skipped = [t for t in plan.skipped_steps(duty, unit) if Kind(kind) is not Kind.ASSIGNED]
    skip_note = ""
    if skipped and recipient == LEADERSHIP:
        names = " và ".join(wording.TARGET_NAMES[t] for t in skipped)
        skip_note = f"Không qua bước báo {names} vì {plan.unit_name(unit)} chính là {names}."
    return Item(
        occurrence_id=occurrence_id, kind=Kind(kind), level=level, unit=unit,
        unit_name=plan.unit_name(unit), duty_title=spec.title, ref=spec.ref, period=wording.period_cell(period),
        period_line=wording.period_line(period),
        deadline=format_date_vi(deadline),
        timing=seen.timing or seen.cell,  # work reported meanwhile: "đã báo cáo"
        deliverable=spec.deliverable, kind_title=notice_label(plan, kind, recipient, unit),
        request=request, copy=recipient not in (unit, COORDINATOR, LEADERSHIP),
        source=wording.source_words(spec.deadline_words, request=request),
        origin=spec.origin.label if spec.added else "", note=skip_note, link=link, opinion=note,
        registry=spec.registry_upkeep is not None, due=deadline, past=seen.past,
        words=wording.unit_words(request=request), handed_from=handed_from or "",
        copy_line=wording.copy_line(kind) if recipient not in (unit, COORDINATOR, LEADERSHIP) else "",
    )


DIGEST_LIMIT = 50  # items listed in a role's digest; the rest are counted and pointed to


_env = Environment(
    loader=PackageLoader("htx_tasks.delivery", "templates"),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    auto_reload=False,  # compiled once per process: no file check on every digest
)


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    markdown: str


def recipient_name(plan: Plan, recipient: str) -> str:
    if recipient == COORDINATOR:
        return plan.meta.coordinator.title
    if recipient == LEADERSHIP:
        return plan.meta.leadership.title
    if recipient == FALLBACK:
        return f"{plan.meta.coordinator.title} (kênh dự phòng)"
    return plan.unit_name(recipient)


def digest_title(plan: Plan, recipient: str, items: list[Item]) -> str:
    """"Nhắc việc", "Đề nghị phối hợp", "Trao đổi", "Đôn đốc", "Báo cáo lãnh đạo": what a title says."""
    tag, name = f"[{plan.meta.label}]", recipient_name(plan, recipient)
    own = [i for i in items if not i.copy]
    if recipient == LEADERSHIP:
        return f"{tag} Báo cáo lãnh đạo: {len(items)} nhiệm vụ quá hạn của {len({i.unit for i in items})} đơn vị"
    if recipient == COORDINATOR:
        direct = [i for i in items if not i.request]
        asked = len(items) - len(direct)
        parts = [f"{len(direct)} nhiệm vụ quá hạn của {len({i.unit for i in direct})} đơn vị"] if direct else []
        parts += [f"{asked} đề nghị phối hợp chưa có thông tin kết quả"] if asked else []
        return f"{tag} {'Đôn đốc' if direct else 'Trao đổi'}: " + "; ".join(parts)
    if not own:
        return f"{tag} Để phối hợp: {name} — {len(items)} nhiệm vụ do đơn vị khác chủ trì"
    if all(i.request for i in own):
        if any(i.past for i in own):
            return f"{tag} Trao đổi: {name} — {len(own)} nội dung đề nghị phối hợp"
        return f"{tag} Đề nghị phối hợp: {name} — {len(own)} nội dung"
    overdue = [i for i in own if i.past]
    if overdue:
        return f"{tag} Đôn đốc: {name} — {len(overdue)} nhiệm vụ quá hạn"
    return f"{tag} Nhắc việc: {name} — {len(own)} nhiệm vụ cần lưu ý"


# the notices that say where an item stands, least to most pressing: one of them per item in a digest
_STANDING = {Kind.REMINDER: 0, Kind.ASSIGNED: 1, Kind.OVERDUE: 2, Kind.ESCALATION: 3, Kind.REPEAT: 4}


def once_per_item(items: list[Item]) -> list[Item]:
    """Each item once in a digest: notices held back over a holiday (or a weekend) all fall due on
    the next working morning, and the reader needs the item once, at its latest step. A decision on
    a request for more time is news of its own and stays."""
    kept: dict[tuple[int, bool], Item] = {}
    out: list[Item] = []
    for item in items:
        if item.kind not in _STANDING:
            out.append(item)
            continue
        key = (item.occurrence_id, item.copy)
        held = kept.get(key)
        if held is None or (_STANDING[item.kind], item.level) > (_STANDING[held.kind], held.level):
            kept[key] = item
    return out + list(kept.values())


def unit_order(item: Item) -> tuple:
    """Units in Vietnamese alphabetical order (``Cam Thịnh Đông`` before ``Cam Thịnh Tây``)."""
    return sort_key(item.unit_name)


def most_urgent(items: list[Item], limit: int) -> list[Item]:
    """The ``limit`` most urgent items: overdue first, then the earliest deadline, the highest step."""
    return sorted(items, key=lambda i: (not i.past, i.due or dt.date.max, -i.level, i.unit_name, i.ref,
                                        i.occurrence_id))[:limit]


def render_digest(plan: Plan, recipient: str, items: list[Item], now: dt.datetime,
                  page_link: str | None = None, handover: str = "", part: bool = False) -> Message:
    """The digest a recipient receives for this pass: its own items, then copies "để phối hợp".

    A role's digest (coordinator, leadership) lists at most ``DIGEST_LIMIT`` items, the most
    urgent; the title and each unit's count still tell the whole, and a line says how many more
    there are and where to see them all (after a long catch-up there can be thousands).
    """
    role = recipient if recipient in (COORDINATOR, LEADERSHIP) else ""
    items = once_per_item(items)
    title = digest_title(plan, recipient, items)
    totals = {name: len(group) for name, group in _by_unit(sorted(
        (i for i in items if not i.request), key=unit_order))}
    more = max(0, len(items) - DIGEST_LIMIT) if role else 0
    shown = most_urgent(items, DIGEST_LIMIT) if more else items
    items = sorted(shown, key=lambda i: (unit_order(i), i.ref, i.occurrence_id))
    own = [i for i in items if not i.copy]
    upkeep = max((i for i in own if i.registry), key=lambda i: i.due or dt.date.min, default=None)
    context = {
        "plan": plan.meta,
        "recipient": recipient,
        "recipient_name": recipient_name(plan, recipient),
        "role": role,
        "items": own,
        "request": bool(own) and all(i.request for i in own),
        "words": wording.unit_words(request=bool(own) and all(i.request for i in own)),
        # a request all past its date opens as an exchange; a unit with overdue work is urged
        "past": bool(own) and (all if all(i.request for i in own) else any)(i.past for i in own),
        "copies": _copies([i for i in items if i.copy]),
        "escalated": _by_unit([i for i in items if not i.request]),
        "liaison": _by_unit([i for i in items if i.request]),
        "today": format_date_vi(local_date(now)),
        "page_link": page_link,
        "totals": totals,
        "more": more,
        "handover": handover,  # whose open work the unit took over (a merger), said once at the top
        "part": part,  # one plan's part of a digest across plans: no greeting, no closing line
        # the registry's line, once, naming the period it is asked for (the latest monitoring item's)
        "registry": upkeep.period if upkeep else "",
    }
    return Message(
        title=title,
        text=_env.get_template("digest.txt.j2").render(context),  # cached after the first call
        markdown=_env.get_template("digest.md.j2").render(context),
    )


def render_across_plans(parts: list[tuple[Plan, list[Item]]], recipient: str, now: dt.datetime,
                        page_link: str | None = None, handover: str = "") -> Message:
    """One digest for a recipient with items of several plans: one part per plan, its title first."""
    if len(parts) == 1:
        plan, items = parts[0]
        return render_digest(plan, recipient, items, now, page_link=page_link, handover=handover)
    first = parts[0][0]
    every = once_per_item([i for _, items in parts for i in items])  # counted as each part shows them
    title = digest_title(first, recipient, every).replace(f"[{first.meta.label}]",
                                                          wording.plans_tag(len(parts)), 1)
    rendered = [(plan, render_digest(plan, recipient, items, now, page_link=page_link, part=True))
                for plan, items in parts]
    context = {"recipient_name": recipient_name(first, recipient), "handover": handover,
               "today": format_date_vi(local_date(now)), "coordinator": first.meta.coordinator.title}
    text = [wording.across_plans_intro(context, len(parts))]
    markdown = [wording.across_plans_intro(context, len(parts), markdown=True)]
    for plan, message in rendered:
        text.append(f"━━ {plan.meta.short_title} ━━\n\n{message.text.strip()}")
        markdown.append(f"### {plan.meta.short_title}\n\n{message.markdown.strip()}")
    own = [i for i in every if not i.copy]
    if own:  # the unit's page (or how to answer) is one for every plan: said once, after them all
        request = all(i.request for i in own)
        page = {"page_link": page_link, "plan": first.meta, "words": wording.unit_words(request=request)}
        common = wording.across_plans_common(len(parts))
        text.append(f"━━ {common} ━━\n\n" + _env.get_template("page.txt.j2").render(page).strip())
        markdown.append(f"### {common}\n\n" + _env.get_template("page.md.j2").render(page).strip())
    text.append(wording.across_plans_closing(context))
    markdown.append(wording.across_plans_closing(context))
    return Message(title=title, text="\n\n".join(text) + "\n", markdown="\n\n".join(markdown) + "\n")


def _copies(items: list[Item]) -> list[tuple[Item, str]]:
    """Copies of one duty's notice for several units (a group's members) on one line."""
    lines: dict[tuple, tuple[Item, list[str]]] = {}
    for item in items:
        key = (item.kind_title, item.ref, item.duty_title, item.period, item.deadline)
        lines.setdefault(key, (item, []))[1].append(item.unit_name)
    return [(item, ", ".join(sorted(names, key=sort_key))) for item, names in lines.values()]


def _by_unit(items: list[Item]) -> list[tuple[str, list[Item]]]:
    return [(name, list(group)) for name, group in groupby(items, key=lambda i: i.unit_name)]


def render_indicators(plan: Plan, recipient: str, year: int, lines: list[str], now: dt.datetime) -> Message:
    """The message about a year's indicators off their path (each line fixed when it was recorded)."""
    title = f"[{plan.meta.label}] {len(lines)} chỉ tiêu năm {year} chệch lộ trình"
    body = "\n".join([
        f"Kính gửi {recipient_name(plan, recipient)},",
        "",
        (f"Đến ngày {format_date_vi(local_date(now))}, các chỉ tiêu sau của {plan.meta.short_title} "
         "chưa đạt mức cần đạt trong năm (theo lộ trình, hoặc khoảng mục tiêu phải duy trì):"),
        *lines,
        "",
        f"Chi tiết: bảng chỉ tiêu mục I.2 do {plan.meta.coordinator.title} cập nhật, và trong báo cáo tổng hợp.",
    ])
    return Message(title=title, text=body, markdown=body)


def render_failure(plan: Plan, recipient: str, error: str, count: int, now: dt.datetime) -> Message:
    """What the fallback channel hears when a recipient could not be reached."""
    name = recipient_name(plan, recipient)
    title = f"[{plan.meta.label}] Không gửi được thông báo cho {name}"
    body = (
        f"Hệ thống đã thử gửi {count} thông báo cho {name} nhưng không thành công "
        f"sau nhiều lần thử (ngày {format_date_vi(local_date(now))}).\n"
        f"Lỗi cuối cùng: {error}\n"
        "Đề nghị kiểm tra kênh nhận (config/channels.yaml) và liên hệ trực tiếp với đơn vị.\n"
        "Xem chi tiết: htx-tasks notify failed"
    )
    return Message(title=title, text=body, markdown=body)


FOOTER = "Đầu mối theo dõi:"


def with_briefing(standings: list[tuple[Plan, list]], recipient: str, message: Message | None,
                  now: dt.datetime) -> Message:
    """The weekly briefing: the items newly escalated (``message``, if any) and then every
    assignment still past its term, counted by unit (``briefing.Standing``), for each plan whose
    briefing is due (several plans: the total of all, then each plan's count under its title)."""
    plan = standings[0][0]
    today = format_date_vi(local_date(now))
    every = [s for _, standing in standings for s in standing]
    total, units = sum(s.overdue for s in every), len({s.unit for s in every})
    head = f"Tổng hợp tuần (đến {today}): {total} nhiệm vụ quá hạn của {units} đơn vị"
    lines: list[str] = []
    for each, standing in standings:
        if len(standings) > 1:
            lines.append(f"  {each.meta.short_title}:")
        lines += [f"  - {s.unit_name}: {s.overdue} nhiệm vụ quá hạn" + (f", trong đó {s.escalated} đã báo cấp trên"
                                                                       if s.escalated else "") for s in standing]
        if not standing:
            lines.append("  Không còn nhiệm vụ quá hạn.")
    tag = f"[{plan.meta.label}]" if len(standings) == 1 else wording.plans_tag(len(standings))
    title = f"{tag} Tổng hợp tuần: {total} nhiệm vụ quá hạn của {units} đơn vị (đến {today})"
    if message is None:
        text = "\n".join([f"Kính gửi: {recipient_name(plan, recipient)}", "", head + ":", *lines, "",
                          f"Đầu mối theo dõi: {plan.meta.coordinator.title}. Thông báo tự động, vui lòng không trả lời thư này.",
                          ""])
        return Message(title=title, text=text, markdown=text)
    block = "\n".join([head + ":", *lines, ""])
    title = f"{message.title}; kèm tổng hợp tuần ({total} nhiệm vụ quá hạn của {units} đơn vị)"
    return Message(title=title, text=_before_footer(message.text, block), markdown=_before_footer(message.markdown, block))


def _before_footer(body: str, block: str) -> str:
    """``block`` inserted as a paragraph before the footer (at the end when there is none)."""
    lines = body.rstrip("\n").splitlines()
    at = next((i for i, line in enumerate(lines) if FOOTER in line), len(lines))
    return "\n".join([*lines[:at], *block.rstrip("\n").splitlines(), "", *lines[at:]]) + "\n"


def plans_title_tag(plans: list[Plan]) -> str:
    """What a title starts with: the plan's label, or how many plans it speaks of."""
    return f"[{plans[0].meta.label}]" if len(plans) == 1 else wording.plans_tag(len(plans))


def combine(plan: Plan, person: str, sections: list[tuple[str, Message]], covered: list[Plan] | None = None) -> Message:
    """One message for a person who plays several roles: a section per role, the role's first;
    one greeting (the first section's) and one footer (the last's). The title starts once with what
    the sections speak of together (``covered``: the plans of their items; ``plan`` alone when not
    given), each section's own tag left out."""
    if len(sections) == 1:
        return sections[0][1]
    covered = covered or [plan]
    tags = {f"{plans_title_tag([each])} " for each in covered}
    tags |= {f"{wording.plans_tag(n)} " for n in range(2, len(covered) + 1)}

    def untagged(title: str) -> str:
        return next((title.removeprefix(tag) for tag in tags if title.startswith(tag)), title)

    title = f"{plans_title_tag(covered)} " + "; ".join(untagged(m.title) for _, m in sections)
    parts_text: list[str] = []
    parts_md: list[str] = []
    last = len(sections)
    for n, (recipient, message) in enumerate(sections, start=1):
        heading = _section_heading(plan, recipient, n)
        parts_text += [heading.upper(), "", _trim(message.text, n > 1, n < last), ""]
        parts_md += [f"## {heading}", "", _trim(message.markdown, n > 1, n < last), ""]
    return Message(title=title, text="\n".join(parts_text), markdown="\n".join(parts_md))


def _section_heading(plan: Plan, recipient: str, n: int) -> str:
    if recipient == COORDINATOR:
        return f"Phần {n}. Với vai trò cơ quan thường trực"
    if recipient == LEADERSHIP:
        return f"Phần {n}. Với vai trò lãnh đạo"
    return f"Phần {n}. Nhiệm vụ của {recipient_name(plan, recipient)}"


def _trim(body: str, greeting: bool, footer: bool) -> str:
    """A section's body without the greeting (said once, first) or the footer (said once, last)."""
    lines = body.rstrip("\n").splitlines()
    if greeting and lines and "Kính gửi" in lines[0]:
        lines = lines[1:]
    if footer:
        lines = [line for line in lines if FOOTER not in line]
    return "\n".join(lines).strip("\n")
