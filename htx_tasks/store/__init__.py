"""Storage: SQLModel tables, the database engine, Alembic migrations and data access."""
