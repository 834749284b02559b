"""The cast of an attack: anonymous, two shoppers with their own orders, addresses, carts and
coupons, a staff account, the owner, and one API key per scope; and the session's app served
on a real port (for clients that speak HTTP from another thread, like schemathesis)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests import factories
from tests.waiting import until
from xiaodian.auth.scopes import Scope
from xiaodian.context import AppContext


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def served(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[str]:
    """The session's app on 127.0.0.1:<free port>, on the test's event loop (after `client`
    has emptied the database)."""
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def up() -> bool:
        return bool(server.started or task.done())

    await until(up, "the test server to start", seconds=10, every=0.01)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@dataclass
class Shopper:
    headers: dict[str, str]
    address_id: int
    order_id: int
    cart_item_id: int
    resources: dict[str, int] = field(default_factory=dict)


@dataclass
class Cast:
    """Who may knock, and what each of them owns."""

    anonymous: dict[str, str]
    shopper_a: Shopper
    shopper_b: Shopper
    staff: dict[str, str]
    owner: dict[str, str]
    keys: dict[Scope, dict[str, str]]
    goods_id: int
    sku_id: int


async def _shopper(
    client: httpx.AsyncClient, context: AppContext, openid: str, sku_id: int
) -> Shopper:
    headers = await factories.shopper(client, context, openid)
    address_id = await factories.address(client, headers)
    order = await factories.place_order(client, headers, sku_id=sku_id, address_id=address_id)
    added = await client.post(
        "/api/v1/cart/items", json={"sku_id": sku_id, "quantity": 1}, headers=headers
    )
    assert added.status_code in (200, 201), added.text
    cart = (await client.get("/api/v1/cart", headers=headers)).json()
    item_id = next(int(item["id"]) for item in _cart_items(cart))
    return Shopper(
        headers=headers, address_id=address_id, order_id=int(order["id"]), cart_item_id=item_id
    )


def _cart_items(cart: dict[str, object]) -> list[dict[str, object]]:
    items = cart.get("items")
    assert isinstance(items, list), cart
    return items


async def make_cast(client: httpx.AsyncClient, context: AppContext) -> Cast:
    category_id = await factories.make_category(context)
    goods = await factories.make_goods(context, category_id=category_id, stock=100)
    sku_id = goods["sku_ids"][0]
    shopper_a = await _shopper(client, context, "attack-shopper-a", sku_id)
    shopper_b = await _shopper(client, context, "attack-shopper-b", sku_id)
    owner = await factories.merchant(client, context, username="owner")
    staff = await factories.merchant(client, context, username="staff", role="staff")
    keys: dict[Scope, dict[str, str]] = {}
    for scope in Scope:
        body = {"name": f"key {scope}", "scopes": [scope]}
        created = await client.post("/api/admin/v1/api-keys", json=body, headers=owner)
        assert created.status_code == 201, created.text
        keys[scope] = {"Authorization": f"Bearer {created.json()['key']}"}
    return Cast(
        anonymous={},
        shopper_a=shopper_a,
        shopper_b=shopper_b,
        staff=staff,
        owner=owner,
        keys=keys,
        goods_id=goods["id"],
        sku_id=sku_id,
    )
