"""Alembic environment: runs migrations over the async engine of any supported database."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import xiaodian.models  # noqa: F401  (registers every table)
from xiaodian.models import Base

target_metadata = Base.metadata


def _configure(connection: Connection | None, url: str | None) -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "render_as_batch": (url is not None and url.startswith("sqlite"))
        or (connection is not None and connection.dialect.name == "sqlite"),
        "compare_type": True,
    }


def run_offline() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    context.configure(url=url, literal_binds=True, **_configure(None, url))
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    context.configure(connection=connection, **_configure(connection, None))
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    asyncio.run(_run_async(url))


if context.is_offline_mode():
    run_offline()
else:
    run_online()
