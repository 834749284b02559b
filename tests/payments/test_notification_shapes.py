"""Correctly signed notifications whose content has the wrong shape are refused with a stable
code and record nothing (never a 500): issue 19, item 11. Each is signed with the simulator's
keys, exactly as WeChat Pay or Alipay would sign it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from tests.conftest import build_app, wipe
from tests.payments.helpers import buyer_confirms, order_status, ordered, prepay, simulator
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.integrations import alipay_sign
from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.pay_types import format_rfc3339
from xiaodian.models import Payment, PaymentAnomaly, PaymentNotification, Refund
from xiaodian.sandbox.pay_messages import transaction_json, v2_order_fields

NOTIFY = "/api/v1/payments/wechat/notify"


def _signed_v3(
    app: FastAPI, *, original_type: str, resource: dict[str, Any], event_type: str
) -> tuple[dict[str, str], bytes]:
    sim = simulator(app)
    nonce = crypto.new_nonce(12)
    envelope = {
        "id": str(uuid.uuid4()),
        "create_time": format_rfc3339(clock.now()),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "通知",
        "resource": {
            "original_type": original_type,
            "algorithm": crypto.AEAD_ALGORITHM,
            "ciphertext": crypto.aes_gcm_encrypt(
                sim.config.apiv3_key,
                nonce=nonce,
                associated_data=original_type,
                plaintext=json.dumps(resource),
            ),
            "associated_data": original_type,
            "nonce": nonce,
        },
    }
    body = json.dumps(envelope).encode()
    return {**sim.wechatpay_headers(body), "Content-Type": "application/json"}, body


async def _nothing_recorded(context: AppContext) -> None:
    async with context.db.transaction(write=False) as session:
        notifications = await session.scalar(select(func.count(PaymentNotification.id)))
        anomalies = await session.scalar(select(func.count(PaymentAnomaly.id)))
        statuses = set((await session.scalars(select(Payment.status))).all())
    assert (notifications, anomalies, statuses) == (0, 0, {"pending"})


async def _paid_without_notification(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """An order paid at WeChat whose notification was lost; returns the transaction resource
    WeChat would have sent."""
    _, headers, order = await ordered(client, context)
    await buyer_confirms(context, await prepay(client, headers, order["id"]), skip_notify=True)
    sim = simulator(app)
    return headers, order, transaction_json(sim, sim.orders[order["order_no"]])


@pytest.mark.parametrize("total", ["float", "true", "string"])
async def test_a_signed_notification_with_a_non_integer_amount_is_a_400_recording_nothing(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, total: str
) -> None:
    headers, order, resource = await _paid_without_notification(app, client, context)
    amount = order["total_fen"]
    resource["amount"]["total"] = {"float": float(amount), "true": True, "string": str(amount)}[
        total
    ]
    signed, body = _signed_v3(
        app, original_type="transaction", resource=resource, event_type="TRANSACTION.SUCCESS"
    )
    answer = await client.post(NOTIFY, content=body, headers=signed)
    assert answer.status_code == 400, answer.text
    assert (answer.json()["code"], answer.json()["error"]) == ("FAIL", "invalid_resource")
    await _nothing_recorded(context)
    assert await order_status(client, headers, order["id"]) == "pending_payment"
    resource["amount"]["total"] = amount  # the same notification, well formed, is applied
    signed, body = _signed_v3(
        app, original_type="transaction", resource=resource, event_type="TRANSACTION.SUCCESS"
    )
    assert (await client.post(NOTIFY, content=body, headers=signed)).status_code == 204
    assert await order_status(client, headers, order["id"]) == "paid"


async def test_a_signed_notification_of_an_unknown_original_type_is_a_400_that_records_nothing(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    headers, order, resource = await _paid_without_notification(app, client, context)
    signed, body = _signed_v3(
        app, original_type="payscore", resource=resource, event_type="TRANSACTION.SUCCESS"
    )
    answer = await client.post(NOTIFY, content=body, headers=signed)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "unknown_original_type"
    await _nothing_recorded(context)
    assert await order_status(client, headers, order["id"]) == "pending_payment"


@pytest.mark.parametrize(
    "change",
    [{"amount": {"total": 1990, "refund": 1990.0}}, {"refund_status": "DONE"}],
    ids=["float_refund", "unknown_status"],
)
async def test_a_signed_refund_notification_of_the_wrong_shape_is_a_400_that_records_nothing(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, change: dict[str, Any]
) -> None:
    _, order, _ = await _paid_without_notification(app, client, context)
    resource = {
        "mchid": simulator(app).config.mchid,
        "out_trade_no": order["order_no"],
        "out_refund_no": f"R{order['order_no']}01",
        "refund_id": "50" + "0" * 27,
        "refund_status": "SUCCESS",
        "amount": {"total": 1990, "refund": 1990},
        **change,
    }
    signed, body = _signed_v3(
        app, original_type="refund", resource=resource, event_type="REFUND.SUCCESS"
    )
    answer = await client.post(NOTIFY, content=body, headers=signed)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_resource"
    await _nothing_recorded(context)
    async with context.db.transaction(write=False) as session:
        assert await session.scalar(select(func.count(Refund.id))) == 0


@pytest.fixture(scope="module")
async def v2_app(settings: Settings, migrated: str, workdir: Path) -> AsyncIterator[FastAPI]:
    application = build_app(settings, workdir, overrides={"wechat_pay_api_version": "v2"})
    async with application.router.lifespan_context(application):
        yield application


@pytest.mark.parametrize("change", ["decimal", "fullwidth", "time_end"])
async def test_a_signed_v2_notification_of_the_wrong_shape_is_refused_and_records_nothing(
    v2_app: FastAPI, change: str
) -> None:
    context: AppContext = v2_app.state.context
    await wipe(context)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=v2_app), base_url="http://testserver"
    ) as client:
        headers, order = await _v2_paid_without_notification(client, context)
        sim = simulator(v2_app)
        paid = sim.orders[order["order_no"]]
        fields = v2_order_fields(sim, paid)
        del fields["trade_state"], fields["trade_state_desc"]
        fields.update(return_code="SUCCESS", result_code="SUCCESS", nonce_str="n" * 32)
        total = fields["total_fee"]
        fields.update(
            {
                "decimal": {"total_fee": f"{total}.0"},
                "fullwidth": {"total_fee": total.translate(FULLWIDTH)},
                "time_end": {"time_end": "20261399250000"},
            }[change]
        )
        fields["sign_type"] = paid.sign_type
        fields["sign"] = crypto.v2_sign(fields, sim.config.v2_key, "HMAC-SHA256")
        answer = await client.post(
            NOTIFY, content=crypto.to_xml(fields).encode(), headers={"Content-Type": "text/xml"}
        )
        assert answer.status_code == 200, answer.text
        assert crypto.from_xml(answer.content)["return_code"] == "FAIL"
        await _nothing_recorded(context)
        assert await order_status(client, headers, order["id"]) == "pending_payment"


async def _v2_paid_without_notification(
    client: httpx.AsyncClient, context: AppContext
) -> tuple[dict[str, str], dict[str, Any]]:
    _, headers, order = await ordered(client, context)
    params = await prepay(client, headers, order["id"])
    assert params["signType"] == "HMAC-SHA256"
    await buyer_confirms(context, params, skip_notify=True)
    return headers, order


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("amount", ["18e2", "１８.００", ""])
async def test_a_signed_alipay_notification_without_a_plain_amount_is_refused_and_records_nothing(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, amount: str
) -> None:
    sim = simulator(app)
    fields = {
        "notify_type": "trade_status_sync",
        "notify_id": uuid.uuid4().hex,
        "app_id": sim.config.alipay_app_id,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": "2026120122000000000000000001",
        "out_trade_no": "20261201000000000999",  # not one of ours
        "seller_id": sim.config.alipay_seller_id,
        "trade_status": "TRADE_SUCCESS",
        "total_amount": amount,
    }
    fields["sign"] = alipay_sign.sign_notification(fields, sim.alipay_key)
    answer = await client.post(
        "/api/v1/payments/alipay/notify",
        content=urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (answer.status_code, answer.text) == (200, "fail")
    async with context.db.transaction(write=False) as session:
        assert await session.scalar(select(func.count(PaymentAnomaly.id))) == 0
        assert await session.scalar(select(func.count(PaymentNotification.id))) == 0
