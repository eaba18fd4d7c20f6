"""Alembic environment for the KRAKEN chatbot database.

The database URL comes from the ``DATABASE_URL`` environment variable (or, as a
fallback, ``sqlalchemy.url`` in alembic.ini). Accepted forms:

* ``postgresql://user:pass@host/db`` - SQLAlchemy's default PostgreSQL driver
  is used: psycopg (3) on SQLAlchemy 2.1, psycopg2 on SQLAlchemy 2.0.
* ``postgres://...`` - the Heroku/Render spelling, rewritten to ``postgresql://``
  because SQLAlchemy does not accept it.
* ``postgresql+psycopg://``, ``postgresql+psycopg2://`` - an explicit sync driver.
* ``postgresql+asyncpg://``, ``postgresql+psycopg_async://`` - an async driver,
  as the application uses; migrations then run on an async engine.

Offline mode (``alembic upgrade heads --sql``) needs no database at all; it only
uses the URL, if any, to pick the SQL dialect.
"""

import asyncio
import os
from logging.config import fileConfig

from sqlalchemy import create_engine, pool
from sqlalchemy.engine import URL, Connection, make_url

from alembic import context

# The Alembic Config object, giving access to the values in alembic.ini.
config = context.config

# Set up Python logging from alembic.ini, so "Running upgrade ..." lines show.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# The schema is managed by hand-written migrations (the application uses raw
# SQL, not ORM models), so there is no metadata to autogenerate against.
target_metadata = None


def database_url(required: bool) -> URL:
    """Returns the SQLAlchemy URL to migrate, normalised as described above."""
    raw = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not raw:
        if required:
            raise RuntimeError(
                "DATABASE_URL is not set; export it, e.g. "
                "DATABASE_URL=postgresql://user@localhost:5432/kraken"
            )
        # Offline mode only needs to know the dialect.
        return make_url("postgresql://")
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    return make_url(raw)


def run_migrations_offline() -> None:
    """Emit the migrations as SQL to stdout instead of running them."""
    context.configure(
        url=database_url(required=False),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)

    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(url: URL) -> None:
    """Run the migrations through an async engine (asyncpg, psycopg_async)."""
    # Imported here because sqlalchemy.ext.asyncio needs greenlet, which
    # SQLAlchemy 2.1 no longer installs by default; sync URLs do not need it.
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Run the migrations against the database in DATABASE_URL."""
    url = database_url(required=True)
    if url.get_dialect().is_async:
        asyncio.run(run_async_migrations(url))
        return

    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            do_run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
