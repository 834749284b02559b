"""Every payment of a closed order is asked about until the channel gives a final answer; a
failed query is not an answer; an answer still missing past the limit is shown to the
merchant: issue 19, item 3 (the same sequence over real processes is in tests/live)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.conftest import SANDBOX_BASE
from tests.payments.helpers import (
    anomalies,
    buyer_confirms,
    order_status,
    ordered,
    prepay,
    prepay_id,
    settle,
    simulator,
)
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.events import outbox
from xiaodian.models import Payment
from xiaodian.orders import jobs as order_jobs
from xiaodian.payments import jobs


async def _paid_just_before_the_sweep_closed_it(
    client: httpx.AsyncClient, context: AppContext
) -> tuple[dict[str, str], dict[str, object]]:
    """The buyer pays seconds before the unpaid deadline, the notification is lost, and the
    sweep closes the order (its close at WeChat answers ORDERPAID)."""
    clock.freeze(clock.now())
    _, headers, order = await ordered(client, context)
    params = await prepay(client, headers, order["id"])
    deadline = datetime.fromisoformat(str(order["expires_at"]))
    clock.advance(deadline - clock.now() - timedelta(seconds=5))
    await buyer_confirms(context, params, skip_notify=True)
    clock.advance(timedelta(seconds=10))
    assert await order_jobs.close_unpaid_orders(context) == 1
    assert await order_status(client, headers, order["id"]) == "closed"
    return headers, order


async def _payment_of(context: AppContext, order_id: object) -> Payment:
    async with context.db.transaction(write=False) as session:
        payment = await session.scalar(select(Payment).where(Payment.order_id == order_id))
    assert payment is not None
    return payment


async def test_a_payment_whose_query_failed_after_its_order_closed_is_asked_again_and_refunded(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, order = await _paid_just_before_the_sweep_closed_it(client, context)
    simulator(app).inject_fault("v3.query", "500", count=3)
    clock.advance(timedelta(minutes=6))
    assert await jobs.reconcile_payments(context) == 0  # WeChat did not answer
    clock.advance(timedelta(minutes=2))
    assert await jobs.reconcile_payments(context) == 1  # asked again: paid, so refunded
    await settle(app)
    admin = await factories.merchant(client, context)
    refunds = (await client.get("/api/admin/v1/refunds", headers=admin)).json()["items"]
    assert [(r["kind"], r["status"], r["amount_fen"]) for r in refunds] == [
        ("auto", "succeeded", order["total_fen"])
    ]
    money_back = [
        r["refund_fen"]
        for r in simulator(app).snapshot()["refunds"]
        if r["out_trade_no"] == order["order_no"]
    ]
    assert money_back == [order["total_fen"]]
    assert len(await anomalies(client, admin, "auto_refunded")) == 1
    assert await anomalies(client, admin, "stuck") == []


async def test_a_closed_payment_the_channel_never_answers_about_is_listed_past_the_limit(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, order = await _paid_just_before_the_sweep_closed_it(client, context)
    closed_at = clock.now()
    simulator(app).inject_fault("v3.query", "500", count=300)
    admin = await factories.merchant(client, context)
    limit = timedelta(minutes=30)  # XIAODIAN_PAYMENT_UNKNOWN_ALERT_MINUTES' default
    while clock.now() - closed_at < limit - timedelta(minutes=1):  # the worker, once a minute
        clock.advance(timedelta(minutes=1))
        assert await jobs.reconcile_payments(context) == 0
    assert await anomalies(client, admin, "stuck") == []
    clock.advance(timedelta(minutes=2))
    assert await jobs.reconcile_payments(context) == 0
    [listed] = await anomalies(client, admin, "stuck")
    assert (listed["order_id"], listed["amount_fen"]) == (order["id"], order["total_fen"])
    assert "订单已关闭" in listed["detail"] and "最终支付结果" in listed["detail"]
    payment = await _payment_of(context, order["id"])
    assert payment.status == "closed" and payment.check_failures >= 4
    simulator(app).clear_faults()  # WeChat answers again: the payment is refunded at last
    clock.advance(timedelta(minutes=60))  # the longest back-off, by default
    assert await jobs.reconcile_payments(context) == 1
    await settle(app)
    assert await anomalies(client, admin, "stuck") == []
    assert len(await anomalies(client, admin, "auto_refunded")) == 1


async def test_a_prepay_that_failed_to_close_is_closed_again_and_asked_until_final(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(clock.now())
    _, headers, order = await ordered(client, context)
    params = await prepay(client, headers, order["id"])
    simulator(app).inject_fault("v3.close", "500", count=3)
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert cancelled.json()["status"] == "closed"
    await outbox.drain(context)  # the channel is told after the commit, through the outbox
    clock.advance(timedelta(minutes=6))
    closes = simulator(app).calls["v3.close"]
    assert await jobs.reconcile_payments(context) == 0  # NOTPAY there: closed there again
    assert simulator(app).calls["v3.close"] == closes + 1
    late = await context.http.post(f"{SANDBOX_BASE}/wechat/pay/{prepay_id(params)}/confirm")
    assert late.status_code == 409, late.text
    assert (await _payment_of(context, order["id"])).next_check_at is not None
    clock.advance(timedelta(minutes=2))
    assert await jobs.reconcile_payments(context) == 0  # CLOSED: final
    payment = await _payment_of(context, order["id"])
    assert (payment.status, payment.next_check_at, payment.check_failures) == ("closed", None, 0)
