"""Payment and refund notifications from WeChat Pay (v3 JSON, v2 XML) and Alipay (form).

Each is verified (signature, timestamp window, the strict shape of what it carries,
appid/mchid, amount, our out_trade_no), stored under a unique key in the same transaction that
applies it, and answered at once. A duplicate is a success that changes nothing; a forgery, a
malformed resource or a mismatch is refused (v3: a 400 whose ``error`` is a stable code; v2
and Alipay: their FAIL answer) and records nothing but the mismatch anomaly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.integrations.alipay import InvalidAlipayNotification, check_notification
from xiaodian.integrations.wechat.pay_errors import InvalidNotification
from xiaodian.integrations.wechat.pay_types import Notification, Transaction
from xiaodian.integrations.wechat.pay_v2 import notify_reply
from xiaodian.integrations.wechat.pay_v3 import NOTIFY_ACK_STATUS, notify_failure_body
from xiaodian.models import Payment, PaymentNotification
from xiaodian.payments import gateway, monitor, refund_service
from xiaodian.payments.settle import apply_success
from xiaodian.payments.vocabulary import NotificationOutcome, RecordedAnomaly, ignored

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    media_type: str


def _v3_ok() -> Answer:
    return Answer(NOTIFY_ACK_STATUS, b"", "application/json")


def _v3_fail(reason: str, code: str = "invalid_notification") -> Answer:
    return Answer(400, notify_failure_body(reason, error=code), "application/json")


async def _claim(
    session: AsyncSession,
    *,
    channel: str,
    event_key: str,
    event_type: str,
    out_trade_no: str,
    payload: Mapping[str, Any],
) -> PaymentNotification | None:
    """Store the event under its unique key; None if it was already handled."""
    event = PaymentNotification(
        channel=channel,
        event_key=event_key[:96],
        event_type=event_type,
        out_trade_no=out_trade_no[:64],
        outcome=NotificationOutcome.RECEIVED,
        payload=dict(payload),
    )
    try:
        async with session.begin_nested():
            session.add(event)
            await session.flush()
    except IntegrityError:
        return None
    return event


async def _apply_transaction(
    context: AppContext,
    *,
    channel: str,
    event_key: str,
    event_type: str,
    tx: Transaction,
) -> str:
    """Apply a verified payment report; returns the outcome (for metrics and the answer)."""
    async with context.db.transaction() as session:
        payment = await session.scalar(
            select(Payment).where(
                Payment.channel == channel, Payment.out_trade_no == tx.out_trade_no
            )
        )
        if payment is None:
            await monitor.record(
                session,
                kind=RecordedAnomaly.UNKNOWN_ORDER,
                event_key=event_key,
                channel=channel,
                order_id=None,
                out_trade_no=tx.out_trade_no,
                amount_fen=tx.total_fen,
                detail="收到未知订单的付款通知",
            )
            return NotificationOutcome.UNKNOWN_ORDER
        if tx.is_paid and tx.total_fen != payment.amount_fen:
            await monitor.record(
                session,
                kind=RecordedAnomaly.AMOUNT_MISMATCH,
                event_key=event_key,
                channel=channel,
                order_id=payment.order_id,
                out_trade_no=payment.out_trade_no,
                amount_fen=tx.total_fen,
                detail=f"通知金额 {tx.total_fen} 分与订单 {payment.amount_fen} 分不符",
            )
            return NotificationOutcome.MISMATCH
        event = await _claim(
            session,
            channel=channel,
            event_key=event_key,
            event_type=event_type,
            out_trade_no=tx.out_trade_no,
            payload={
                "trade_state": tx.trade_state,
                "transaction_id": tx.transaction_id,
                "total_fen": tx.total_fen,
            },
        )
        if event is None:
            return NotificationOutcome.DUPLICATE
        if not tx.is_paid:
            event.outcome = ignored(tx.trade_state)
            return event.outcome
        event.outcome = await apply_success(
            session,
            payment=payment,
            amount_fen=tx.total_fen or 0,
            transaction_id=tx.transaction_id,
            payer_openid=tx.payer_openid,
            event_key=event_key,
        )
        return event.outcome


async def _apply_refund_report(context: AppContext, note: Notification) -> NotificationOutcome:
    refund = note.refund()
    async with context.db.transaction() as session:
        claimed = await _claim(
            session,
            channel="wechat",
            event_key=note.id,
            event_type=note.event_type,
            out_trade_no=refund.out_trade_no or "",
            payload={"out_refund_no": refund.out_refund_no, "status": refund.status},
        )
        if claimed is None:
            return NotificationOutcome.DUPLICATE
        return await refund_service.on_channel_report(
            session,
            out_refund_no=refund.out_refund_no,
            status=refund.status,
            channel_refund_id=refund.refund_id,
        )


async def wechat_v3(context: AppContext, headers: Mapping[str, str], body: bytes) -> Answer:
    gateways = await gateway.current(context)
    if gateways.wechat_v3 is None:
        return Answer(503, notify_failure_body("未配置微信支付"), "application/json")
    client = gateways.wechat_v3
    try:
        note = client.parse_notification(headers, body)
    except InvalidNotification as error:
        monitor.NOTIFICATIONS.labels("wechat", NotificationOutcome.REJECTED).inc()
        log.warning("rejected a WeChat Pay notification: %s", error.reason)
        return _v3_fail(error.reason, error.code)
    if note.original_type not in ("transaction", "refund"):
        monitor.NOTIFICATIONS.labels("wechat", NotificationOutcome.REJECTED).inc()
        log.warning("rejected a WeChat Pay notification of type %.32r", note.original_type)
        return _v3_fail("unknown original_type", "unknown_original_type")
    if note.original_type == "refund":
        monitor.NOTIFICATIONS.labels("wechat", await _apply_refund_report(context, note)).inc()
        return _v3_ok()
    tx = note.transaction()
    if tx.appid != client.config.appid or tx.mchid != client.config.mchid:
        monitor.NOTIFICATIONS.labels("wechat", NotificationOutcome.REJECTED).inc()
        return _v3_fail("appid/mchid mismatch", "appid_mismatch")
    outcome = await _apply_transaction(
        context, channel="wechat", event_key=note.id, event_type=note.event_type, tx=tx
    )
    monitor.NOTIFICATIONS.labels("wechat", outcome).inc()
    if outcome == NotificationOutcome.MISMATCH:
        return _v3_fail("amount mismatch", "amount_mismatch")
    return _v3_ok()


async def wechat_v2(context: AppContext, body: bytes) -> Answer:
    def xml(success: bool, message: str) -> Answer:
        return Answer(
            200, notify_reply(success=success, message=message).encode(), "application/xml"
        )

    gateways = await gateway.current(context)
    if gateways.wechat_v2 is None:
        return xml(False, "not configured")
    client = gateways.wechat_v2
    try:
        tx = client.parse_notification(body)
    except InvalidNotification as error:
        monitor.NOTIFICATIONS.labels("wechat", NotificationOutcome.REJECTED).inc()
        return xml(False, error.reason)
    if tx.appid != client.config.appid or tx.mchid != client.config.mchid:
        monitor.NOTIFICATIONS.labels("wechat", NotificationOutcome.REJECTED).inc()
        return xml(False, "appid/mchid mismatch")
    outcome = await _apply_transaction(
        context,
        channel="wechat",
        event_key=f"v2:{tx.transaction_id or tx.out_trade_no}",
        event_type="TRANSACTION.SUCCESS" if tx.is_paid else tx.trade_state,
        tx=tx,
    )
    monitor.NOTIFICATIONS.labels("wechat", outcome).inc()
    accepted = outcome != NotificationOutcome.MISMATCH
    return xml(accepted, "OK" if accepted else "amount mismatch")


async def alipay(context: AppContext, form: Mapping[str, str]) -> Answer:
    def text(word: str) -> Answer:
        return Answer(200, word.encode(), "text/plain")

    gateways = await gateway.current(context)
    if gateways.alipay is None:
        return text("fail")
    client = gateways.alipay
    try:
        note = client.verify_notification(form)
        async with context.db.transaction(write=False) as session:
            payment = await session.scalar(
                select(Payment).where(
                    Payment.channel == "alipay", Payment.out_trade_no == note.out_trade_no
                )
            )
        if payment is not None:
            check_notification(
                note,
                app_id=client.config.app_id,
                out_trade_no=payment.out_trade_no,
                total_fen=payment.amount_fen,
                seller_id=client.config.seller_id,
            )
    except InvalidAlipayNotification as error:
        monitor.NOTIFICATIONS.labels("alipay", NotificationOutcome.REJECTED).inc()
        log.warning("rejected an Alipay notification: %s", error.reason)
        return text("fail")
    status = note.trade_status
    tx = Transaction(
        appid=note.fields.get("app_id", ""),
        mchid=note.fields.get("seller_id", ""),
        out_trade_no=note.out_trade_no,
        trade_state="SUCCESS" if note.is_paid else status or "NOTPAY",
        transaction_id=note.trade_no or None,
        total_fen=note.total_fen,
        payer_total_fen=note.total_fen,
        payer_openid=note.fields.get("buyer_id") or None,
        success_time=None,
    )
    outcome = await _apply_transaction(
        context,
        channel="alipay",
        event_key=note.notify_id or f"alipay:{note.trade_no}",
        event_type=status,
        tx=tx,
    )
    monitor.NOTIFICATIONS.labels("alipay", outcome).inc()
    return text("fail" if outcome == NotificationOutcome.MISMATCH else "success")
