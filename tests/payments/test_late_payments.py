"""Money that arrives for an order that no longer wants it, and sweeps that must never stall:
issue 19, item 1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.conftest import build_app
from tests.payments.helpers import (
    alipay_buyer_pays,
    anomalies,
    buyer_confirms,
    order_status,
    ordered,
    prepay,
    settle,
    simulator,
)
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import Payment, Refund
from xiaodian.payments import jobs


@pytest.fixture(scope="module")
async def app_without_alipay(
    settings: Settings, migrated: str, workdir: Path
) -> AsyncIterator[FastAPI]:
    """The same shop (same database) after the merchant switched Alipay off."""
    application = build_app(settings, workdir, overrides={"alipay_app_id": ""})
    async with application.router.lifespan_context(application):
        yield application


def _client(application: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application), base_url="http://testserver"
    )


async def _paid_twice_then_cancelled(
    client: httpx.AsyncClient, context: AppContext, **late: object
) -> dict[str, object]:
    """An order paid through WeChat and through Alipay, both reported late, then cancelled."""
    _, headers, order = await ordered(client, context)
    wechat = await prepay(client, headers, order["id"], channel="wechat")
    alipay = await prepay(client, headers, order["id"], channel="alipay")
    await buyer_confirms(context, wechat, **late)
    await alipay_buyer_pays(context, alipay, **late)
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert cancelled.json()["status"] == "closed", cancelled.text
    return {**order, "headers": headers}


async def _money_back(app: FastAPI, order_no: str) -> tuple[list[int], list[int]]:
    state = simulator(app).snapshot()
    wechat = [r["refund_fen"] for r in state["refunds"] if r["out_trade_no"] == order_no]
    alipay = [r["refund_fen"] for r in state["alipay_refunds"] if r["out_trade_no"] == order_no]
    return wechat, alipay


async def test_late_wechat_and_alipay_payments_of_one_cancelled_order_are_both_refunded(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order = await _paid_twice_then_cancelled(client, context, delay_seconds=1)
    await settle(app)
    admin = await factories.merchant(client, context)
    refunds = (await client.get("/api/admin/v1/refunds", headers=admin)).json()["items"]
    assert sorted((r["kind"], r["status"], r["amount_fen"]) for r in refunds) == [
        ("auto", "succeeded", order["total_fen"]),
        ("auto", "succeeded", order["total_fen"]),
    ]
    assert len({r["out_refund_no"] for r in refunds}) == 2
    assert await _money_back(app, str(order["order_no"])) == (
        [order["total_fen"]],
        [order["total_fen"]],
    )
    assert len(await anomalies(client, admin, "auto_refunded")) == 2
    deliveries = [
        d for d in simulator(app).snapshot()["deliveries"] if d["key"] == order["order_no"]
    ]
    assert len(deliveries) == 2 and all(d["delivered"] for d in deliveries)


async def test_a_lost_notification_is_reconciled_after_a_cancelled_order_was_paid_twice(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    twice = await _paid_twice_then_cancelled(client, context, skip_notify=True)
    _, headers, later = await ordered(client, context, openid="later-payer")
    await buyer_confirms(context, await prepay(client, headers, later["id"]), skip_notify=True)
    clock.advance(timedelta(minutes=6))
    assert await jobs.reconcile_payments(context) == 3
    await settle(app)
    assert await order_status(client, headers, later["id"]) == "paid"
    assert await _money_back(app, str(twice["order_no"])) == (
        [twice["total_fen"]],
        [twice["total_fen"]],
    )


async def test_a_payment_that_cannot_be_reconciled_is_backed_off_listed_and_blocks_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    context: AppContext,
    app_without_alipay: FastAPI,
) -> None:
    clock.freeze(clock.now())
    _, alipay_headers, stuck = await ordered(client, context, openid="alipay-payer")
    params = await prepay(client, alipay_headers, stuck["id"], channel="alipay")
    await alipay_buyer_pays(context, params, skip_notify=True)
    other: AppContext = app_without_alipay.state.context
    async with _client(app_without_alipay) as other_client:
        _, headers, later = await ordered(other_client, other, openid="wechat-payer")
        await buyer_confirms(
            other, await prepay(other_client, headers, later["id"]), skip_notify=True
        )
        clock.advance(timedelta(minutes=6))
        assert await jobs.reconcile_payments(other) == 1
        assert await order_status(other_client, headers, later["id"]) == "paid"
        admin = await factories.merchant(other_client, other)
        [listed] = await anomalies(other_client, admin, "stuck")
        assert (listed["order_id"], listed["channel"]) == (stuck["id"], "alipay")
        assert "对账出错" in listed["detail"] and "payment_channel_unavailable" in listed["detail"]
        assert await jobs.reconcile_payments(other) == 0
        clock.advance(timedelta(seconds=61))
        assert await jobs.reconcile_payments(other) == 0
    async with context.db.transaction(write=False) as session:
        payment = await session.scalar(select(Payment).where(Payment.order_id == stuck["id"]))
    assert payment is not None and payment.check_failures == 2
    assert payment.next_check_at is not None
    assert payment.next_check_at - clock.now() == timedelta(seconds=120)
    clock.advance(timedelta(seconds=121))  # Alipay is back: the payment settles at last
    assert await jobs.reconcile_payments(context) == 1
    assert await order_status(client, alipay_headers, stuck["id"]) == "paid"
    assert await anomalies(client, admin, "stuck") == []


async def test_a_refund_that_fails_in_the_sweep_is_backed_off_listed_and_blocks_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    context: AppContext,
    app_without_alipay: FastAPI,
) -> None:
    admin = await factories.merchant(client, context)
    first = await _approved_but_not_sent(app, client, context, admin, channel="alipay")
    other: AppContext = app_without_alipay.state.context
    async with _client(app_without_alipay) as other_client:
        second = await _approved_but_not_sent(
            app_without_alipay, other_client, other, admin, channel="wechat"
        )
        clock.advance(timedelta(seconds=61))
        assert await jobs.process_refunds(other) == 1
        await settle(app_without_alipay)
        [listed] = await anomalies(other_client, admin, "refund_failed")
    async with context.db.transaction(write=False) as session:
        statuses = dict((await session.execute(select(Refund.order_id, Refund.status))).all())
    assert statuses == {first: "approved", second: "succeeded"}
    assert listed["order_id"] == first and "退款处理出错" in listed["detail"]
    clock.advance(timedelta(seconds=121))  # back on the shop that has Alipay: it goes through
    assert await jobs.process_refunds(context) == 1
    async with context.db.transaction(write=False) as session:
        refund = await session.scalar(select(Refund).where(Refund.order_id == first))
    assert refund is not None and (refund.status, refund.check_error) == ("succeeded", None)


async def _approved_but_not_sent(
    app: FastAPI,
    client: httpx.AsyncClient,
    context: AppContext,
    admin: dict[str, str],
    *,
    channel: str,
) -> int:
    """A paid order whose refund the merchant approved while the channel was down."""
    _, headers, order = await ordered(client, context, openid=f"{channel}-refund")
    params = await prepay(client, headers, order["id"], channel=channel)
    if channel == "alipay":
        await alipay_buyer_pays(context, params)
    else:
        await buyer_confirms(context, params)
    await settle(app)
    assert await order_status(client, headers, order["id"]) == "paid"
    asked = await client.post(
        f"/api/v1/orders/{order['id']}/refund", headers=headers, json={"reason": "不想要了"}
    )
    assert asked.status_code == 200, asked.text
    listed = await client.get(
        "/api/admin/v1/refunds", params={"order_id": order["id"]}, headers=admin
    )
    refund_id = listed.json()["items"][0]["id"]
    endpoint = "alipay.trade.refund" if channel == "alipay" else "v3.refund"
    simulator(app).inject_fault(endpoint, "500", count=3)
    approved = await client.post(f"/api/admin/v1/refunds/{refund_id}/approve", headers=admin)
    assert approved.json()["status"] == "approved", approved.text
    return int(order["id"])
