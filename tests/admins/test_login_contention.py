"""Merchant logins check passwords outside any write transaction, and are rate-limited."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests import factories
from tests.console.helpers import Console, make_admin
from xiaodian.admins import service as admins
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.ratelimit import Rate
from xiaodian.core.security import DUMMY_PASSWORD_HASH, verify_password

Verify = Callable[[str, str], Awaitable[bool]]
MOMENT = datetime(2026, 3, 3, 10, 0, 45, tzinfo=UTC)  # 15 s left in the minute


def count_write_transactions(context: AppContext, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Makes `context.db` count its open write transactions; returns the live counter."""
    open_writes = [0]
    original = context.db.transaction

    @contextlib.asynccontextmanager
    async def counting(*, write: bool = True) -> AsyncIterator[Any]:
        if write:
            open_writes[0] += 1
        try:
            async with original(write=write) as session:
                yield session
        finally:
            if write:
                open_writes[0] -= 1

    monkeypatch.setattr(context.db, "transaction", counting)
    return open_writes


def replace_verify(monkeypatch: pytest.MonkeyPatch, replacement: Verify) -> None:
    monkeypatch.setattr(admins, "verify_password", replacement)


async def _api_login(client: httpx.AsyncClient, username: str, password: str) -> int:
    response = await client.post(
        "/api/admin/v1/auth/login", json={"username": username, "password": password}
    )
    return response.status_code


async def _console_login(client: httpx.AsyncClient, username: str, password: str) -> int:
    return (await Console(client).login(username, password)).status_code


@pytest.mark.parametrize("login", [_api_login, _console_login], ids=["api", "console"])
@pytest.mark.parametrize("username", ["boss", "nobody"], ids=["wrong-password", "unknown-user"])
async def test_password_checks_run_with_no_write_transaction_open(
    client: httpx.AsyncClient,
    context: AppContext,
    monkeypatch: pytest.MonkeyPatch,
    login: Callable[[httpx.AsyncClient, str, str], Awaitable[int]],
    username: str,
) -> None:
    await make_admin(context, username="boss")
    open_writes = count_write_transactions(context, monkeypatch)
    checks: list[tuple[int, str]] = []

    async def recording(password_hash: str, password: str) -> bool:
        checks.append((open_writes[0], password_hash))
        return await verify_password(password_hash, password)

    replace_verify(monkeypatch, recording)
    status = await login(client, username, "not-the-password")
    assert status in (401, 200)  # the console shows its form again with 401
    assert [writes for writes, _ in checks] == [0]
    if username == "nobody":  # an unknown user costs one real hash check, like a wrong password
        assert checks[0][1] == DUMMY_PASSWORD_HASH


async def test_orders_are_placed_while_bogus_logins_are_being_checked(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_admin(context, username="boss")
    goods = await factories.make_goods(context, stock=10)
    shopper = await factories.shopper(client, context)
    address_id = await factories.address(client, shopper)
    all_checking, release = asyncio.Event(), asyncio.Event()
    checking = [0]

    async def held(password_hash: str, password: str) -> bool:
        checking[0] += 1
        if checking[0] == 5:
            all_checking.set()
        await asyncio.wait_for(release.wait(), timeout=30)
        return await verify_password(password_hash, password)

    replace_verify(monkeypatch, held)
    logins = [asyncio.create_task(_api_login(client, "boss", f"guess-{n}")) for n in range(5)]
    try:
        # Five checks at once: none waits for another's transaction (or row lock) to end.
        await asyncio.wait_for(all_checking.wait(), timeout=10)
        order = await asyncio.wait_for(
            client.post(
                "/api/v1/orders",
                headers=shopper,
                json={
                    "items": [{"sku_id": goods["sku_ids"][0], "quantity": 1}],
                    "address_id": address_id,
                },
            ),
            timeout=10,
        )
        assert order.status_code == 201, order.text
        assert not any(task.done() for task in logins)  # placed while all five were checking
    finally:
        release.set()
        statuses = await asyncio.gather(*logins, return_exceptions=True)
    assert statuses == [401] * 5


async def test_a_password_changed_during_a_login_check_keeps_the_old_password_out(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await factories.merchant(client, context, username="boss")
    changed: list[int] = []

    async def change_first(password_hash: str, password: str) -> bool:
        matches = await verify_password(password_hash, password)
        if not changed:
            changed.append(0)
            response = await asyncio.wait_for(
                client.post(
                    "/api/admin/v1/me/password",
                    headers=owner,
                    json={"current_password": "password123", "new_password": "new-password-1"},
                ),
                timeout=10,
            )
            changed[0] = response.status_code
        return matches

    replace_verify(monkeypatch, change_first)
    assert await _api_login(client, "boss", "password123") == 401
    assert changed == [204]
    assert await _api_login(client, "boss", "new-password-1") == 200


async def test_logins_from_one_address_are_rate_limited_before_any_password_check(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.settings, "login_rate_per_ip", Rate(limit=3, per_seconds=60))
    await make_admin(context, username="boss")
    checks: list[str] = []

    async def counting(password_hash: str, password: str) -> bool:
        checks.append(password)
        return await verify_password(password_hash, password)

    replace_verify(monkeypatch, counting)
    clock.freeze(MOMENT)
    assert [await _api_login(client, "nobody", f"guess-{n}") for n in range(2)] == [401, 401]
    console = Console(client)
    assert (await console.login("boss", "guess-2")).status_code == 401  # one allowance for both
    refused = await client.post(
        "/api/admin/v1/auth/login", json={"username": "boss", "password": "password123"}
    )
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"] == "rate_limited"
    assert refused.headers["Retry-After"] == "15"
    page = await console.login("boss", "password123")
    assert (page.status_code, page.headers["Retry-After"]) == (429, "15")
    assert "登录尝试太频繁，请 15 秒后再试" in page.text
    assert checks == ["guess-0", "guess-1", "guess-2"]  # refused ones cost no hash
    elsewhere = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("198.51.100.7", 40000)),
        base_url="http://testserver",
    )
    async with elsewhere:
        assert await _api_login(elsewhere, "boss", "password123") == 200
