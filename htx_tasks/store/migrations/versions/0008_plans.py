"""plans as objects: a plan table, and the plan's code on duties, occurrences and opening cursors

An existing database followed one plan; every duty, occurrence and opening cursor it holds is
moved onto that plan, whose code is ``htx_tasks.store.db.upgrade(engine, plan=...)``'s (the one
plan the configuration names) or, when none is given, the only plan main ever shipped. The plan
gets a row (active; its title and document are filled from the configuration on the next pass).
The occurrence key ``uq_occurrence_period`` becomes plan × duty × unit × period, and an index on
plan × state serves the per-plan counts.

SQLite cannot change a table's key in place: the three tables are rebuilt. Other tables point at
``occurrence`` (submissions, audit lines, outbox rows, answers), so its rebuild defers foreign
keys to the commit and puts every row back, ids unchanged, before committing. Going down drops
the plan table and the plan codes (a database holding two plans refuses: the old key cannot hold
both).

Revision ID: i18_plans
Revises: i15_one_outbox
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import context, op

import htx_tasks.store.types

revision = "i18_plans"
down_revision = "i15_one_outbox"
branch_labels = None
depends_on = None

FIRST_PLAN = "kh-46-ctr-tu-cam-ranh"  # the plan main followed alone
STR = sqlmodel.sql.sqltypes.AutoString
UTC = htx_tasks.store.types.UTCDateTime


def _plan_column() -> sa.Column:
    return sa.Column("plan_code", STR(length=64), nullable=False)


def _duty(with_plan: bool) -> list:
    key = ["plan_code", "code"] if with_plan else ["code"]
    return [*([_plan_column()] if with_plan else []),
            sa.Column("code", STR(length=64), nullable=False), sa.Column("ref", STR(length=16), nullable=False),
            sa.Column("title", STR(), nullable=False), sa.Column("unit_code", STR(length=64), nullable=False),
            sa.Column("every", STR(length=16), nullable=False), sa.Column("deliverable", STR(), nullable=False),
            sa.PrimaryKeyConstraint(*key)]


def _cursor(with_plan: bool) -> list:
    key = ["plan_code", "duty_code", "unit_code"] if with_plan else ["duty_code", "unit_code"]
    return [*([_plan_column()] if with_plan else []),
            sa.Column("duty_code", STR(length=64), nullable=False), sa.Column("unit_code", STR(length=64), nullable=False),
            sa.Column("opened_through", sa.Date(), nullable=False), sa.PrimaryKeyConstraint(*key)]


def _occurrence(with_plan: bool) -> list:
    key = ["plan_code", "duty_code", "unit_code", "period_key"] if with_plan else ["duty_code", "unit_code", "period_key"]
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("duty_code", STR(length=64), nullable=False), sa.Column("unit_code", STR(length=64), nullable=False),
        sa.Column("period_key", STR(length=128), nullable=False), sa.Column("period_label", STR(), nullable=False),
        sa.Column("case_kind", STR(length=64), nullable=True), sa.Column("case_ref", STR(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True), sa.Column("opened_at", UTC(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False), sa.Column("original_deadline", sa.Date(), nullable=False),
        sa.Column("state", STR(length=16), nullable=False), sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("last_action_at", UTC(), nullable=True), sa.Column("next_action_at", UTC(), nullable=True),
        sa.Column("submitted_at", UTC(), nullable=True), sa.Column("closed_at", UTC(), nullable=True),
        sa.Column("predecessor_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        *([_plan_column()] if with_plan else []),
        sa.ForeignKeyConstraint(["predecessor_id"], ["occurrence.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(*key, name="uq_occurrence_period"),
    ]


OCCURRENCE_INDEXES = [("ix_occurrence_unit_state", ["unit_code", "state"]), ("ix_occurrence_deadline", ["deadline"]),
                      ("ix_occurrence_duty_code", ["duty_code"]), ("ix_occurrence_next_action_at", ["next_action_at"])]
PLAN_INDEX = ("ix_occurrence_plan_state", ["plan_code", "state"])


def _first_plan() -> str:
    return context.config.attributes.get("plan") or FIRST_PLAN


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("code", STR(length=64), nullable=False), sa.Column("title", STR(), nullable=False),
        sa.Column("document", STR(), nullable=False), sa.Column("status", STR(length=16), nullable=False),
        sa.Column("status_at", UTC(), nullable=True), sa.PrimaryKeyConstraint("code"),
    )
    bind = op.get_bind()
    plan = _first_plan()
    held = any(bind.execute(sa.text(f"SELECT 1 FROM {t} LIMIT 1")).first() for t in ("duty", "occurrence", "opening_cursor"))
    if held:  # the plan this database followed, active, its words filled from the configuration later
        bind.execute(sa.text("INSERT INTO plan (code, title, document, status) VALUES (:c, :c, '', 'active')"),
                     {"c": plan})
    if bind.dialect.name == "sqlite":
        _rebuild("duty", _duty(True), [], plan)
        _rebuild("opening_cursor", _cursor(True), [], plan)
        _rebuild("occurrence", _occurrence(True), [*OCCURRENCE_INDEXES, PLAN_INDEX], plan)
        return
    for table, key, pkey in (("duty", ["plan_code", "code"], "duty_pkey"),
                             ("opening_cursor", ["plan_code", "duty_code", "unit_code"], "opening_cursor_pkey")):
        _add_plan_code(table, plan)
        op.drop_constraint(pkey, table, type_="primary")
        op.create_primary_key(pkey, table, key)
    _add_plan_code("occurrence", plan)
    op.drop_constraint("uq_occurrence_period", "occurrence", type_="unique")
    op.create_unique_constraint("uq_occurrence_period", "occurrence", ["plan_code", "duty_code", "unit_code", "period_key"])
    op.create_index(PLAN_INDEX[0], "occurrence", PLAN_INDEX[1])


def _add_plan_code(table: str, plan: str) -> None:
    op.add_column(table, sa.Column("plan_code", STR(length=64), nullable=True))
    op.execute(sa.text(f"UPDATE {table} SET plan_code = :p").bindparams(p=plan))
    op.alter_column(table, "plan_code", existing_type=STR(length=64), nullable=False)


def _rebuild(table: str, shape: list, indexes: list, plan: str | None) -> None:
    """SQLite: the table made again in its new shape, every row kept (ids too).

    The rows are copied aside, the table dropped and created anew, the rows put back. Foreign
    keys pointing at the table are checked at commit (``defer_foreign_keys``): by then every row
    they point at is back."""
    bind = op.get_bind()
    bind.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    old = [row[1] for row in bind.exec_driver_sql(f"PRAGMA table_info({table})")]
    new = [c.name for c in shape if isinstance(c, sa.Column)]
    kept = [c for c in new if c in old]
    aside = f"_{table}_aside"
    bind.exec_driver_sql(f"CREATE TEMP TABLE {aside} AS SELECT {', '.join(kept)} FROM {table}")
    op.drop_table(table)  # its indexes go with it
    op.create_table(table, *shape)
    for name, columns in indexes:
        op.create_index(name, table, columns)
    if plan is not None and "plan_code" in new:
        bind.execute(sa.text(f"INSERT INTO {table} ({', '.join(kept)}, plan_code) "
                             f"SELECT {', '.join(kept)}, :p FROM {aside} ORDER BY 1"), {"p": plan})
    else:
        bind.exec_driver_sql(f"INSERT INTO {table} ({', '.join(kept)}) SELECT {', '.join(kept)} FROM {aside} ORDER BY 1")
    bind.exec_driver_sql(f"DROP TABLE {aside}")


def downgrade() -> None:
    bind = op.get_bind()
    plans = [r[0] for r in bind.exec_driver_sql(
        "SELECT DISTINCT plan_code FROM occurrence UNION SELECT plan_code FROM duty "
        "UNION SELECT plan_code FROM opening_cursor")]
    if len(plans) > 1:
        raise RuntimeError("cơ sở dữ liệu đang giữ nhiều kế hoạch (" + ", ".join(sorted(plans)) + "); "
                           "phiên bản cũ chỉ theo dõi được một kế hoạch, không thể hạ cấp")
    if bind.dialect.name == "sqlite":
        _rebuild("occurrence", _occurrence(False), OCCURRENCE_INDEXES, None)
        _rebuild("opening_cursor", _cursor(False), [], None)
        _rebuild("duty", _duty(False), [], None)
    else:
        op.drop_index(PLAN_INDEX[0], table_name="occurrence")
        op.drop_constraint("uq_occurrence_period", "occurrence", type_="unique")
        op.create_unique_constraint("uq_occurrence_period", "occurrence", ["duty_code", "unit_code", "period_key"])
        op.drop_column("occurrence", "plan_code")
        for table, key, pkey in (("duty", ["code"], "duty_pkey"),
                                 ("opening_cursor", ["duty_code", "unit_code"], "opening_cursor_pkey")):
            op.drop_constraint(pkey, table, type_="primary")
            op.drop_column(table, "plan_code")
            op.create_primary_key(pkey, table, key)
    op.drop_table("plan")
