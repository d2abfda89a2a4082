"""unit.assignment dropped: whether a unit is asked or directed is a plan's word, not the office's

The office's ``unit`` row is shared by every plan, yet the column held one plan's reading of the
unit (``Plan.assignment_of``): a unit a drafted plan asks and another plan directs was rewritten
whenever the passes named the plans in another order or alone. Nothing read it; every surface asks
the plan.

Revision ID: i21_unit_assignment_dropped
Revises: i20_report_drafts
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "i21_unit_assignment_dropped"
down_revision = "i20_report_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("assignment")


def downgrade() -> None:
    # the old code's next pass writes each unit's reading again; "direct" holds the place until then
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("assignment", AutoString(length=16), nullable=False, server_default="direct"))
    with op.batch_alter_table("unit") as batch:
        batch.alter_column("assignment", server_default=None)
