"""The write pool pings a connection only when it sat idle (core/db.py `_ping_when_idle`): no
round trip on a busy server, and a connection the server dropped is still replaced before use.
On a server database only (SQLite has no connections to lose)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text

from xiaodian.config import Settings
from xiaodian.core.db import Database
from xiaodian.core.outage import is_connection_lost

Build = Callable[[float], Database]


@pytest.fixture
async def databases(settings: Settings, migrated: str) -> AsyncIterator[Build]:
    if settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite keeps no pooled server connections")
    opened: list[Database] = []

    def build(idle_ping_seconds: float) -> Database:
        database = Database(migrated, pool_size=1, idle_ping_seconds=idle_ping_seconds)
        opened.append(database)
        return database

    yield build
    for database in opened:
        await database.dispose()


def _count_pings(database: Database) -> list[int]:
    dialect = database.engine.sync_engine.dialect
    pings = [0]
    real_ping = dialect.do_ping

    def counting(dbapi_connection: object) -> bool:
        pings[0] += 1
        return real_ping(dbapi_connection)

    dialect.do_ping = counting  # type: ignore[method-assign]
    return pings


async def _connection_id(database: Database) -> int:
    async with database.transaction() as session:
        return int((await session.execute(text("SELECT CONNECTION_ID()"))).scalar_one())


async def _kill(database: Database, connection_id: int) -> None:
    async with database.read_engine.connect() as other:
        await other.execute(text(f"KILL {int(connection_id)}"))


async def test_a_connection_back_in_use_at_once_is_not_pinged(databases: Build) -> None:
    database = databases(3600)
    pings = _count_pings(database)
    first = await _connection_id(database)
    for _ in range(5):
        assert await _connection_id(database) == first  # the same pooled connection
    assert pings[0] == 0


async def test_a_connection_that_sat_idle_is_pinged_and_replaced_if_the_server_dropped_it(
    databases: Build,
) -> None:
    database = databases(0)  # every reuse counts as idle
    pings = _count_pings(database)
    first = await _connection_id(database)
    assert await _connection_id(database) == first
    assert pings[0] == 1
    await _kill(database, first)
    replaced = await _connection_id(database)  # the ping failed: a fresh connection, no error
    assert replaced != first


async def test_a_connection_dropped_in_steady_use_fails_once_then_the_pool_is_fresh(
    databases: Build,
) -> None:
    database = databases(3600)
    first = await _connection_id(database)
    await _kill(database, first)
    with pytest.raises(Exception) as lost:
        await _connection_id(database)
    assert is_connection_lost(lost.value)  # answered 503 with Retry-After by the app
    assert await _connection_id(database) != first
