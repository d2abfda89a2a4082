"""The report's wording: header lines, section titles and the tables, shared by every format.

Markdown, Excel and Word render the same ``Table`` objects, so the three files always carry the
same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from htx_tasks.core import wording
from htx_tasks.core.lifecycle import Outcome, State
from htx_tasks.indicators.service import Kpi
from htx_tasks.indicators.wording import amount, gap_text, held_to, number_vi, ratio_text, value_text
from htx_tasks.plan.loader import Plan
from htx_tasks.registry.files import SYNTHETIC_BANNER
from htx_tasks.reporting.data import Consolidated, Period

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
SYMBOL = "BC-UBND"  # báo cáo của Ủy ban nhân dân; the number is given by the clerk on issue


@dataclass(frozen=True)
class Table:
    key: str  # sheet name (≤ 31 characters)
    title: str
    header: list[str]
    rows: list[list[object]]


def issuer_lines(issuer: str) -> list[str]:
    """'Ủy ban nhân dân thành phố Cam Ranh' → ['ỦY BAN NHÂN DÂN', 'THÀNH PHỐ CAM RANH']."""
    head = "Ủy ban nhân dân"
    if issuer.lower().startswith(head.lower()) and len(issuer) > len(head):
        return [head.upper(), issuer[len(head):].strip().upper()]
    return [issuer.upper()]


def place(issuer: str) -> str:
    """The place in the date line: the issuer's town ('Cam Ranh')."""
    words = issuer.split()
    for marker in ("phố", "huyện", "xã", "tỉnh", "phường", "thị"):
        if marker in words:
            rest = words[words.index(marker) + 1:]
            if rest and rest[0] == "xã":  # thị xã
                rest = rest[1:]
            if rest:
                return " ".join(rest)
    return issuer


def date_line(report: Consolidated) -> str:
    """Left blank until the coordinator sets the day on the draft (the report is dated when signed)."""
    return f"{place(report.plan.meta.issuer)}, ngày … tháng … năm …"


def title_lines(report: Consolidated) -> tuple[str, str]:
    return title_lines_of(report.plan, report.period)


def title_lines_of(plan: Plan, period: Period) -> tuple[str, str]:
    return ("BÁO CÁO", f"Kết quả thực hiện {plan.meta.short_title} {period.label}")


def intro(report: Consolidated) -> str:
    return intro_of(report.plan, report.period)


def intro_of(plan: Plan, period: Period) -> str:
    return (f"Thực hiện {' '.join(plan.meta.title.split())}, {plan.meta.issuer} báo cáo kết quả thực hiện "
            f"{period.label} (từ {period.start:%d/%m/%Y} đến {period.end:%d/%m/%Y}) như sau:")


def synthetic_notice(report: Consolidated) -> str | None:
    if not report.synthetic:
        return None
    return (f"{SYNTHETIC_BANNER}: số liệu chỉ tiêu ở mục II được tính từ sổ theo dõi minh họa, "
            "không dùng để báo cáo chính thức.")


SECTIONS = (
    "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ CỦA CÁC ĐƠN VỊ",
    "II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
    "III. MỤC TIÊU ĐỊNH TÍNH",
    "IV. KHÓ KHĂN, VƯỚNG MẮC",
)


def duty_table(report: Consolidated) -> Table:
    header = ["Đơn vị", "Được giao", "Đến hạn", *(o.value.capitalize() for o in Outcome), "Tỷ lệ đúng hạn (%)"]
    rows = [[r.unit_name, r.assigned, r.due, r.on_time, r.late, r.pending_in_time, r.past_term,
             "" if r.on_time_rate is None else number_vi(r.on_time_rate)] for r in [*report.units, report.total]]
    return Table("Kết quả theo đơn vị", "Bảng 1. Nhiệm vụ theo đơn vị, bốn nhóm kết quả", header, rows)


def overdue_table(report: Consolidated) -> Table:
    header = [wording.TRACKING_CODE, "Đơn vị", "Mục", "Nhiệm vụ", "Kỳ", "Hạn", "Quá hạn (ngày làm việc)", "Lý do đơn vị nêu"]
    rows = [[o.occurrence_id, o.unit_name, o.ref, " ".join(o.title.split()), wording.period_cell(o.period),
             o.deadline.strftime("%d/%m/%Y"), o.working_days_overdue, o.reason or "Chưa nêu lý do"]
            for o in report.overdue]
    return Table("Nhiệm vụ quá hạn", "Bảng 2. Nhiệm vụ quá hạn và lý do", header, rows)


