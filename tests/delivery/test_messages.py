"""Subscribe messages of community delivery: 配送中 when a batch takes the order (once, even if
it goes out again after a failed stop), 已送达 when the rider hands it over."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.delivery.helpers import MORNING, TODAY, configure, paid_delivery_order
from tests.payments.helpers import settle
from tests.wechat.conftest import platform
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import SubscribeMessage

FIELDS = {"character_string1": "order_no", "phrase2": "status", "time3": "time"}


async def _map(client: httpx.AsyncClient, owner: dict[str, str], event: str, tpl: str) -> None:
    response = await client.put(
        f"/api/admin/v1/wechat/templates/{event}",
        json={"template_id": tpl, "fields": FIELDS},
        headers=owner,
    )
    assert response.status_code == 200, response.text


async def _plan(client: httpx.AsyncClient, owner: dict[str, str]) -> Any:
    response = await client.post(
        "/api/admin/v1/delivery/batches",
        json={"date": TODAY, "slot_start": "09:00", "riders": 1},
        headers=owner,
    )
    assert response.status_code == 201, response.text
    [route] = response.json()["routes"]
    return route


async def test_delivering_and_delivered_messages_go_out_once_each(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    platform(app).clear()
    owner = await configure(client, context)
    await _map(client, owner, "delivering", "TPL_DELIVERING")
    await _map(client, owner, "delivered", "TPL_DELIVERED")
    sku_id = (await factories.make_goods(context, stock=10))["sku_ids"][0]
    order_id, headers = await paid_delivery_order(
        app, client, context, sku_id=sku_id, road_m=1400, bearing_deg=60, openid="msg-resident"
    )
    granted = await client.post(
        "/api/v1/me/subscriptions",
        json={"TPL_DELIVERING": "accept", "TPL_DELIVERED": "accept"},
        headers=headers,
    )
    assert granted.status_code == 200, granted.text

    route = await _plan(client, owner)
    await settle(app)
    [delivering] = platform(app).received["subscribe_send"]
    assert (delivering["touser"], delivering["template_id"]) == ("msg-resident", "TPL_DELIVERING")
    assert delivering["data"]["phrase2"] == {"value": "配送中"}
    assert delivering["page"] == f"subpackages/order/detail/index?orderId={order_id}"

    # the rider could not hand it over; it goes out again: no second 配送中
    signed = urlsplit(route["rider_url"]).query
    base = f"/rider/routes/{route['id']}/stops/{order_id}"
    failed = await client.post(f"{base}/failed?{signed}", data={"reason": "无人在家"})
    assert failed.status_code == 303
    await client.post(
        "/api/v1/me/subscriptions", json={"TPL_DELIVERING": "accept"}, headers=headers
    )
    again = await _plan(client, owner)
    await settle(app)
    assert len(platform(app).received["subscribe_send"]) == 1

    clock.freeze(MORNING.replace(hour=9, minute=42))
    signed = urlsplit(again["rider_url"]).query
    done = await client.post(f"/rider/routes/{again['id']}/stops/{order_id}/delivered?{signed}")
    assert done.status_code == 303
    await settle(app)
    delivered = platform(app).received["subscribe_send"][-1]
    assert delivered["template_id"] == "TPL_DELIVERED"
    assert delivered["data"]["phrase2"] == {"value": "已送达"}
    assert delivered["data"]["time3"] == {"value": "2026-12-01 09:42"}
    async with context.db.transaction(write=False) as session:
        rows = (
            await session.execute(select(SubscribeMessage.event, SubscribeMessage.status))
        ).all()
    assert sorted(tuple(row) for row in rows) == [("delivered", "sent"), ("delivering", "sent")]
    grants = (await client.get("/api/v1/me/subscriptions", headers=headers)).json()["grants"]
    assert grants == {"TPL_DELIVERING": 1, "TPL_DELIVERED": 0}
