"""What a unit reads on its pages and in its messages, in its register (an assignment or a request):
part of the wording service (``core.wording``, which re-exports every name here). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnitWords:
    """The fixed words a unit reads about its own items, in one register: its web pages
    (``web/templates``), its digests (``delivery/templates``) and ``htx-tasks show``."""

    listing: str  # under the unit's name
    empty: str
    open_item: str  # the button to an item a unit can still answer
    back: str
    deadline: str
    deliverable: str
    report_title: str
    report_results: str  # the report's parts (``plan.unitreport``): results, figures, difficulties, proposals
    report_figures: str
    report_difficulties: str
    report_proposals: str
    report_optional: str  # under the parts a unit may leave empty
    report_button: str
    reported_at: str
    extension_title: str
    extension_date: str
    extension_button: str
    extension_hint: str
    extension_pending: str  # "… đến {day}, chờ quyết định" (the template fills the day in)
    moved: str  # what a deadline moved by the coordinator is called: "gia hạn" / "lùi mốc"
    answer_link: str  # a digest line's link to the item's page
    how_to_answer: str  # a digest's closing line when there is no web page
    done_report: str
    done_extension: str
    page_name: str  # a digest's closing line: the unit's own page
    page_offers: str
    page_private: str
    ack_title: str  # "Đã nhận, đang thực hiện": the unit has the work in hand (not an extension)
    ack_date: str
    ack_hint: str
    ack_button: str
    ack_shown: str  # "… dự kiến hoàn thành {day}" (the template fills the day in)
    done_ack: str


ASSIGNMENT_WORDS = UnitWords(
    listing="Nhiệm vụ đang thực hiện và báo cáo chờ duyệt, hạn gần nhất lên trước.",
    empty="Đơn vị hiện không có nhiệm vụ cần báo cáo.",
    open_item="Báo cáo · Đề nghị gia hạn",
    back="← Tất cả nhiệm vụ của đơn vị",
    deadline="Hạn",
    deliverable="Sản phẩm",
    report_title="Báo cáo hoàn thành",
    report_results="Kết quả đạt được",
    report_figures="Số liệu kết quả",
    report_difficulties="Khó khăn, vướng mắc",
    report_proposals="Đề xuất, kiến nghị",
    report_optional="Để trống nếu không có.",
    report_button="Gửi báo cáo",
    reported_at="Báo cáo lúc",
    extension_title="Đề nghị gia hạn",
    extension_date="Đề nghị gia hạn đến ngày",
    extension_button="Gửi đề nghị gia hạn",
    extension_hint="Trong khi chờ quyết định, thông báo nhắc việc vẫn tiếp tục theo hạn hiện tại.",
    extension_pending="Đề nghị gia hạn đến {day}, chờ quyết định",
    moved="gia hạn",
    answer_link="Báo cáo, đề nghị gia hạn",
    how_to_answer="Cách báo cáo hoàn thành",
    done_report="Đã gửi báo cáo. Nhiệm vụ chuyển sang \"chờ duyệt\"; thông báo nhắc việc dừng lại.",
    done_extension="Đã gửi đề nghị gia hạn. Thông báo nhắc việc vẫn tiếp tục cho đến khi có quyết định.",
    page_name="Trang của đơn vị",
    page_offers="mọi nhiệm vụ, báo cáo kèm minh chứng, đề nghị gia hạn, báo đã nhận và tiến độ",
    page_private="Liên kết dành riêng cho đơn vị; vui lòng không chuyển cho người khác.",
    ack_title="Đã nhận, đang thực hiện",
    ack_date="Dự kiến hoàn thành ngày",
    ack_hint=("Không phải đề nghị gia hạn: hạn giữ nguyên. Thông báo nhắc lại tạm dừng đến ngày dự kiến; "
              "cơ quan thường trực xem được tiến độ đơn vị báo."),
    ack_button="Báo đã nhận, đang thực hiện",
    ack_shown="Đơn vị báo đã nhận, đang thực hiện; dự kiến hoàn thành {day}",
    done_ack="Đã ghi nhận: đơn vị đã nhận, đang thực hiện. Thông báo nhắc lại tạm dừng đến ngày dự kiến; hạn giữ nguyên.",
)
REQUEST_WORDS = UnitWords(
    listing="Nội dung kế hoạch đề nghị phối hợp và thông tin kết quả đã gửi, mốc gần nhất lên trước.",
    empty="Hiện không có nội dung đề nghị phối hợp cần trao đổi kết quả.",
    open_item="Gửi thông tin kết quả · Đề nghị lùi mốc",
    back="← Tất cả nội dung đề nghị phối hợp",
    deadline="Mốc trao đổi kết quả",
    deliverable="Nội dung đề nghị",
    report_title="Trao đổi kết quả",
    report_results="Kết quả phối hợp thực hiện",
    report_figures="Số liệu kết quả",
    report_difficulties="Khó khăn, vướng mắc",
    report_proposals="Đề xuất, kiến nghị",
    report_optional="Để trống nếu không có.",
    report_button="Gửi thông tin kết quả",
    reported_at="Gửi thông tin lúc",
    extension_title="Đề nghị lùi mốc",
    extension_date="Đề nghị lùi mốc trao đổi đến ngày",
    extension_button="Gửi đề nghị lùi mốc",
    extension_hint="Trong khi chờ ý kiến, thông báo vẫn theo mốc hiện tại.",
    extension_pending="Đề nghị lùi mốc đến {day}, chờ ý kiến",
    moved="lùi mốc",
    answer_link="Gửi thông tin kết quả",
    how_to_answer="Cách gửi thông tin kết quả",
    done_report="Đã gửi thông tin kết quả. Cơ quan thường trực sẽ tiếp nhận; thông báo nhắc dừng lại.",
    done_extension="Đã gửi đề nghị lùi mốc. Thông báo vẫn theo mốc hiện tại cho đến khi có ý kiến.",
    page_name="Trang của quý cơ quan",
    page_offers="các nội dung đề nghị phối hợp, gửi thông tin kết quả, báo đang phối hợp thực hiện, đề nghị lùi mốc",
    page_private="Liên kết dành riêng cho quý cơ quan; vui lòng không chuyển cho người khác.",
    ack_title="Đã nhận đề nghị, đang phối hợp thực hiện",
    ack_date="Dự kiến thông tin kết quả ngày",
    ack_hint=("Không phải đề nghị lùi mốc: mốc trao đổi giữ nguyên. Thông báo nhắc lại tạm dừng đến ngày dự kiến; "
              "cơ quan thường trực xem được tiến độ quý cơ quan thông tin."),
    ack_button="Báo đã nhận, đang phối hợp thực hiện",
    ack_shown="Đã nhận đề nghị, đang phối hợp thực hiện; dự kiến thông tin kết quả {day}",
    done_ack="Đã ghi nhận: quý cơ quan đang phối hợp thực hiện. Thông báo nhắc lại tạm dừng đến ngày dự kiến.",
)


def unit_words(*, request: bool = False) -> UnitWords:
    return REQUEST_WORDS if request else ASSIGNMENT_WORDS


def report_silence(*, request: bool = False) -> str:
    """What the consolidated report says, plainly, where a unit sent nothing in the period."""
    return "chưa có thông tin kết quả" if request else "chưa có báo cáo"


def report_source(*, request: bool = False) -> str:
    """What the consolidated report calls a unit's words it quotes: a report, or results shared on request."""
    return "thông tin kết quả" if request else "báo cáo"


def report_task(ref: str, title: str, *, request: bool = False) -> str:
    """A task's line in the consolidated report: the plan asks the Front and the organisations."""
    said = " ".join(title.split())
    return f"{ref}. Nội dung đề nghị phối hợp: {said}" if request else f"{ref}. {said}"
