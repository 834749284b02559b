"""Shipping-info upload: after the merchant ships, through the outbox; failures recorded,
listed for the merchant, retried by the sweep with back-off and by the retry button."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests.payments.helpers import settle
from tests.wechat.conftest import platform
from tests.wechat.helpers import admin, paid_order, ship
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import OperationLog, Payment, WechatShipping
from xiaodian.wechat import jobs, shipping


async def _row(context: AppContext, order_id: int) -> WechatShipping | None:
    async with context.db.transaction(write=False) as session:
        return await session.scalar(
            select(WechatShipping).where(WechatShipping.order_id == order_id)
        )


async def test_a_paid_and_shipped_order_has_its_shipping_info_uploaded(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, _ = await paid_order(app, client, context, openid="payer-ship")
    merchant = await admin(client, context)
    await ship(client, merchant, order["id"])
    await settle(app)

    detail = (await client.get(f"/api/admin/v1/orders/{order['id']}", headers=merchant)).json()
    assert detail["wechat_shipping_status"] == "uploaded"
    assert detail["wechat_shipping_error"] is None
    [body] = platform(app).received["upload_shipping_info"]
    async with context.db.transaction(write=False) as session:
        payment = await session.scalar(select(Payment).where(Payment.order_id == order["id"]))
    assert payment is not None
    assert body["order_key"] == {"order_number_type": 2, "transaction_id": payment.transaction_id}
    assert body["logistics_type"] == 1
    assert body["payer"] == {"openid": "payer-ship"}
    assert isinstance(body["shipping_list"], list)
    [item] = body["shipping_list"]
    assert item["tracking_no"] == "SF1234567890"
    assert item["express_company"] == "SF"
    assert item["contact"] == {"receiver_contact": "138****0000"}
    assert body["upload_time"].endswith("+08:00")
    # delivered again, the outbox entry uploads nothing twice
    assert await shipping.upload_for_order(context, order_id=order["id"]) == "uploaded"
    assert len(platform(app).received["upload_shipping_info"]) == 1


async def test_a_failed_upload_is_listed_and_retried_by_the_sweep(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, _ = await paid_order(app, client, context)
    merchant = await admin(client, context)
    platform(app).faults["upload_shipping_info"] = [10060001]
    await ship(client, merchant, order["id"])
    await settle(app)

    row = await _row(context, order["id"])
    assert row is not None
    assert row.status == "failed"
    assert row.last_error is not None and row.last_error.startswith("10060001")
    detail = (await client.get(f"/api/admin/v1/orders/{order['id']}", headers=merchant)).json()
    assert detail["wechat_shipping_status"] == "failed"
    failures = (await client.get("/api/admin/v1/wechat/shipping/failed", headers=merchant)).json()
    assert [f["order_no"] for f in failures] == [order["order_no"]]

    # the sweep waits for the back-off …
    assert await jobs.retry_shipping_uploads(context) == 0
    assert len(platform(app).received["upload_shipping_info"]) == 1
    # … then uploads
    clock.freeze(clock.now() + shipping.backoff(1) + timedelta(seconds=1))
    assert await jobs.retry_shipping_uploads(context) == 1
    row = await _row(context, order["id"])
    assert row is not None and row.status == "uploaded" and row.attempts == 2
    assert (await client.get("/api/admin/v1/wechat/shipping/failed", headers=merchant)).json() == []


async def test_the_merchant_retries_a_failed_upload(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, _ = await paid_order(app, client, context)
    merchant = await admin(client, context)
    platform(app).faults["upload_shipping_info"] = [47001, -1]
    await ship(client, merchant, order["id"])
    await settle(app)
    retried = await client.post(
        f"/api/admin/v1/wechat/shipping/{order['id']}/retry", headers=merchant
    )
    assert retried.status_code == 200
    assert retried.json()["status"] == "failed"  # -1 system busy
    retried = await client.post(
        f"/api/admin/v1/wechat/shipping/{order['id']}/retry", headers=merchant
    )
    assert retried.json() == {"order_id": order["id"], "status": "uploaded"}
    assert (
        await client.post("/api/admin/v1/wechat/shipping/999999/retry", headers=merchant)
    ).status_code == 404
    assert (
        await client.post(f"/api/admin/v1/wechat/shipping/{order['id']}/retry")
    ).status_code == 401
    async with context.db.transaction(write=False) as session:
        entries = list(
            await session.scalars(
                select(OperationLog)
                .where(OperationLog.action == "wechat.shipping_retry")
                .order_by(OperationLog.id)
            )
        )
    assert [(e.target_id, e.changes) for e in entries] == [
        (order["order_no"], [{"field": "status", "old": "failed", "new": "failed"}]),
        (order["order_no"], [{"field": "status", "old": "failed", "new": "uploaded"}]),
    ]
    assert entries[0].summary.startswith("仍未成功：-1") and entries[1].summary == "发货信息已上传"


async def test_wechat_unreachable_is_a_failure_the_sweep_retries(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, _ = await paid_order(app, client, context)
    merchant = await admin(client, context)
    platform(app).faults["stable_token"] = [-1]  # no token: nothing can be uploaded
    await ship(client, merchant, order["id"])
    await settle(app)
    row = await _row(context, order["id"])
    assert row is not None and row.status == "failed"
    clock.freeze(clock.now() + timedelta(minutes=5))
    assert await jobs.retry_shipping_uploads(context) == 1


async def test_the_sweep_gives_up_after_the_attempt_limit(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, _ = await paid_order(app, client, context)
    merchant = await admin(client, context)
    limit = context.settings.shipping_upload_max_attempts
    platform(app).faults["upload_shipping_info"] = [10060031] * (limit + 2)
    await ship(client, merchant, order["id"])
    await settle(app)
    for _ in range(limit + 2):
        clock.freeze(clock.now() + shipping.MAX_RETRY + timedelta(seconds=1))
        await jobs.retry_shipping_uploads(context)
    row = await _row(context, order["id"])
    assert row is not None and row.status == "failed" and row.attempts == limit
    assert len(platform(app).received["upload_shipping_info"]) == limit


def test_phone_numbers_are_masked_as_wechat_wants() -> None:
    assert shipping.masked_phone("13812345678") == "138****5678"
    assert shipping.masked_phone("+86 138-1234-5678") == "861****5678"
    assert shipping.express_company("圆通速递") == "YTO"
    assert shipping.express_company("zto") == "ZTO"


async def _retrack(
    client: httpx.AsyncClient, merchant: dict[str, str], order_id: int, tracking_no: str
) -> None:
    response = await client.patch(
        f"/api/admin/v1/orders/{order_id}/shipment",
        json={"carrier": "中通快递", "tracking_no": tracking_no},
        headers=merchant,
    )
    assert response.status_code == 200, response.text


async def test_a_corrected_tracking_number_is_uploaded_again_once(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, _ = await paid_order(app, client, context, openid="payer-retrack")
    merchant = await admin(client, context)
    await ship(client, merchant, order["id"])
    await settle(app)
    await _retrack(client, merchant, order["id"], "ZTO7777777777")
    await settle(app)

    first, second = platform(app).received["upload_shipping_info"]
    assert first["shipping_list"][0]["tracking_no"] == "SF1234567890"
    assert second["shipping_list"][0]["tracking_no"] == "ZTO7777777777"
    assert second["shipping_list"][0]["express_company"] == "ZTO"
    row = await _row(context, order["id"])
    assert row is not None and (row.status, row.reuploads) == ("uploaded", 1)

    # WeChat takes one re-shipment per payment: a second correction is not sent, and says so
    await _retrack(client, merchant, order["id"], "ZTO8888888888")
    await settle(app)
    assert len(platform(app).received["upload_shipping_info"]) == 2
    detail = (await client.get(f"/api/admin/v1/orders/{order['id']}", headers=merchant)).json()
    assert detail["wechat_shipping_status"] == "failed"
    assert "只允许重新上传一次" in detail["wechat_shipping_error"]
    clock.freeze(clock.now() + timedelta(hours=3))
    assert await jobs.retry_shipping_uploads(context) == 0
    retried = await client.post(
        f"/api/admin/v1/wechat/shipping/{order['id']}/retry", headers=merchant
    )
    assert (retried.status_code, retried.json()["status"]) == (200, "failed")
    assert len(platform(app).received["upload_shipping_info"]) == 2


async def test_a_correction_before_the_first_upload_went_through_sends_only_the_new_number(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, _ = await paid_order(app, client, context, openid="payer-retrack-2")
    merchant = await admin(client, context)
    platform(app).faults["upload_shipping_info"] = [10060001]
    await ship(client, merchant, order["id"])
    await settle(app)
    await _retrack(client, merchant, order["id"], "ZTO5555555555")
    await settle(app)
    bodies = platform(app).received["upload_shipping_info"]
    assert [body["shipping_list"][0]["tracking_no"] for body in bodies] == [
        "SF1234567890",
        "ZTO5555555555",
    ]
    row = await _row(context, order["id"])
    assert row is not None and (row.status, row.reuploads) == ("uploaded", 0)
