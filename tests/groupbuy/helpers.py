"""Steps of group-buying tests: a campaign, shoppers with addresses, open/join/pay a group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests import factories
from tests.payments.helpers import buyer_confirms, prepay, settle, simulator
from xiaodian.context import AppContext
from xiaodian.core import clock


@dataclass
class Shopper:
    openid: str
    headers: dict[str, str]
    address_id: int


async def shoppers(
    client: httpx.AsyncClient, context: AppContext, count: int, prefix: str = "g"
) -> list[Shopper]:
    result = []
    for n in range(count):
        openid = f"{prefix}-{n}"
        headers = await factories.shopper(client, context, openid)
        result.append(Shopper(openid, headers, await factories.address(client, headers)))
    return result


async def campaign(
    client: httpx.AsyncClient,
    context: AppContext,
    admin: dict[str, str],
    *,
    prices: list[int] | None = None,
    goods_stock: int = 50,
    **fields: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A goods item and a running campaign on it (80% of the price, groups of 3, 1 minute)."""
    goods = await factories.make_goods(
        context, title="拼团苹果", prices=prices or [1000], stock=goods_stock
    )
    body: dict[str, Any] = {
        "goods_id": goods["id"],
        "group_size": 3,
        "price_percent": 80,
        "fill_minutes": 1,
        "ends_at": (clock.now() + timedelta(days=1)).isoformat(),
        **fields,
    }
    response = await client.post("/api/admin/v1/group-buys", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return goods, response.json()


async def open_group(
    client: httpx.AsyncClient, who: Shopper, campaign_id: int, sku_id: int, quantity: int = 1
) -> httpx.Response:
    return await client.post(
        f"/api/v1/group-buys/{campaign_id}/groups",
        json={"sku_id": sku_id, "quantity": quantity, "address_id": who.address_id},
        headers=who.headers,
    )


async def join(
    client: httpx.AsyncClient, who: Shopper, group_id: int, sku_id: int, quantity: int = 1
) -> httpx.Response:
    return await client.post(
        f"/api/v1/groups/{group_id}/join",
        json={"sku_id": sku_id, "quantity": quantity, "address_id": who.address_id},
        headers=who.headers,
    )


async def pay(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, who: Shopper, order_id: int
) -> None:
    params = await prepay(client, who.headers, order_id)
    await buyer_confirms(context, params)
    await settle(app)


def refunds_of(app: FastAPI, *order_nos: str) -> list[int]:
    """The amounts the simulator refunded for these orders."""
    state = simulator(app).snapshot()
    return sorted(r["refund_fen"] for r in state["refunds"] if r["out_trade_no"] in order_nos)


async def order_of(client: httpx.AsyncClient, who: Shopper, order_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/orders/{order_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def group(client: httpx.AsyncClient, group_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/groups/{group_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def opened(
    app: FastAPI,
    client: httpx.AsyncClient,
    context: AppContext,
    leader: Shopper,
    campaign_id: int,
    sku_id: int,
) -> tuple[int, int]:
    """A group whose leader paid: (group id, leader's order id)."""
    response = await open_group(client, leader, campaign_id, sku_id)
    assert response.status_code == 201, response.text
    body = response.json()
    await pay(app, client, context, leader, body["order"]["id"])
    return body["group"]["id"], body["order"]["id"]
