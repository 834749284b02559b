"""Shared steps for payment tests: place an order, pay it through the simulator as a buyer."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests import factories
from tests.conftest import SANDBOX_BASE
from xiaodian.context import AppContext
from xiaodian.events import outbox
from xiaodian.sandbox.pay_simulator import PaymentSimulator


def simulator(app: FastAPI) -> PaymentSimulator:
    return app.state.simulator  # type: ignore[no-any-return]


async def settle(app: FastAPI) -> None:
    """Let every notification in flight finish and deliver the outbox (refunds to send)."""
    for _ in range(3):
        await simulator(app).drain()
        await outbox.drain(app.state.context)


async def ordered(
    client: httpx.AsyncClient,
    context: AppContext,
    *,
    prices: list[int] | None = None,
    quantity: int = 1,
    stock: int = 20,
    openid: str = "payer",
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    goods = await factories.make_goods(context, stock=stock, prices=prices or [1990])
    headers = await factories.shopper(client, context, openid)
    address_id = await factories.address(client, headers)
    order = await factories.place_order(
        client, headers, sku_id=goods["sku_ids"][0], quantity=quantity, address_id=address_id
    )
    return goods, headers, order


async def prepay(
    client: httpx.AsyncClient, headers: dict[str, str], order_id: int, channel: str = "wechat"
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/orders/{order_id}/pay", json={"channel": channel}, headers=headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def prepay_id(params: dict[str, Any]) -> str:
    return str(params["package"]).removeprefix("prepay_id=")


async def buyer_confirms(context: AppContext, params: dict[str, Any], **faults: Any) -> None:
    response = await context.http.post(
        f"{SANDBOX_BASE}/wechat/pay/{prepay_id(params)}/confirm", json=faults
    )
    assert response.status_code == 200, response.text


async def order_status(client: httpx.AsyncClient, headers: dict[str, str], order_id: int) -> str:
    return str((await client.get(f"/api/v1/orders/{order_id}", headers=headers)).json()["status"])


async def alipay_buyer_pays(context: AppContext, params: dict[str, Any], **options: Any) -> None:
    """The buyer pays an Alipay app-pay order string; `options` as for a WeChat confirm."""
    response = await context.http.post(
        f"{SANDBOX_BASE}/alipay/app-pay/confirm",
        json={"order_string": params["order_string"], "options": options},
    )
    assert response.status_code == 200, response.text


async def anomalies(
    client: httpx.AsyncClient, admin: dict[str, str], kind: str | None = None
) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/admin/v1/payments/anomalies",
        params={"kind": kind} if kind else {},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def paid_order_with_lines(
    app: FastAPI,
    client: httpx.AsyncClient,
    context: AppContext,
    *,
    lines: list[tuple[int, int]],
    stock: int = 20,
) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, Any]]:
    """An order over several goods (price, quantity per line), paid through the simulator."""
    goods = [
        await factories.make_goods(context, title=f"商品{n}", prices=[price], stock=stock)
        for n, (price, _) in enumerate(lines)
    ]
    headers = await factories.shopper(client, context, "refunder")
    address_id = await factories.address(client, headers)
    response = await client.post(
        "/api/v1/orders",
        headers=headers,
        json={
            "items": [
                {"sku_id": g["sku_ids"][0], "quantity": q}
                for g, (_, q) in zip(goods, lines, strict=True)
            ],
            "address_id": address_id,
        },
    )
    order = response.json()
    await buyer_confirms(context, await prepay(client, headers, order["id"]))
    await settle(app)
    assert await order_status(client, headers, order["id"]) == "paid"
    return goods, headers, order
