"""The registry table: one row per version of an organisation, valid in [valid_from, valid_to)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from htx_tasks.store.models import utc_column


class CoopVersion(SQLModel, table=True):
    """What was true of organisation ``code`` from ``valid_from`` until ``valid_to`` (open: now)."""

    __tablename__ = "coop_version"
    __table_args__ = (
        UniqueConstraint("code", "valid_from", name="uq_coop_version_from"),
        Index("ix_coop_version_code_to", "code", "valid_to"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64)
    valid_from: dt.date = Field(index=True)
    valid_to: dt.date | None = None
    recorded_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    source: str = Field(max_length=16)  # import, demo, web
    synthetic: bool = False
    name: str
    kind: str = Field(max_length=32)
    ward: str = Field(max_length=64, index=True)
    sector: str = Field(max_length=32)
    follow_unit: str = Field(max_length=64)
    status: str = Field(max_length=32)
    founded_on: dt.date
    members: int | None = None
    charter_capital: int | None = None
    rating: str | None = Field(default=None, max_length=16)
    rating_year: int | None = None
    tech: bool = False
    tech_note: str | None = None
    key_products: str | None = None
    key_product_count: int | None = None
    ecommerce_products: int | None = None
    brand: str | None = None
    note: str | None = None


class RegistryUpdate(SQLModel, table=True):
    """A unit kept its part of the registry current: it confirmed its list unchanged, or edited
    one organisation. ``as_of`` is the local day the unit's data is current to; the board reads
    the latest per unit to mark units whose data is older than their last period."""

    __tablename__ = "registry_update"
    __table_args__ = (Index("ix_registry_update_unit_as_of", "unit_code", "as_of"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(max_length=64)
    kind: str = Field(max_length=16)  # confirm, edit
    as_of: dt.date
    recorded_at: dt.datetime = Field(sa_column=utc_column(nullable=False))
    actor: str = Field(max_length=128)  # a unit code, or the coordinator acting on the unit's behalf
    role: str = Field(max_length=16)
    via: str = Field(max_length=128)  # cli:<user>, form:<flow run id>, link:<signed link id>
    organisations: int  # how many organisations the unit confirmed (1 for an edit)
    coop_code: str | None = Field(default=None, max_length=64)  # the organisation edited
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id")  # the period's obligation
    note: str | None = None
