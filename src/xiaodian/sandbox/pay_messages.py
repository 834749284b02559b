"""What the payment simulator says: query/refund bodies and the notifications it sends.

Notifications follow the real formats: API v3 signed JSON envelopes with an AES-GCM encrypted
``resource`` (TRANSACTION.SUCCESS, REFUND.SUCCESS), API v2 signed XML, Alipay signed form
posts; each is retried on the real schedule (× the simulator's time scale) until accepted.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from xiaodian.core import clock
from xiaodian.integrations import alipay_sign
from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.pay_types import format_compact_time, format_rfc3339
from xiaodian.sandbox.pay_simulator import (
    ALIPAY_RETRY_SCHEDULE,
    WECHAT_RETRY_SCHEDULE,
    ConfirmOptions,
    Delivery,
    PaymentSimulator,
    SimAlipayTrade,
    SimOrder,
    SimRefund,
)

STALE_BY = timedelta(minutes=10)


def compact_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def transaction_json(
    sim: PaymentSimulator, order: SimOrder, *, extra_fen: int = 0
) -> dict[str, Any]:
    """The API v3 transaction shape (query reply and TRANSACTION.* resource)."""
    state = sim.effective_state(order)
    total = order.total_fen + extra_fen
    data: dict[str, Any] = {
        "appid": order.appid,
        "mchid": order.mchid,
        "out_trade_no": order.out_trade_no,
        "trade_state": state,
        "trade_state_desc": _STATE_TEXT.get(state, state),
        "amount": {"total": total, "currency": "CNY"},
    }
    if order.attach:
        data["attach"] = order.attach
    if order.transaction_id and order.success_time:
        data.update(
            transaction_id=order.transaction_id,
            trade_type="JSAPI",
            bank_type="OTHERS",
            success_time=format_rfc3339(order.success_time),
            payer={"openid": order.openid},
        )
        data["amount"].update(payer_total=total, payer_currency="CNY")
    return data


_STATE_TEXT = {
    "SUCCESS": "支付成功",
    "REFUND": "转入退款",
    "NOTPAY": "未支付",
    "CLOSED": "已关闭",
}


def refund_json(refund: SimRefund) -> dict[str, Any]:
    """The API v3 refund shape (refund reply and refund query)."""
    data: dict[str, Any] = {
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": refund.transaction_id,
        "out_trade_no": refund.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": format_rfc3339(refund.created_at),
        "status": refund.status,
        "funds_account": "AVAILABLE",
        "amount": {
            "total": refund.total_fen,
            "refund": refund.refund_fen,
            "payer_total": refund.total_fen,
            "payer_refund": refund.refund_fen,
            "settlement_total": refund.total_fen,
            "settlement_refund": refund.refund_fen,
            "discount_refund": 0,
            "currency": "CNY",
        },
    }
    if refund.success_time is not None:
        data["success_time"] = format_rfc3339(refund.success_time)
    return data


def v2_order_fields(sim: PaymentSimulator, order: SimOrder) -> dict[str, str]:
    """The API v2 order fields, as in orderquery replies and payment notifications."""
    state = sim.effective_state(order)
    fields = {
        "appid": order.appid,
        "mch_id": order.mchid,
        "out_trade_no": order.out_trade_no,
        "trade_state": state,
        "trade_state_desc": _STATE_TEXT.get(state, state),
        "total_fee": str(order.total_fen),
        "fee_type": "CNY",
    }
    if order.attach:
        fields["attach"] = order.attach
    if order.transaction_id and order.success_time:
        fields.update(
            transaction_id=order.transaction_id,
            openid=order.openid,
            trade_type="JSAPI",
            bank_type="OTHERS",
            cash_fee=str(order.total_fen),
            is_subscribe="N",
            time_end=format_compact_time(order.success_time),
        )
    return fields


def notify_wechat_payment(sim: PaymentSimulator, order: SimOrder, options: ConfirmOptions) -> None:
    """Send the payment notification for a paid order (v3 JSON or v2 XML, by its API)."""
    if options.skip_notify:
        return
    if order.api == "v2":
        _notify_v2(sim, order, options)
        return
    resource = transaction_json(sim, order, extra_fen=1 if options.wrong_amount else 0)
    _notify_v3(
        sim,
        original_type="transaction",
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        resource=resource,
        url=order.notify_url,
        key=order.out_trade_no,
        options=options,
    )


async def settle_refund_later(sim: PaymentSimulator, refund: SimRefund) -> None:
    """PROCESSING → SUCCESS after ``refund_settle_seconds`` (scaled), then REFUND.SUCCESS."""
    await asyncio.sleep(sim.config.refund_settle_seconds * sim.time_scale)
    refund.status = "SUCCESS"
    refund.success_time = clock.now()
    if refund.api != "v3" or not refund.notify_url:
        return
    resource = {
        "mchid": sim.config.mchid,
        "out_trade_no": refund.out_trade_no,
        "transaction_id": refund.transaction_id,
        "out_refund_no": refund.out_refund_no,
        "refund_id": refund.refund_id,
        "refund_status": "SUCCESS",
        "success_time": format_rfc3339(refund.success_time),
        "user_received_account": "支付用户零钱",
        "amount": {
            "total": refund.total_fen,
            "refund": refund.refund_fen,
            "payer_total": refund.total_fen,
            "payer_refund": refund.refund_fen,
        },
    }
    _notify_v3(
        sim,
        original_type="refund",
        event_type="REFUND.SUCCESS",
        summary="退款成功",
        resource=resource,
        url=refund.notify_url,
        key=refund.out_refund_no,
        options=ConfirmOptions(),
    )


def _notify_v3(
    sim: PaymentSimulator,
    *,
    original_type: str,
    event_type: str,
    summary: str,
    resource: dict[str, Any],
    url: str,
    key: str,
    options: ConfirmOptions,
) -> None:
    nonce = crypto.new_nonce(12)
    envelope = {
        "id": str(uuid.uuid4()),
        "create_time": format_rfc3339(clock.now()),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            "original_type": original_type,
            "algorithm": crypto.AEAD_ALGORITHM,
            "ciphertext": crypto.aes_gcm_encrypt(
                sim.config.apiv3_key,
                nonce=nonce,
                associated_data=original_type,
                plaintext=compact_json(resource),
            ),
            "associated_data": original_type,
            "nonce": nonce,
        },
    }
    body = compact_json(envelope)

    def build() -> tuple[dict[str, str], bytes]:
        timestamp = None
        if options.stale_timestamp:
            timestamp = int((clock.now() - STALE_BY).timestamp())
        headers = sim.wechatpay_headers(body, timestamp=timestamp, corrupt=options.bad_signature)
        headers["Content-Type"] = "application/json"
        return headers, body

    for _ in range(1 + options.duplicates):
        sim.schedule_delivery(
            Delivery(f"wechat.v3.{original_type}", key, str(envelope["id"]), url),
            build,
            accept=lambda response: response.is_success,
            schedule=WECHAT_RETRY_SCHEDULE,
            delay_seconds=options.delay_seconds,
        )


def _v2_accepts(response: httpx.Response) -> bool:
    try:
        return crypto.from_xml(response.content).get("return_code") == "SUCCESS"
    except crypto.CryptoError:
        return False


def _notify_v2(sim: PaymentSimulator, order: SimOrder, options: ConfirmOptions) -> None:
    fields = v2_order_fields(sim, order)
    del fields["trade_state"], fields["trade_state_desc"]
    fields.update(return_code="SUCCESS", result_code="SUCCESS", nonce_str=crypto.new_nonce(32))
    if options.wrong_amount:
        fields["total_fee"] = fields["cash_fee"] = str(order.total_fen + 1)
    if order.sign_type != "MD5":
        fields["sign_type"] = order.sign_type
    sign_type: crypto.V2SignType = "HMAC-SHA256" if order.sign_type == "HMAC-SHA256" else "MD5"
    fields["sign"] = crypto.v2_sign(fields, sim.config.v2_key, sign_type)
    if options.bad_signature:
        fields["sign"] = crypto.v2_sign({**fields, "total_fee": "1"}, "wrong-key", sign_type)
    body = crypto.to_xml(fields).encode()
    notification_id = fields["transaction_id"]

    def build() -> tuple[dict[str, str], bytes]:
        return {"Content-Type": "text/xml"}, body

    for _ in range(1 + options.duplicates):
        sim.schedule_delivery(
            Delivery(
                "wechat.v2.transaction", order.out_trade_no, notification_id, order.notify_url
            ),
            build,
            accept=_v2_accepts,
            schedule=WECHAT_RETRY_SCHEDULE,
            delay_seconds=options.delay_seconds,
        )


def notify_alipay_payment(
    sim: PaymentSimulator, trade: SimAlipayTrade, options: ConfirmOptions
) -> None:
    """Send ``trade_status_sync`` (TRADE_SUCCESS) as a signed form POST to the notify_url."""
    if options.skip_notify or not trade.notify_url or trade.paid_at is None:
        return
    notify_id = secrets.token_hex(16)
    paid_at = trade.paid_at
    amount = alipay_sign.fen_to_yuan(trade.total_fen + (1 if options.wrong_amount else 0))

    def shop_time(moment: Any) -> str:
        return str(clock.to_shop_time(moment).strftime("%Y-%m-%d %H:%M:%S"))

    def build() -> tuple[dict[str, str], bytes]:
        fields = {
            "notify_time": shop_time(clock.now()),
            "notify_type": "trade_status_sync",
            "notify_id": notify_id,
            "app_id": sim.config.alipay_app_id,
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_id": trade.buyer_id,
            "seller_id": sim.config.alipay_seller_id,
            "trade_status": "TRADE_SUCCESS",
            "total_amount": amount,
            "receipt_amount": amount,
            "buyer_pay_amount": amount,
            "invoice_amount": amount,
            "point_amount": "0.00",
            "subject": trade.subject,
            "gmt_create": shop_time(trade.created_at),
            "gmt_payment": shop_time(paid_at),
        }
        signed = {**fields, "total_amount": "0.01"} if options.bad_signature else fields
        fields["sign"] = alipay_sign.sign_notification(signed, sim.alipay_key)
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        return headers, urlencode(fields).encode()

    def accepts(response: httpx.Response) -> bool:
        return response.status_code == 200 and response.text.strip() == "success"

    for _ in range(1 + options.duplicates):
        sim.schedule_delivery(
            Delivery("alipay.trade", trade.out_trade_no, notify_id, trade.notify_url),
            build,
            accept=accepts,
            schedule=ALIPAY_RETRY_SCHEDULE,
            delay_seconds=options.delay_seconds,
        )
