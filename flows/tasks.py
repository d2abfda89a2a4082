"""Tasks shared by the flows."""

from __future__ import annotations

import datetime as dt

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.common import Context, worded
from htx_tasks.services.delivery import dispatch


@task(name="Gửi thông báo", cache_policy=NO_CACHE)
def deliver(ctx: Context, now: dt.datetime, recipients: set[str] | None, *,
            retries_only: bool = False) -> dict:
    """Deliver the recorded notifications due for ``recipients`` (one digest each)."""
    with worded(ctx.settings):
        # every plan of the configuration: a unit's digest carries its items of each, each read under its own
        result = dispatch(ctx.engine, ctx.office_plans(), now, senders=ctx.channels, links=ctx.links,
                          recipients=recipients, retries_only=retries_only)
    get_run_logger().info(
        "Đã gửi %s thông báo (%s bản tin); %s chờ giờ làm việc, %s thử lại sau, %s thất bại, %s cần kiểm tra.",
        result.sent, result.messages, result.deferred, result.retrying, result.failed, result.review,
    )
    return vars(result)
