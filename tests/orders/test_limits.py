"""One shopper cannot hold the stock with unpaid orders, nor flood checkout."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.ratelimit import Rate
from xiaodian.models import Sku

# 20 s into a minute: a one-minute window has 40 s left.
MOMENT = datetime(2026, 3, 2, 9, 30, 20, tzinfo=UTC)


async def _shopper_with_address(
    client: httpx.AsyncClient, context: AppContext, openid: str = "shopper-1"
) -> tuple[dict[str, str], int]:
    headers = await factories.shopper(client, context, openid)
    return headers, await factories.address(client, headers)


def _order(sku_id: int, address_id: int, quantity: int = 1) -> dict[str, Any]:
    return {"items": [{"sku_id": sku_id, "quantity": quantity}], "address_id": address_id}


async def test_one_shopper_cannot_hold_more_than_five_unpaid_orders(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=5000)
    sku_id = goods["sku_ids"][0]
    headers, address_id = await _shopper_with_address(client, context)
    placed = [
        await factories.place_order(client, headers, sku_id=sku_id, address_id=address_id)
        for _ in range(5)
    ]
    sixth = await client.post("/api/v1/orders", json=_order(sku_id, address_id), headers=headers)
    assert (sixth.status_code, sixth.json()["error"]) == (409, "too_many_unpaid_orders")
    assert "5 个待支付订单" in sixth.json()["message"]
    someone_else, their_address = await _shopper_with_address(client, context, "shopper-2")
    theirs = await client.post(
        "/api/v1/orders", json=_order(sku_id, their_address), headers=someone_else
    )
    assert theirs.status_code == 201, theirs.text
    await client.post(f"/api/v1/orders/{placed[0]['id']}/cancel", headers=headers)
    again = await client.post("/api/v1/orders", json=_order(sku_id, address_id), headers=headers)
    assert again.status_code == 201, again.text


async def test_unpaid_orders_past_their_deadline_no_longer_count(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=100)
    sku_id = goods["sku_ids"][0]
    headers, address_id = await _shopper_with_address(client, context)
    clock.freeze(MOMENT)
    for _ in range(5):
        await factories.place_order(client, headers, sku_id=sku_id, address_id=address_id)
    clock.advance(timedelta(minutes=31))  # the unpaid deadline (30 min) has passed
    late = await client.post("/api/v1/orders", json=_order(sku_id, address_id), headers=headers)
    assert late.status_code == 201, late.text


async def test_simultaneous_checkouts_of_one_shopper_cannot_pass_the_unpaid_limit(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=5000)
    sku_id = goods["sku_ids"][0]
    headers, address_id = await _shopper_with_address(client, context)
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/orders", json=_order(sku_id, address_id, 100), headers=headers)
            for _ in range(8)
        )
    )
    outcomes = Counter((r.status_code, r.json().get("error")) for r in responses)
    assert outcomes == {(201, None): 5, (409, "too_many_unpaid_orders"): 3}, outcomes
    async with context.db.transaction(write=False) as session:
        assert await session.scalar(select(Sku.stock).where(Sku.id == sku_id)) == 4500


async def test_one_order_holds_at_most_two_hundred_units_of_a_sku(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=5000)
    sku_id = goods["sku_ids"][0]
    headers, address_id = await _shopper_with_address(client, context)
    for path in ("/api/v1/orders/preview", "/api/v1/orders"):
        refused = await client.post(path, json=_order(sku_id, address_id, 201), headers=headers)
        assert (refused.status_code, refused.json()["error"]) == (400, "quantity_limit"), (
            refused.text
        )
        assert refused.json()["message"] == "单件商品每单最多购买 200 件"
    placed = await client.post(
        "/api/v1/orders", json=_order(sku_id, address_id, 200), headers=headers
    )
    assert placed.status_code == 201, placed.text


async def test_the_unit_cap_is_a_setting(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.settings, "max_units_per_sku_per_order", 3)
    goods = await factories.make_goods(context, stock=50)
    headers, address_id = await _shopper_with_address(client, context)
    refused = await client.post(
        "/api/v1/orders", json=_order(goods["sku_ids"][0], address_id, 4), headers=headers
    )
    assert refused.json()["message"] == "单件商品每单最多购买 3 件"


async def test_placing_orders_is_rate_limited_per_shopper_with_retry_after(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.settings, "order_rate_per_shopper", Rate(limit=3, per_seconds=60))
    goods = await factories.make_goods(context, stock=50)
    sku_id = goods["sku_ids"][0]
    headers, address_id = await _shopper_with_address(client, context)
    clock.freeze(MOMENT)
    body = _order(sku_id, address_id)
    statuses = [
        (await client.post("/api/v1/orders", json=body, headers=headers)).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 201]
    refused = await client.post("/api/v1/orders", json=body, headers=headers)
    assert (refused.status_code, refused.json()["error"]) == (429, "rate_limited")
    assert refused.headers["Retry-After"] == "40"
    assert refused.json()["message"] == "下单太频繁，请稍后再试"
    other, other_address = await _shopper_with_address(client, context, "shopper-2")
    theirs = await client.post("/api/v1/orders", json=_order(sku_id, other_address), headers=other)
    assert theirs.status_code == 201, theirs.text
    clock.advance(timedelta(seconds=40))
    later = await client.post("/api/v1/orders", json=body, headers=headers)
    assert later.status_code == 201, later.text


async def test_placing_orders_is_rate_limited_per_client_address(
    app: FastAPI,
    client: httpx.AsyncClient,
    context: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(context.settings, "order_rate_per_ip", Rate(limit=4, per_seconds=60))
    goods = await factories.make_goods(context, stock=50)
    sku_id = goods["sku_ids"][0]
    shoppers = [await _shopper_with_address(client, context, f"s-{n}") for n in range(5)]
    clock.freeze(MOMENT)
    statuses = [
        (
            await client.post("/api/v1/orders", json=_order(sku_id, address), headers=headers)
        ).status_code
        for headers, address in shoppers
    ]
    assert statuses == [201, 201, 201, 201, 429]  # five accounts, one address
    elsewhere = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 50000)),
        base_url="http://testserver",
    )
    async with elsewhere:
        headers, address = shoppers[4]
        response = await elsewhere.post(
            "/api/v1/orders", json=_order(sku_id, address), headers=headers
        )
    assert response.status_code == 201, response.text
