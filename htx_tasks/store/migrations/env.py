"""Alembic environment: runs migrations on the engine handed over by htx_tasks.store.db."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import htx_tasks.registry.models  # noqa: F401  (registers the registry tables)
import htx_tasks.store.answers  # noqa: F401  (registers the web tables)
import htx_tasks.store.drafts  # noqa: F401  (registers the report drafts)
import htx_tasks.store.models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url", ""))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
