"""The database out of reach: 503 `service_unavailable` with Retry-After (API, console,
/healthz), one log line when the outage starts and one when it ends, never a traceback a
request. (The same with a real MariaDB stopped and restarted: tests/live/test_database_outage.py.)
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from xiaodian import migrate
from xiaodian.app import create_app
from xiaodian.config import Settings
from xiaodian.core.jobs import run_jobs_once
from xiaodian.jobs import ALL_JOBS

STRANGER = {"Authorization": "Bearer not-a-real-token"}
SIGNED_OUT_MERCHANT = {"Cookie": "xd_admin=not-a-real-token"}
Build = Callable[[str], FastAPI]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def on_database(settings: Settings) -> AsyncIterator[Build]:
    """Builds the shop on a database URL of the test's choosing (closed at the end)."""
    apps: list[FastAPI] = []

    def build(url: str) -> FastAPI:
        app = create_app(settings.model_copy(update={"database_url": url, "redis_url": None}))
        apps.append(app)
        return app

    yield build
    for app in apps:
        await app.state.context.close()


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "xiaodian.database"]


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"


async def test_an_unreachable_sqlite_file_answers_503_and_logs_one_line_until_it_is_back(
    on_database: Build, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'not-yet' / 'shop.db'}"
    app = on_database(url)
    caplog.set_level(logging.INFO)
    async with _client(app) as http:
        for _ in range(5):
            response = await http.get("/api/v1/orders", headers=STRANGER)
            _assert_unavailable(response)
            assert response.json() == {
                "error": "service_unavailable",
                "message": "服务暂时不可用，请稍后重试",
            }
        health = await http.get("/healthz")
        _assert_unavailable(health)
        assert health.json() == {"ok": False, "database": "unavailable"}
        page = await http.get("/console/", headers=SIGNED_OUT_MERCHANT)
        _assert_unavailable(page)
        assert "服务暂时不可用" in page.text
        assert set((await run_jobs_once(ALL_JOBS, app.state.context)).values()) == {-1}
        assert [record for record in caplog.records if record.exc_info] == []
        assert len(_outage_lines(caplog)) == 1
        assert _outage_lines(caplog)[0].startswith("database unreachable")

        migrate.upgrade(url)  # the file can be opened now (and has its tables)
        recovered = await http.get("/api/v1/orders", headers=STRANGER)
        assert recovered.status_code == 401
        assert (await http.get("/healthz")).status_code == 200
    lines = _outage_lines(caplog)
    assert len(lines) == 2, lines
    assert lines[1].startswith("database reachable again after")


async def test_a_refused_postgresql_connection_answers_503_without_a_traceback(
    on_database: Build, caplog: pytest.LogCaptureFixture
) -> None:
    # asyncpg raises a bare ConnectionRefusedError on connect, wrapped by nothing.
    app = on_database(f"postgresql+asyncpg://xiaodian@127.0.0.1:{_free_port()}/xiaodian_test")
    caplog.set_level(logging.INFO)
    async with _client(app) as http:
        for _ in range(3):
            _assert_unavailable(await http.get("/api/v1/orders", headers=STRANGER))
        _assert_unavailable(await http.get("/console/", headers=SIGNED_OUT_MERCHANT))
        _assert_unavailable(await http.get("/healthz"))
    assert [record for record in caplog.records if record.exc_info] == []
    assert len(_outage_lines(caplog)) == 1
