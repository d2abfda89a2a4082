"""registry of collective economic organisations (one row per version) and indicator alerts

Revision ID: i9_registry
Revises: i8_web_answers
Create Date: 2026-11-27
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import htx_tasks.store.types

revision = "i9_registry"
down_revision = "i8_web_answers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coop_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('recorded_at', htx_tasks.store.types.UTCDateTime(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ward', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sector', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('follow_unit', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=True),
    sa.Column('charter_capital', sa.Integer(), nullable=True),
    sa.Column('rating', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('rating_year', sa.Integer(), nullable=True),
    sa.Column('tech', sa.Boolean(), nullable=False),
    sa.Column('tech_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('key_products', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('key_product_count', sa.Integer(), nullable=True),
    sa.Column('ecommerce_products', sa.Integer(), nullable=True),
    sa.Column('brand', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'valid_from', name='uq_coop_version_from')
    )
    with op.batch_alter_table('coop_version', schema=None) as batch_op:
        batch_op.create_index('ix_coop_version_code_to', ['code', 'valid_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_coop_version_valid_from'), ['valid_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_coop_version_ward'), ['ward'], unique=False)
    op.create_table(
        "indicator_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", htx_tasks.store.types.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("sent_at", htx_tasks.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator", "year", "recipient", name="uq_indicator_alert"),
    )
    with op.batch_alter_table("indicator_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_alert_status"), ["status"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("indicator_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_alert_status"))
    op.drop_table("indicator_alert")
    with op.batch_alter_table('coop_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coop_version_ward'))
        batch_op.drop_index(batch_op.f('ix_coop_version_valid_from'))
        batch_op.drop_index('ix_coop_version_code_to')

    op.drop_table('coop_version')
