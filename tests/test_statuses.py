"""Row statuses are enums with one Vietnamese label each (``core.statuses``): the outbox views of
the CLI and the service's refusals name a status in the same words, and the stored values are
the strings they always were."""

from __future__ import annotations

from sqlalchemy import text

from htx_tasks.core.statuses import ExtensionDecision, NotificationStatus, SubmissionDecision
from htx_tasks.store.db import make_engine


def test_stored_values_are_unchanged() -> None:
    assert [s.value for s in NotificationStatus] == ["pending", "sending", "sent", "failed", "review", "cancelled",
                                                      "superseded"]
    assert [d.value for d in SubmissionDecision] == ["pending", "accept", "return", "waive"]
    assert [d.value for d in ExtensionDecision] == ["pending", "approved", "refused"]


def test_the_outbox_view_and_the_refusal_name_a_status_alike(run_cli, cli_env) -> None:
    assert run_cli("init").exit_code == 0
    assert run_cli("tick", "--now", "2026-11-02T07:30", "--no-dispatch").exit_code == 0
    engine = make_engine(cli_env["HTX_DATABASE_URL"])
    with engine.begin() as conn:
        row = conn.execute(text("SELECT min(id) FROM notification")).scalar_one()
        conn.execute(text("UPDATE notification SET status = 'failed' WHERE id = :id"), {"id": row})
    engine.dispose()
    label = NotificationStatus.FAILED.label
    listed = run_cli("notify", "failed")
    assert listed.exit_code == 0 and f"Thông báo {label}: 1" in listed.stdout
    assert f"Thông báo {NotificationStatus.REVIEW.label}: 0" in run_cli("notify", "review").stdout
    refused = run_cli("notify", "resolve", str(row), "--as", "resend", "--note", "Đã gọi điện")
    assert refused.exit_code != 0 and f"đang ở trạng thái '{label}', không cần kiểm tra" in refused.stderr
