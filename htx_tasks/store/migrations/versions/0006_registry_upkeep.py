"""registry upkeep: a unit's confirmations and edits of the organisations it follows

Revision ID: i9_registry_upkeep
Revises: i9_registry
Create Date: 2026-11-27
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import htx_tasks.store.types

revision = "i9_registry_upkeep"
down_revision = "i9_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("recorded_at", htx_tasks.store.types.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("via", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("organisations", sa.Integer(), nullable=False),
        sa.Column("coop_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["occurrence_id"], ["occurrence.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("registry_update", schema=None) as batch_op:
        batch_op.create_index("ix_registry_update_unit_as_of", ["unit_code", "as_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("registry_update", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_update_unit_as_of")
    op.drop_table("registry_update")
