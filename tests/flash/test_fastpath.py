"""The flash order route's refusals answered before routing (`flash.fastpath`): the same
answers as the route's own, the units handed to the route exactly once, and the identity
mirror in Redis that lets a process know a shopper it has never seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from tests import factories
from tests.flash.helpers import buyer, flash_session, grab
from xiaodian.auth import identity
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.security import hash_token
from xiaodian.flash import runtime
from xiaodian.flash.fastpath import GATED, FlashRefusals, Gated

START = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)


async def _item(client: httpx.AsyncClient, context: AppContext, **item: Any) -> int:
    clock.freeze(START - timedelta(minutes=10))
    goods = await factories.make_goods(context, stock=20, prices=[2990])
    admin = await factories.merchant(client, context)
    created = await flash_session(
        client, admin, sku_id=goods["sku_ids"][0], starts_at=START, **item
    )
    clock.freeze(START)
    return int(created["item_ids"][0])


def _answer(response: httpx.Response) -> tuple[int, Any, str | None]:
    return response.status_code, response.json(), response.headers.get("retry-after")


async def test_a_known_shoppers_refusal_is_the_routes_own_answer(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """The first refusal of a shopper this process does not know goes the whole way through
    the route; once known, the middleware answers. Both answers are the same, byte for byte
    in what a client reads, security headers included."""
    item_id = await _item(client, context, flash_stock=1)
    winner, winner_address = await buyer(client, context, "fast-winner")
    assert (await grab(client, winner, item_id, winner_address)).status_code == 201
    headers, address_id = await buyer(client, context, "fast-late")
    state = runtime.runtime(context)
    token = headers["Authorization"].removeprefix("Bearer ")
    state.identities.pop(hash_token(token), None)
    if context.redis is not None:
        await identity.forget(context.redis, hash_token(token))
    slow = await grab(client, headers, item_id, address_id)  # resolved from the database
    assert state.identity(hash_token(token)) is not None
    fast = await grab(client, headers, item_id, address_id)
    assert _answer(slow) == _answer(fast) == (409, slow.json(), None)
    assert slow.json()["error"] == "flash_sold_out"
    for name in ("x-content-type-options", "content-type", "strict-transport-security"):
        assert slow.headers.get(name) == fast.headers.get(name), name


async def test_the_per_shopper_rate_limit_answers_429_with_retry_after_from_the_middleware(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.settings, "flash_rate_per_shopper", "2/10s")
    monkeypatch.setattr(context.settings, "flash_rate_per_ip", "0/1s")
    item_id = await _item(client, context, flash_stock=5)
    headers, address_id = await buyer(client, context, "fast-flood")
    answers = [await grab(client, headers, item_id, address_id) for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 409, 429, 429]
    assert answers[2].json()["error"] == "rate_limited"
    assert int(answers[2].headers["retry-after"]) >= 1


async def test_bodies_the_middleware_does_not_read_go_to_the_route(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """A quantity the model coerces ("1"), a missing address, a quantity out of range: the
    route answers them as it always did, and the gate is not touched by the middleware."""
    item_id = await _item(client, context, flash_stock=3)
    headers, address_id = await buyer(client, context, "fast-odd")
    await grab(client, headers, item_id, address_id + 10_000)  # known from here on
    url = f"/api/v1/flash-sales/items/{item_id}/orders"
    missing = await client.post(url, headers=headers, json={"quantity": 1})
    assert missing.status_code == 422
    too_many = await client.post(url, headers=headers, json={"quantity": 100, "address_id": 1})
    assert too_many.status_code == 422
    coerced = await client.post(
        url, headers=headers, json={"quantity": "1", "address_id": address_id}
    )
    assert coerced.status_code == 201, coerced.text
    assert await runtime.runtime(context).gate.stock_left(item_id) == 2


async def test_units_the_route_never_takes_over_go_back_to_the_gate(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """Behind the middleware, a route that answers without taking the gate's units over (as
    when it refuses the request after all, or the client goes away) leaves the gate as it was."""
    item_id = await _item(client, context, flash_stock=3)
    headers, address_id = await buyer(client, context, "fast-giveback")
    await grab(client, headers, item_id, address_id + 10_000)  # known, and the gate synced
    gate = runtime.runtime(context).gate
    before = await gate.stock_left(item_id)
    seen: list[Gated] = []

    async def refusing_route(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope[GATED])
        assert await gate.stock_left(item_id) == before - 1  # taken at the gate
        await send({"type": "http.response.start", "status": 422, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    middleware = FlashRefusals(refusing_route, context=context)
    body = f'{{"quantity":1,"address_id":{address_id}}}'.encode()
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": f"/api/v1/flash-sales/items/{item_id}/orders",
        "client": ("127.0.0.1", 5000),
        "headers": [
            (b"authorization", headers["Authorization"].encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Any:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(_message: Any) -> None:
        return None

    await middleware(scope, receive, send)
    assert len(seen) == 1 and not seen[0].taken_over
    assert await gate.stock_left(item_id) == before


async def test_sign_in_mirrors_the_shopper_in_redis_and_sign_out_drops_it(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    if context.redis is None:
        pytest.skip("the identity mirror lives in Redis")
    headers = await factories.shopper(client, context, "mirrored")
    key = hash_token(headers["Authorization"].removeprefix("Bearer "))
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert await identity.recall(context.redis, key) == me["id"]
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert await identity.recall(context.redis, key) is None
