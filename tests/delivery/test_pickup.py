"""自提: the pickup code the shopper shows once paid, the merchant's check that completes the
order (once, with the 发货 permission and an operation-log entry), and the shipping-info upload
that follows a completed pickup (type 4) or a completed community delivery (type 2)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.delivery.helpers import (
    MORNING,
    TODAY,
    configure,
    paid_delivery_order,
    pickup_order,
)
from tests.payments import helpers as payments
from tests.wechat.conftest import platform
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import DeliveryOrder, OperationLog, WechatShipping
from xiaodian.wechat import jobs, shipping

API = "/api/admin/v1/delivery/pickups"


async def _code_in_db(context: AppContext, order_id: int) -> str:
    async with context.db.transaction(write=False) as session:
        code = await session.scalar(
            select(DeliveryOrder.pickup_code).where(DeliveryOrder.order_id == order_id)
        )
    assert code is not None
    return code


async def _shipping_row(context: AppContext, order_id: int) -> WechatShipping | None:
    async with context.db.transaction(write=False) as session:
        return await session.scalar(
            select(WechatShipping).where(WechatShipping.order_id == order_id)
        )


async def test_the_shopper_sees_the_code_once_paid_and_the_merchant_completes_the_order(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    platform(app).clear()
    owner = await configure(client, context, pickup_hours="08:00-20:00")
    unpaid_id, unpaid_headers = await pickup_order(
        app, client, context, openid="picker-unpaid", pay=False
    )
    before_pay = await client.get(f"/api/v1/delivery/orders/{unpaid_id}", headers=unpaid_headers)
    assert before_pay.json()["pickup_code"] is None
    assert before_pay.json()["pickup_address"] == "张杨路 1000 号门店"

    order_id, headers = await pickup_order(app, client, context, openid="picker")
    mine = (await client.get(f"/api/v1/delivery/orders/{order_id}", headers=headers)).json()
    code = mine["pickup_code"]
    assert code is not None and len(code) == 8 and code.isdigit()
    assert (mine["method"], mine["pickup_hours"]) == ("pickup", "08:00-20:00")
    assert code != await _code_in_db(context, unpaid_id)

    found = await client.get(f"{API}/{code}", headers=owner)
    assert found.status_code == 200, found.text
    assert (found.json()["order_id"], found.json()["status"]) == (order_id, "paid")
    assert found.json()["lines"][0]["quantity"] == 1

    done = await client.post(f"{API}/{code}/complete", headers=owner)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed" and done.json()["picked_up_at"] is not None
    assert await payments.order_status(client, headers, order_id) == "completed"
    again = await client.post(f"{API}/{code}/complete", headers=owner)
    assert (again.status_code, again.json()["error"]) == (409, "pickup_already_done")

    async with context.db.transaction(write=False) as session:
        logs = list(
            await session.scalars(select(OperationLog).where(OperationLog.action == "order.pickup"))
        )
    assert [log.summary for log in logs] == ["到店自提核销"]

    # the shipping-info upload follows, as self-pickup (4), with nothing but the goods
    await payments.settle(app)
    [body] = platform(app).received["upload_shipping_info"]
    assert body["logistics_type"] == 4
    assert [set(item) for item in body["shipping_list"]] == [{"item_desc"}]
    row = await _shipping_row(context, order_id)
    assert row is not None and row.status == "uploaded"
    detail = (await client.get(f"/api/admin/v1/orders/{order_id}", headers=owner)).json()
    assert detail["wechat_shipping_status"] == "uploaded"


async def test_wrong_unpaid_and_malformed_codes_are_refused_clearly(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    owner = await configure(client, context)
    unpaid_id, _ = await pickup_order(app, client, context, openid="picker-2", pay=False)
    unpaid_code = await _code_in_db(context, unpaid_id)
    wrong = "00000000" if unpaid_code != "00000000" else "00000001"

    missing = await client.post(f"{API}/{wrong}/complete", headers=owner)
    assert (missing.status_code, missing.json()["error"]) == (404, "pickup_code_not_found")
    assert "自提码" in missing.json()["message"]
    not_paid = await client.post(f"{API}/{unpaid_code}/complete", headers=owner)
    assert (not_paid.status_code, not_paid.json()["error"]) == (409, "pickup_not_ready")
    malformed = await client.get(f"{API}/12ab", headers=owner)
    assert malformed.status_code == 422


async def test_only_an_account_that_may_ship_completes_a_pickup(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    await configure(client, context)
    order_id, headers = await pickup_order(app, client, context, openid="picker-3")
    code = (await client.get(f"/api/v1/delivery/orders/{order_id}", headers=headers)).json()[
        "pickup_code"
    ]
    shopper = await client.post(f"{API}/{code}/complete", headers=headers)
    assert shopper.status_code == 401
    nobody = await client.post(f"{API}/{code}/complete")
    assert nobody.status_code == 401
    clerk = await factories.merchant(client, context, username="clerk", role="custom")
    refused = await client.post(f"{API}/{code}/complete", headers=clerk)
    assert refused.status_code == 403, refused.text
    assert await payments.order_status(client, headers, order_id) == "paid"


async def test_a_completed_community_delivery_uploads_its_shipping_info_as_same_city(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    platform(app).clear()
    owner = await configure(client, context)
    sku_id = (await factories.make_goods(context, stock=10))["sku_ids"][0]
    order_id, _ = await paid_delivery_order(
        app, client, context, sku_id=sku_id, road_m=1500, bearing_deg=30, openid="resident-up"
    )
    platform(app).faults["upload_shipping_info"] = [10060001]
    batch = await client.post(
        "/api/admin/v1/delivery/batches",
        json={"date": TODAY, "slot_start": "09:00", "riders": 1},
        headers=owner,
    )
    assert batch.status_code == 201, batch.text
    await payments.settle(app)
    assert "upload_shipping_info" not in platform(app).received  # nothing before it arrives
    [route] = batch.json()["routes"]
    parts = urlsplit(route["rider_url"])
    delivered = await client.post(
        f"/rider/routes/{route['id']}/stops/{order_id}/delivered?{parts.query}"
    )
    assert delivered.status_code == 303
    await payments.settle(app)

    # WeChat refused the first attempt: the merchant sees it, the sweep tries again
    detail = (await client.get(f"/api/admin/v1/orders/{order_id}", headers=owner)).json()
    assert detail["wechat_shipping_status"] == "failed"
    assert detail["wechat_shipping_error"].startswith("10060001")
    clock.freeze(clock.now() + shipping.backoff(1) + shipping.FIRST_RETRY)
    assert await jobs.retry_shipping_uploads(context) == 1
    bodies = platform(app).received["upload_shipping_info"]
    assert [body["logistics_type"] for body in bodies] == [2, 2]
    assert [set(item) for item in bodies[-1]["shipping_list"]] == [{"item_desc"}]
    detail = (await client.get(f"/api/admin/v1/orders/{order_id}", headers=owner)).json()
    assert detail["wechat_shipping_status"] == "uploaded"
