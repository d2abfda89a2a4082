"""unit reports: a report holds results, figures, difficulties and proposals, not one note

The report's one free-text ``note`` becomes its ``results`` ("Kết quả đạt được"; the column is
renamed, so every old report reads as its results); ``difficulties`` ("Khó khăn, vướng mắc"),
``proposals`` ("Đề xuất, kiến nghị") and ``figures`` (JSON: key → number) are added, empty for old
rows. Going down folds what a unit wrote in the new fields back into the note, under the same
headings, so nothing a unit reported is lost.

Revision ID: i20_unit_reports
Revises: i16_acknowledgement
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "i20_unit_reports"
down_revision = "i16_acknowledgement"
branch_labels = None
depends_on = None

HEADINGS = (("difficulties", "Khó khăn, vướng mắc"), ("proposals", "Đề xuất, kiến nghị"))


def upgrade() -> None:
    op.execute("ALTER TABLE submission RENAME COLUMN note TO results")
    op.add_column("submission", sa.Column("difficulties", AutoString(), nullable=False, server_default=""))
    op.add_column("submission", sa.Column("proposals", AutoString(), nullable=False, server_default=""))
    op.add_column("submission", sa.Column("figures", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def folded(results: str, difficulties: str, proposals: str, figures: dict) -> str:
    """The report as one note: the results, then each other part under its heading."""
    parts = [results]
    if figures:
        parts.append("Số liệu: " + "; ".join(f"{key} = {value}" for key, value in figures.items()))
    parts += [
        f"{heading}: {text}"
        for name, heading in HEADINGS
        if (text := {"difficulties": difficulties, "proposals": proposals}[name])
    ]
    return "\n\n".join(parts)


def downgrade() -> None:
    submission = sa.table(
        "submission",
        sa.column("id", sa.Integer()),
        sa.column("results", AutoString()),
        sa.column("difficulties", AutoString()),
        sa.column("proposals", AutoString()),
        sa.column("figures", sa.JSON()),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(submission)).mappings().all():
        if not (row["difficulties"] or row["proposals"] or row["figures"]):
            continue
        conn.execute(
            sa.update(submission)
            .where(submission.c.id == row["id"])
            .values(results=folded(row["results"], row["difficulties"], row["proposals"], row["figures"] or {}))
        )
    for name in ("figures", "proposals", "difficulties"):
        op.drop_column("submission", name)
    op.execute("ALTER TABLE submission RENAME COLUMN results TO note")
