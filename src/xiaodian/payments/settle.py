"""A payment is confirmed (by a notification or a query): record the money once, and move the
order to paid — or, when the order no longer waits for it, refund it automatically."""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.core.db import affected
from xiaodian.events import emit
from xiaodian.models import Order, Payment, Refund
from xiaodian.orders import actions
from xiaodian.orders import service as orders
from xiaodian.orders.state import Status
from xiaodian.payments import monitor
from xiaodian.payments.events import RefundDue
from xiaodian.payments.vocabulary import (
    UNSETTLED,
    NotificationOutcome,
    PaymentStatus,
    RecordedAnomaly,
    RefundKind,
    RefundStatus,
)

# What both channels accept as a refund number: WeChat's out_refund_no (v3 and v2) and
# Alipay's out_request_no.
REFUND_NUMBER = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
_CHANNEL_LETTER = {"wechat": "W", "alipay": "Z"}


def auto_refund_number(payment: Payment) -> str:
    """The number of a payment's automatic refund (a payment has at most one): "A", the
    channel's letter and the payment's out_trade_no, so the WeChat and the Alipay payment of
    one order never share it."""
    letter = _CHANNEL_LETTER.get(payment.channel, "X")
    number = f"A{letter}{payment.out_trade_no}"
    if REFUND_NUMBER.fullmatch(number) is None:  # an out_trade_no too long to carry
        number = f"A{letter}P{payment.id}"
    return number


async def apply_success(
    session: AsyncSession,
    *,
    payment: Payment,
    amount_fen: int,
    transaction_id: str | None,
    payer_openid: str | None,
    event_key: str,
) -> NotificationOutcome:
    """Record the money and move the order to paid, once. Money for an order that is no longer
    waiting (closed, or paid through another channel) is refunded automatically — never kept
    silently, never lost. Returns what happened."""
    if amount_fen != payment.amount_fen:
        await monitor.record(
            session,
            kind=RecordedAnomaly.AMOUNT_MISMATCH,
            event_key=event_key,
            channel=payment.channel,
            order_id=payment.order_id,
            out_trade_no=payment.out_trade_no,
            amount_fen=amount_fen,
            detail=f"通知金额 {amount_fen} 分与订单 {payment.amount_fen} 分不符",
        )
        return NotificationOutcome.MISMATCH
    won = await session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status.in_(UNSETTLED))
        .values(
            status=PaymentStatus.SUCCEEDED,
            transaction_id=transaction_id,
            payer_openid=payer_openid,
            paid_at=clock.now(),
            failure_code=None,
            failure_message=None,
            next_check_at=None,
        )
    )
    if affected(won) != 1:
        return NotificationOutcome.DUPLICATE
    order = await orders.order_for_update(session, order_id=payment.order_id)
    if await actions.mark_paid(session, order=order, by=Actor.system(f"payment:{payment.channel}")):
        return NotificationOutcome.PAID
    await _refund_unwanted_payment(session, payment=payment, order=order, event_key=event_key)
    return NotificationOutcome.REFUNDED_AFTER_CLOSE


async def _refund_unwanted_payment(
    session: AsyncSession, *, payment: Payment, order: Order, event_key: str
) -> None:
    why = "订单已关闭" if order.status == Status.CLOSED else "订单已通过其他方式支付"
    refund = Refund(
        order_id=order.id,
        payment_id=payment.id,
        kind=RefundKind.AUTO,
        status=RefundStatus.APPROVED,
        out_refund_no=auto_refund_number(payment),
        amount_fen=payment.amount_fen,
        reason=f"{why}，自动退款",
        decided_at=clock.now(),
    )
    session.add(refund)
    await session.flush()
    await monitor.record(
        session,
        kind=RecordedAnomaly.AUTO_REFUNDED,
        event_key=event_key,
        channel=payment.channel,
        order_id=order.id,
        out_trade_no=payment.out_trade_no,
        amount_fen=payment.amount_fen,
        detail=f"{why}后收到付款，已自动退款",
    )
    # Sent through the outbox after the commit (the answer to a notification must not wait
    # for it); a crash before it is sent loses nothing.
    await emit(session, RefundDue(refund_id=refund.id))