def request_table(report: Consolidated) -> Table:
    """The bodies the plan asks (III.7): what was asked and what they made known; no rate, nothing overdue."""
    header = ["Tổ chức", "Nội dung đề nghị", "Đã đến mốc trao đổi", "Đã có thông tin kết quả",
              "Chưa có thông tin kết quả"]
    rows: list[list[object]] = [[r.unit_name, r.assigned, r.due, r.done, r.assigned - r.done] for r in report.requests]
    return Table("Đề nghị phối hợp", "Bảng 3. Nội dung đề nghị phối hợp (Mặt trận Tổ quốc, các tổ chức "
                 "chính trị – xã hội) và kết quả trao đổi", header, rows)


def indicator_table(report: Consolidated) -> Table:
    return indicators_of(report.plan, report.kpi)


def indicators_of(plan: Plan, kpi: Kpi) -> Table:
    header = ["Chỉ tiêu", "Mục tiêu", "Năm gốc", f"Giá trị năm {kpi.year}", "Tử số/mẫu số",
              f"Mức cần đạt năm {kpi.year}", "Chênh lệch", "Đánh giá", "Đơn vị chủ trì", "Dữ liệu"]
    rows: list[list[object]] = []
    for r in kpi.results:
        i, m, a = r.indicator, r.point.measure, r.point.assessment
        rows.append([
            i.title, f"{r.target} năm {i.year}", f"{i.baseline_year}: {amount(i, r.baseline.value)}",
            value_text(i, m), ratio_text(m), held_to(i, kpi.year, a), gap_text(i, a.gap), r.standing.label,
            plan.unit_name(i.owner or ""), "minh họa" if kpi.synthetic else "sổ theo dõi",
        ])
    title = f"Bảng 4. Chỉ tiêu mục I.2, sổ theo dõi tại ngày {kpi.on:%d/%m/%Y} ({kpi.organisations} tổ chức)"
    return Table("Chỉ tiêu", title, header, rows)


def qualitative_table(report: Consolidated) -> Table:
    header = ["Mục tiêu", "Năm", "Đơn vị chủ trì", "Nội dung kế hoạch", "Ý kiến, kết quả đơn vị báo cáo"]
    rows: list[list[object]] = []
    for indicator, notes in report.qualitative:
        said = "\n".join(f"{n.on:%d/%m/%Y} ({n.ref}): {n.text}" for n in notes) or "Chưa có báo cáo của đơn vị"
        rows.append([indicator.title, indicator.year, report.plan.unit_name(indicator.owner or ""),
                     " ".join(indicator.source.split()), said])
    return Table("Mục tiêu định tính", "Bảng 5. Mục tiêu định tính và ý kiến của đơn vị", header, rows)


def difficulty_table(report: Consolidated) -> Table:
    header = ["Ngày", "Đơn vị", "Mục", "Nguồn", "Nội dung"]
    rows: list[list[object]] = [[n.on.strftime("%d/%m/%Y"), n.unit_name, n.ref, n.source, n.text]
                                for n in report.difficulties]
    return Table("Khó khăn vướng mắc", "Bảng 6. Khó khăn, vướng mắc đơn vị nêu", header, rows)


def all_tables(report: Consolidated) -> list[Table]:
    return [duty_table(report), overdue_table(report), request_table(report), indicator_table(report),
            qualitative_table(report), difficulty_table(report)]


def summary(report: Consolidated) -> str:
    total = report.total
    rate = "chưa có nhiệm vụ đến hạn" if total.on_time_rate is None else f"{number_vi(total.on_time_rate)}%"
    off = len(report.kpi.off_track)
    asked = sum(r.assigned for r in report.requests)
    informed = sum(r.done for r in report.requests)
    requests = f" Kế hoạch đề nghị phối hợp {asked} nội dung; đã có thông tin kết quả {informed}." if asked else ""
    return (f"Trong kỳ có {total.assigned} nhiệm vụ được giao, {total.due} nhiệm vụ đến hạn; tỷ lệ hoàn thành đúng "
            f"hạn: {rate}; {len(report.overdue)} nhiệm vụ còn quá hạn.{requests} {off} chỉ tiêu chệch lộ trình.")


def tracking_table(rows: list, total) -> Table:
    """Bảng: the work the plan directs, due in the period, in one table (``tally.Tracking`` rows)."""
    header = ["Đơn vị", "Đến hạn trong kỳ", "Hoàn thành đúng hạn", "Hoàn thành trễ hạn", State.MISSED.label,
              "Chưa hoàn thành", "Trong đó quá hạn"]
    body: list[list[object]] = [[r.unit_name, r.due, r.on_time, r.late, r.missed, r.open, r.overdue]
                                for r in [*rows, total]]
    return Table("Theo dõi thực hiện", "Bảng 2. Số liệu theo dõi thực hiện nhiệm vụ Kế hoạch giao các đơn vị",
                 header, body)
