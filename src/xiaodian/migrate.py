"""Running Alembic from code: `xiaodian migrate`, the demo, and the test suite."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str, *, secret_key: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    # for migrations that encrypt stored secrets (0018: webhook secrets)
    config.attributes["secret_key"] = secret_key
    return config


def upgrade(database_url: str, revision: str = "head", *, secret_key: str = "") -> None:
    """Bring the database to `revision`, creating it first where the server allows."""
    _prepare(database_url)
    config = alembic_config(database_url, secret_key=secret_key)
    _in_thread(lambda: command.upgrade(config, revision))


def _in_thread(work: Callable[[], object]) -> None:
    """Alembic's env runs its own event loop; keep it off any loop already running here."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _prepare(database_url: str) -> None:
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    elif backend in ("mysql", "mariadb") and url.database:
        _in_thread(lambda: asyncio.run(_create_mysql_database(database_url)))


async def _create_mysql_database(database_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    url = make_url(database_url)
    name = url.database
    assert name is not None and name.replace("_", "").isalnum()
    engine = create_async_engine(url.set(database=""))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    f"CREATE DATABASE IF NOT EXISTS `{name}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
            )
    finally:
        await engine.dispose()
