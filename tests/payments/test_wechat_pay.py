from __future__ import annotations

import base64
from datetime import timedelta

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import load_pem_x509_certificate
from fastapi import FastAPI
from sqlalchemy import func, select

from tests.conftest import SANDBOX_BASE
from tests.payments.helpers import (
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
from xiaodian.models import OrderEvent, Payment, PaymentNotification
from xiaodian.payments import jobs


async def test_an_order_is_paid_through_wechat_pay(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, headers, order = await ordered(client, context, prices=[1990], quantity=2)
    params = await prepay(client, headers, order["id"])
    assert params["signType"] == "RSA"
    assert params["package"].startswith("prepay_id=")
    message = (
        "\n".join(
            [
                context.settings.wechat_appid,
                params["timeStamp"],
                params["nonceStr"],
                params["package"],
            ]
        )
        + "\n"
    )
    merchant = load_pem_x509_certificate(
        simulator(app).config.merchant_public_key_pem.encode()
    ).public_key()
    merchant.verify(
        base64.b64decode(params["paySign"]),
        message.encode(),  # type: ignore[union-attr,call-arg]
        padding.PKCS1v15(),
        hashes.SHA256(),
    )  # type: ignore[arg-type]
    await buyer_confirms(context, params)
    await settle(app)
    paid = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert (paid["status"], paid["status_text"], paid["can_pay"]) == ("paid", "待发货", False)
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert detail["sales"] == 2


async def test_paying_again_reuses_the_prepay(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await ordered(client, context)
    first = await prepay(client, headers, order["id"])
    second = await prepay(client, headers, order["id"])
    assert first["package"] == second["package"]
    assert simulator(app).calls["v3.jsapi"] >= 1
    calls = simulator(app).calls["v3.jsapi"]
    await prepay(client, headers, order["id"])
    assert simulator(app).calls["v3.jsapi"] == calls


async def test_twenty_duplicate_notifications_make_one_transition(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await ordered(client, context)
    params = await prepay(client, headers, order["id"])
    await buyer_confirms(context, params, duplicates=20)
    await settle(app)
    assert await order_status(client, headers, order["id"]) == "paid"
    async with context.db.transaction(write=False) as session:
        moves = await session.scalar(
            select(func.count(OrderEvent.id)).where(
                OrderEvent.order_id == order["id"], OrderEvent.to_status == "paid"
            )
        )
        events = await session.scalar(select(func.count(PaymentNotification.id)))
    assert (moves, events) == (1, 1)
    deliveries = [
        d for d in simulator(app).snapshot()["deliveries"] if d["key"] == order["order_no"]
    ]
    answered = [a for d in deliveries for a in d["attempts"]]
    assert len(answered) == 21
    assert all(a["status"] == 204 for a in answered)


async def _unchanged_after(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, **faults: object
) -> tuple[dict[str, str], int]:
    _, headers, order = await ordered(client, context)
    params = await prepay(client, headers, order["id"])
    await buyer_confirms(context, params, **faults)
    await settle(app)
    assert await order_status(client, headers, order["id"]) == "pending_payment"
    return headers, int(order["id"])


async def test_forged_signatures_are_rejected_and_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    headers, order_id = await _unchanged_after(app, client, context, bad_signature=True)
    order_no = (await client.get(f"/api/v1/orders/{order_id}", headers=headers)).json()["order_no"]
    deliveries = [d for d in simulator(app).snapshot()["deliveries"] if d["key"] == order_no]
    attempts = [a for d in deliveries for a in d["attempts"]]
    assert len(attempts) > 3 and all(a["status"] == 400 for a in attempts)


async def test_stale_notifications_are_rejected(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    await _unchanged_after(app, client, context, stale_timestamp=True)


async def test_a_wrong_amount_is_rejected_and_shown_as_an_anomaly(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    from tests import factories

    await _unchanged_after(app, client, context, wrong_amount=True)
    admin = await factories.merchant(client, context)
    anomalies = (
        await client.get(
            "/api/admin/v1/payments/anomalies", params={"kind": "mismatched"}, headers=admin
        )
    ).json()
    assert anomalies["total"] == 1
    assert "不符" in anomalies["items"][0]["detail"]


async def test_a_lost_notification_is_made_good_by_reconciliation(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    headers, order_id = await _unchanged_after(app, client, context, skip_notify=True)
    assert await jobs.reconcile_payments(context) == 0
    clock.advance(timedelta(minutes=6))
    assert await jobs.reconcile_payments(context) == 1
    assert await order_status(client, headers, order_id) == "paid"
    assert await jobs.reconcile_payments(context) == 0


async def test_a_payment_for_a_closed_order_is_refunded_automatically(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    from tests import factories

    goods, headers, order = await ordered(client, context, stock=5)
    params = await prepay(client, headers, order["id"])
    await buyer_confirms(context, params, delay_seconds=0.2)
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert cancelled.json()["status"] == "closed"
    await settle(app)  # waits for the delayed notification, then sends the refund
    assert await order_status(client, headers, order["id"]) == "closed"
    admin = await factories.merchant(client, context)
    refunds = (await client.get("/api/admin/v1/refunds", headers=admin)).json()["items"]
    assert [(r["kind"], r["status"], r["amount_fen"]) for r in refunds] == [
        ("auto", "succeeded", order["total_fen"])
    ]
    anomalies = (
        await client.get(
            "/api/admin/v1/payments/anomalies", params={"kind": "auto_refunded"}, headers=admin
        )
    ).json()
    assert anomalies["total"] == 1
    stock = (await client.get(f"/api/v1/goods/{goods['id']}")).json()["skus"][0]["stock"]
    assert stock == 5
    sim_refunds = simulator(app).snapshot()["refunds"]
    assert [r["refund_fen"] for r in sim_refunds if r["out_trade_no"] == order["order_no"]] == [
        order["total_fen"]
    ]


async def test_closing_an_order_closes_its_prepay(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await ordered(client, context)
    params = await prepay(client, headers, order["id"])
    closes_before = simulator(app).calls["v3.close"]
    await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    await outbox.drain(context)  # the channel is told through the outbox, after the commit
    assert simulator(app).calls["v3.close"] == closes_before + 1
    late = await context.http.post(f"{SANDBOX_BASE}/wechat/pay/{prepay_id(params)}/confirm")
    assert late.status_code == 409
    again = await client.post(f"/api/v1/orders/{order['id']}/pay", json={}, headers=headers)
    assert (again.status_code, again.json()["error"]) == (409, "order_not_pending")


async def test_wechat_down_means_three_attempts_then_a_clear_error_and_no_double_prepay(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await ordered(client, context)
    simulator(app).inject_fault("v3.jsapi", "500", count=3)
    before = simulator(app).calls["v3.jsapi"]
    failed = await client.post(f"/api/v1/orders/{order['id']}/pay", json={}, headers=headers)
    assert (failed.status_code, failed.json()["error"]) == (503, "payment_unavailable")
    assert "网络" in failed.json()["message"] or "稍后" in failed.json()["message"]
    assert simulator(app).calls["v3.jsapi"] - before == 3
    params = await prepay(client, headers, order["id"])
    await buyer_confirms(context, params)
    await settle(app)
    assert await order_status(client, headers, order["id"]) == "paid"
    orders_at_wechat = [
        o for o in simulator(app).snapshot()["orders"] if o["out_trade_no"] == order["order_no"]
    ]
    assert len(orders_at_wechat) == 1


async def test_a_timeout_is_followed_by_a_query_not_a_second_order(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await ordered(client, context)
    simulator(app).inject_fault("v3.jsapi", "timeout", count=1, hang_seconds=2)
    params = await prepay(client, headers, order["id"])
    assert simulator(app).calls["v3.query"] >= 1
    orders_at_wechat = [
        o for o in simulator(app).snapshot()["orders"] if o["out_trade_no"] == order["order_no"]
    ]
    assert len(orders_at_wechat) == 1
    assert prepay_id(params) == orders_at_wechat[0]["prepay_id"]


async def test_only_the_buyer_can_pay_and_only_unpaid_orders(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    from tests import factories

    _, headers, order = await ordered(client, context)
    stranger = await factories.shopper(client, context, "stranger")
    other = await client.post(f"/api/v1/orders/{order['id']}/pay", json={}, headers=stranger)
    assert other.status_code == 404
    bad = await client.post(
        f"/api/v1/orders/{order['id']}/pay", json={"channel": "paypal"}, headers=headers
    )
    assert bad.status_code == 422
    params = await prepay(client, headers, order["id"])
    await buyer_confirms(context, params)
    await settle(app)
    paid_again = await client.post(f"/api/v1/orders/{order['id']}/pay", json={}, headers=headers)
    assert (paid_again.status_code, paid_again.json()["error"]) == (409, "order_not_pending")
    async with context.db.transaction(write=False) as session:
        payment = await session.scalar(select(Payment).where(Payment.order_id == order["id"]))
    assert payment is not None and payment.status == "succeeded"


async def test_payment_metrics_are_exported(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await ordered(client, context)
    await buyer_confirms(context, await prepay(client, headers, order["id"]))
    await settle(app)
    text = (await client.get("/metrics")).text
    assert 'xiaodian_payment_notifications_total{channel="wechat",outcome="paid"}' in text
    assert "xiaodian_payment_calls_total" in text
