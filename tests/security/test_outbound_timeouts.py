"""A hanging upstream never blocks the shop: with WeChat, WeChat Pay and AMap pointing at a
listener that accepts connections and never answers, each call that needs them answers within
its timeout with a stable error code (never a 5xx traceback), and other requests are answered
meanwhile. The app uses its real outbound client here (no test transport), so the timeouts
under test are the ones production runs with."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import factories
from tests.conftest import wipe
from xiaodian.app import create_app
from xiaodian.auth.service import issue_token
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.models import User
from xiaodian.sandbox.keys import demo_payment_settings, load_or_generate_keys

TIMEOUT = 1.0
DEADLINE = 15.0
"""Each hanging call must be answered within this: its timeout plus any retry, with room for a
machine shared by many test runs (the property is "bounded", not "fast")."""


@pytest.fixture
async def silent() -> AsyncIterator[str]:
    """A server that accepts every connection, reads, and never writes a byte."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


@pytest.fixture
async def hanging_shop(
    settings: Settings, migrated: str, workdir: Path, silent: str
) -> AsyncIterator[tuple[httpx.AsyncClient, AppContext]]:
    keys = load_or_generate_keys(workdir / "keys")
    payments = demo_payment_settings(
        workdir / "keys",
        keys,
        sandbox_url=silent,
        wechat_notify_url="http://testserver/api/v1/payments/wechat/notify",
        alipay_notify_url="http://testserver/api/v1/payments/alipay/notify",
        wechat_refund_notify_url="http://testserver/api/v1/payments/wechat/notify",
    )
    changed = settings.model_copy(
        update={
            **payments,
            "redis_url": None,
            "sandbox_enabled": False,
            "wechat_api_base": silent,
            "amap_base_url": silent,
            "amap_key": "amap-test-key",
            "http_timeout_seconds": TIMEOUT,
            "payment_timeout_seconds": TIMEOUT,
            "media_dir": workdir / "hanging-media",
        }
    )
    app = create_app(changed)
    async with app.router.lifespan_context(app):
        await wipe(app.state.context)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http, app.state.context


async def _answered_while_hanging(
    http: httpx.AsyncClient, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """Start the hanging call and five pings beside it: every ping must be answered before
    the hanging call is (a blocked event loop would answer them after it), and the call must
    be answered after its timeout, within the deadline, with a stable code."""
    finished: list[str] = []

    async def timed(name: str, request: Awaitable[httpx.Response]) -> httpx.Response:
        response = await request
        finished.append(name)
        return response

    started = time.monotonic()
    call = asyncio.create_task(timed("call", http.request(method, path, **kwargs)))
    pongs = await asyncio.gather(*(timed("ping", http.get("/api/v1/ping")) for _ in range(5)))
    assert [pong.status_code for pong in pongs] == [200] * 5
    response = await asyncio.wait_for(call, DEADLINE)
    elapsed = time.monotonic() - started
    assert finished == ["ping"] * 5 + ["call"], (path, finished)
    assert TIMEOUT * 0.9 <= elapsed < DEADLINE, (elapsed, path, response.text)
    assert 400 <= response.status_code < 600 and response.status_code != 500, response.text
    assert response.json()["error"] not in ("internal_error", ""), response.text
    return response


async def test_a_hanging_wechat_amap_or_payment_host_never_blocks_other_requests(
    hanging_shop: tuple[httpx.AsyncClient, AppContext],
) -> None:
    http, context = hanging_shop
    login = await _answered_while_hanging(
        http, "POST", "/api/v1/auth/wx-login", json={"code": "any-code"}
    )
    assert login.status_code in (502, 503, 504), login.text
    async with context.db.transaction() as session:
        user = User(openid="hanging-shopper")
        session.add(user)
        await session.flush()
        issued = await issue_token(
            session, subject="user", subject_id=user.id, ttl=timedelta(hours=1)
        )
    headers = {"Authorization": f"Bearer {issued.token}"}
    geocode = await _answered_while_hanging(
        http,
        "POST",
        "/api/v1/delivery/geocode",
        json={"address": "世纪大道 1 号", "city": "上海市"},
        headers=headers,
    )
    assert geocode.status_code in (502, 503, 504), geocode.text
    goods = await factories.make_goods(context, stock=5)
    address_id = await factories.address(http, headers)
    order = await factories.place_order(
        http, headers, sku_id=goods["sku_ids"][0], address_id=address_id
    )
    pay = f"/api/v1/orders/{order['id']}/pay"
    await _answered_while_hanging(http, "POST", pay, json={"channel": "wechat"}, headers=headers)
