"""The test harness: one migrated database per run (SQLite, or MariaDB + Redis in CI), the real
app over ASGI with the WeChat simulator behind its HTTP client, and a clean slate per test.

Choose the engines with XIAODIAN_TEST_DATABASE_URL / XIAODIAN_TEST_REDIS_URL.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis_asyncio
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from xiaodian import migrate
from xiaodian.app import create_app
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import Base
from xiaodian.sandbox.app import create_sandbox_app, with_simulated_payments

SANDBOX_BASE = "http://sandbox.test"
TEST_APPID = "wxtest00000000000"
TEST_SECRET = "test-app-secret"


def database_url(base: Path) -> str:
    return os.environ.get("XIAODIAN_TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{base / 'test.db'}"


def redis_url() -> str | None:
    return os.environ.get("XIAODIAN_TEST_REDIS_URL") or None


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xiaodian")


@pytest.fixture(scope="session")
def settings(workdir: Path) -> Settings:
    return Settings(
        env="test",
        database_url=database_url(workdir),
        redis_url=redis_url(),
        secret_key="t" * 48,
        media_dir=workdir / "media",
        public_base_url="http://testserver",
        wechat_appid=TEST_APPID,
        wechat_secret=TEST_SECRET,
        wechat_api_base=SANDBOX_BASE,
        sandbox_enabled=True,
        sandbox_lenient_login=False,
        run_jobs_in_process=False,
        flash_keep_warm=False,
        log_json=False,
        payment_timeout_seconds=0.5,
        payment_retry_backoff_seconds=0.01,
    )


async def _recreate_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and Path(parsed.database).exists():
            Path(parsed.database).unlink()
        return
    name = parsed.database
    assert name and name.endswith("_test"), "refusing to drop a database not named *_test"
    engine = create_async_engine(
        parsed.set(database="postgres" if parsed.get_backend_name() == "postgresql" else ""),
        isolation_level="AUTOCOMMIT",
    )
    async with engine.connect() as connection:
        quote = '"' if parsed.get_backend_name() == "postgresql" else "`"
        await connection.execute(text(f"DROP DATABASE IF EXISTS {quote}{name}{quote}"))
        if parsed.get_backend_name() == "postgresql":
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> str:
    """A fresh database at the newest migration (the migrations themselves are under test)."""
    asyncio.run(_recreate_database(settings.database_url))
    migrate.upgrade(settings.database_url)
    if settings.redis_url:

        async def flush() -> None:
            client = redis_asyncio.Redis.from_url(settings.redis_url or "")
            await client.flushdb()
            await client.aclose()

        asyncio.run(flush())
    return settings.database_url


class LateASGITransport(httpx.AsyncBaseTransport):
    """Routes to an ASGI app that is created after the client (the simulator notifies the
    shop, and the shop is built with the simulator's settings)."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.app is not None
        return await httpx.ASGITransport(app=self.app).handle_async_request(request)


def build_app(
    settings: Settings, workdir: Path, *, overrides: dict[str, object] | None = None
) -> FastAPI:
    """The shop with the whole simulator (login, WeChat Pay, Alipay) behind its HTTP client,
    and the simulator notifying the shop over ASGI. `overrides` change the shop's settings
    after the simulator's payment settings are applied (e.g. to switch a channel off)."""
    to_shop = LateASGITransport()
    shop_settings, simulator = with_simulated_payments(
        settings,
        keys_dir=workdir / "keys",
        sandbox_url=SANDBOX_BASE,
        shop_url="http://testserver",
        notify_http=httpx.AsyncClient(transport=to_shop, base_url="http://testserver"),
        time_scale=0.00001,
    )
    shop_settings = shop_settings.model_copy(update=overrides or {})
    sandbox = create_sandbox_app(shop_settings, payments=simulator)
    outbound = httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox), base_url=SANDBOX_BASE)
    application = create_app(shop_settings, http=outbound, sandbox=sandbox)
    to_shop.app = application
    application.state.sandbox = sandbox
    application.state.simulator = simulator
    return application


@pytest.fixture(scope="session")
async def app(settings: Settings, migrated: str, workdir: Path) -> AsyncIterator[FastAPI]:
    application = build_app(settings, workdir)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def context(app: FastAPI) -> AppContext:
    return app.state.context  # type: ignore[no-any-return]


async def wipe(context: AppContext) -> None:
    """Delete every row (children first) and forget every cached answer."""
    async with context.db.engine.begin() as connection:
        mysql = connection.dialect.name in ("mysql", "mariadb")
        if mysql:
            await connection.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        for table in reversed(Base.metadata.sorted_tables):
            for foreign_key in table.foreign_keys:
                if foreign_key.column.table is table:  # children of a tree go first
                    await connection.execute(table.delete().where(foreign_key.parent.isnot(None)))
            await connection.execute(table.delete())
        if mysql:
            await connection.execute(text("SET FOREIGN_KEY_CHECKS=1"))
    await context.cache.clear()
    context.near_cache.clear()


@pytest.fixture
async def client(app: FastAPI, context: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    """The app over ASGI, on an empty database, with a simulator that injects no faults."""
    await wipe(context)
    app.state.simulator.clear_faults()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield http


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    yield
    clock.unfreeze()
