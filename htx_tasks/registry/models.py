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
