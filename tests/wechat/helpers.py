"""Steps shared by the WeChat platform tests: a paid order, shipped by the merchant."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests import factories
from tests.payments.helpers import buyer_confirms, ordered, prepay, settle
from xiaodian.context import AppContext


async def paid_order(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, *, openid: str = "payer"
) -> tuple[dict[str, Any], dict[str, str]]:
    _, headers, order = await ordered(client, context, openid=openid)
    params = await prepay(client, headers, order["id"])
    await buyer_confirms(context, params)
    await settle(app)
    return order, headers


async def ship(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    order_id: int,
    *,
    carrier: str = "顺丰速运",
    tracking_no: str = "SF1234567890",
) -> None:
    response = await client.post(
        f"/api/admin/v1/orders/{order_id}/ship",
        json={"carrier": carrier, "tracking_no": tracking_no},
        headers=admin,
    )
    assert response.status_code == 200, response.text


async def admin(client: httpx.AsyncClient, context: AppContext) -> dict[str, str]:
    return await factories.merchant(client, context)
