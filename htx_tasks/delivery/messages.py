"""Vietnamese messages (Jinja2): one digest per recipient per pass, as plain text and Markdown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from jinja2 import Environment, PackageLoader, StrictUndefined

from htx_tasks.clock import local_date
from htx_tasks.core.calendar import format_date_vi
from htx_tasks.core.lifecycle import Kind, timing_phrase
from htx_tasks.delivery.channels import COORDINATOR, FALLBACK, LEADERSHIP
from htx_tasks.plan.loader import Plan

KIND_TITLES = {
    Kind.ASSIGNED: "Nhiệm vụ mới",
    Kind.REMINDER: "Nhắc hạn",
    Kind.OVERDUE: "Quá hạn",
    Kind.ESCALATION: "Đôn đốc nhiệm vụ quá hạn",
    Kind.REPEAT: "Nhắc lại: vẫn quá hạn",
    Kind.EXTENSION_APPROVED: "Đồng ý gia hạn",
    Kind.EXTENSION_REFUSED: "Không đồng ý gia hạn",
}


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
    period: str
    deadline: str  # "Thứ Sáu, 18/12/2026"
    timing: str  # "còn 3 ngày", "quá hạn 2 ngày làm việc"
    deliverable: str
    link: str | None = None  # the item's page in the web app, when it is configured
    note: str | None = None  # the coordinator's words, for a decision on a request

    @property
    def kind_title(self) -> str:
        return KIND_TITLES[self.kind]


def make_item(plan: Plan, *, occurrence_id: int, kind: str, level: int, unit: str, duty: str,
              period: str, deadline: dt.date, now: dt.datetime, link: str | None = None,
              note: str | None = None) -> Item:
    spec = plan.duty(duty)
    return Item(
        occurrence_id=occurrence_id, kind=Kind(kind), level=level, unit=unit,
        unit_name=plan.unit_name(unit), duty_title=spec.title, ref=spec.ref, period=period,
        deadline=format_date_vi(deadline), timing=timing_phrase(deadline, now, plan.calendar),
        deliverable=spec.deliverable, link=link, note=note,
    )


_env = Environment(
    loader=PackageLoader("htx_tasks.delivery", "templates"),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
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


def render_digest(plan: Plan, recipient: str, items: list[Item], now: dt.datetime,
                  page_link: str | None = None) -> Message:
    """The digest a recipient receives for this pass; ``page_link`` is its page in the web app."""
    role = recipient in (COORDINATOR, LEADERSHIP)
    items = sorted(items, key=lambda i: (i.unit_name, i.ref, i.occurrence_id))
    overdue = [i for i in items if i.kind in (Kind.OVERDUE, Kind.ESCALATION, Kind.REPEAT)]
    if role:
        units = len({i.unit for i in items})
        title = f"[{plan.meta.label}] {len(items)} nhiệm vụ quá hạn của {units} đơn vị cần đôn đốc"
    elif overdue:
        title = f"[{plan.meta.label}] {recipient_name(plan, recipient)}: {len(overdue)} nhiệm vụ quá hạn"
    else:
        title = f"[{plan.meta.label}] {recipient_name(plan, recipient)}: {len(items)} nhiệm vụ cần lưu ý"
    context = {
        "plan": plan.meta,
        "recipient": recipient,
        "recipient_name": recipient_name(plan, recipient),
        "role": role,
        "items": items,
        "by_unit": [(name, list(group)) for name, group in groupby(items, key=lambda i: i.unit_name)],
        "today": format_date_vi(local_date(now)),
        "page_link": page_link,
    }
    return Message(
        title=title,
        text=_env.get_template("digest.txt.j2").render(context),
        markdown=_env.get_template("digest.md.j2").render(context),
    )


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
