"""Collecting money: prepay, and closing the payments of orders that close. Applying a
confirmed payment is `settle`; asking about payments whose result is unknown is `reconcile`.

Outbound calls never run inside a database transaction: the payment row is committed first
(so a notification can always find it), the channel is called, and the result is stored in a
second transaction. Every status change is an UPDATE conditional on the old status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import affected
from xiaodian.events import emit
from xiaodian.integrations.wechat.pay_errors import WeChatPayError, WeChatPayUnavailable
from xiaodian.models import Payment, User
from xiaodian.orders import service as orders
from xiaodian.orders.errors import OrderNotPending
from xiaodian.orders.events import OrderClosed
from xiaodian.orders.state import Status
from xiaodian.payments import gateway, monitor, reconcile, trade_channel
from xiaodian.payments.errors import PaymentFailed, PaymentUnavailable
from xiaodian.payments.events import PrepayClosed
from xiaodian.payments.schemas import Channel, PayOut
from xiaodian.payments.vocabulary import PaymentStatus

log = logging.getLogger(__name__)

PREPAY_LIFETIME = timedelta(hours=2)
PREPAY_REUSE_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class _Checkout:
    payment_id: int
    api: str
    out_trade_no: str
    amount_fen: int
    description: str
    openid: str
    expires_at: datetime
    prepay_id: str | None


async def _prepare(
    context: AppContext, *, user: User, order_id: int, channel: Channel, api: str
) -> _Checkout:
    """Find or create the order's payment for this channel (committed before any call)."""
    now = clock.now()
    async with context.db.transaction() as session:
        order = await orders.order_of_user(session, user_id=user.id, order_id=order_id)
        if order.status != Status.PENDING_PAYMENT or (order.expires_at and order.expires_at <= now):
            raise OrderNotPending("订单已支付、已关闭或已超时，不能再支付")
        payment = await session.scalar(
            select(Payment)
            .where(Payment.order_id == order.id, Payment.channel == channel)
            .with_for_update()
        )
        if payment is None:
            payment = Payment(
                order_id=order.id,
                channel=channel,
                api=api,
                out_trade_no=order.order_no,
                amount_fen=order.total_fen,
                status=PaymentStatus.PENDING,
            )
            session.add(payment)
            await session.flush()
        elif payment.status != PaymentStatus.PENDING:
            raise OrderNotPending("该订单已支付或已关闭")
        reusable = (
            payment.prepay_id is not None
            and payment.api == api
            and payment.prepay_expires_at is not None
            and payment.prepay_expires_at > now + PREPAY_REUSE_MARGIN
        )
        first = order.lines[0].title if order.lines else "商品"
        count = sum(line.quantity for line in order.lines)
        return _Checkout(
            payment_id=payment.id,
            api=api,
            out_trade_no=payment.out_trade_no,
            amount_fen=payment.amount_fen,
            description=(f"{first} 等{count}件" if count > 1 else first)[:127],
            openid=user.openid,
            expires_at=order.expires_at or now + PREPAY_LIFETIME,
            prepay_id=payment.prepay_id if reusable else None,
        )


async def _record_failure(context: AppContext, payment_id: int, code: str, message: str) -> None:
    async with context.db.transaction() as session:
        await session.execute(
            update(Payment)
            .where(Payment.id == payment_id)
            .values(failure_code=code[:64], failure_message=message[:255])
        )


async def _store_prepay(context: AppContext, checkout: _Checkout, prepay_id: str) -> None:
    expires = min(clock.now() + PREPAY_LIFETIME, checkout.expires_at)
    async with context.db.transaction() as session:
        await session.execute(
            update(Payment)
            .where(Payment.id == checkout.payment_id, Payment.status == PaymentStatus.PENDING)
            .values(
                prepay_id=prepay_id,
                prepay_expires_at=expires,
                api=checkout.api,
                failure_code=None,
                failure_message=None,
            )
        )


async def start_payment(
    context: AppContext, *, user: User, order_id: int, channel: Channel
) -> PayOut:
    """What the client needs to pay the order: `wx.requestPayment` parameters (WeChat) or the
    signed order string (Alipay app pay). A valid prepay is reused; WeChat is asked at most
    three times and never twice for the same order by mistake (`out_trade_no` is the order)."""
    gateways = await gateway.current(context)
    if channel == "alipay":
        alipay = gateways.require_alipay()
        checkout = await _prepare(
            context, user=user, order_id=order_id, channel=channel, api="alipay"
        )
        order_string = alipay.app_pay_order_string(
            out_trade_no=checkout.out_trade_no,
            total_fen=checkout.amount_fen,
            subject=checkout.description,
            time_expire=checkout.expires_at,
        )
        monitor.CALLS.labels("alipay", "app_pay", "ok").inc()
        return PayOut(
            channel="alipay", out_trade_no=checkout.out_trade_no, order_string=order_string
        )

    api = gateways.wechat_api
    client_v3 = gateways.require_wechat_v3() if api == "v3" else None
    client_v2 = gateways.require_wechat_v2() if api == "v2" else None
    checkout = await _prepare(context, user=user, order_id=order_id, channel=channel, api=api)
    prepay_id = checkout.prepay_id
    if prepay_id is None:
        try:
            if client_v3 is not None:
                prepay_id = await client_v3.jsapi_prepay(
                    out_trade_no=checkout.out_trade_no,
                    description=checkout.description,
                    total_fen=checkout.amount_fen,
                    payer_openid=checkout.openid,
                    time_expire=checkout.expires_at,
                )
            else:
                assert client_v2 is not None
                prepay_id = await client_v2.unified_order(
                    out_trade_no=checkout.out_trade_no,
                    body=checkout.description,
                    total_fen=checkout.amount_fen,
                    openid=checkout.openid,
                    time_expire=checkout.expires_at,
                )
        except WeChatPayUnavailable as error:
            monitor.CALLS.labels("wechat", "prepay", "unavailable").inc()
            await _record_failure(context, checkout.payment_id, "UNAVAILABLE", str(error))
            raise PaymentUnavailable(error.shopper_message) from error
        except WeChatPayError as error:
            monitor.CALLS.labels("wechat", "prepay", error.code).inc()
            if error.code == "ORDERPAID":
                await reconcile.reconcile_payment(context, payment_id=checkout.payment_id)
                raise OrderNotPending("订单已支付") from error
            await _record_failure(context, checkout.payment_id, error.code, error.message)
            raise PaymentFailed(error.shopper_message, reason=error.code) from error
        monitor.CALLS.labels("wechat", "prepay", "ok").inc()
        await _store_prepay(context, checkout, prepay_id)
    client = client_v3 or client_v2
    assert client is not None  # the channel's client was required above
    params = client.request_payment_params(prepay_id)
    return PayOut(channel="wechat", out_trade_no=checkout.out_trade_no, **params)


# ---- orders closing: close their prepays ----


async def close_payments_of_closed_order(session: AsyncSession, event: OrderClosed) -> None:
    """An unpaid order closed (in its transaction): its pending payments close too, and the
    channel is told after the commit (durably, `PrepayClosed`), so the shopper can no longer
    pay it. Each is then asked about until the channel gives a final answer (`reconcile`)."""
    now = clock.now()
    asked_after = timedelta(minutes=AppContext.of(session).settings.payment_reconcile_after_minutes)
    pending = (
        (
            await session.execute(
                select(Payment).where(
                    Payment.order_id == event.order_id, Payment.status == PaymentStatus.PENDING
                )
            )
        )
        .scalars()
        .all()
    )
    for payment in pending:
        payable = payment.prepay_id is not None or payment.channel == "alipay"
        closed = await session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.status == PaymentStatus.PENDING)
            .values(
                status=PaymentStatus.CLOSED,
                closed_at=now,
                # The shopper may have paid at the last moment and the notification may be
                # lost: ask the channel until it gives a final answer.
                next_check_at=now + asked_after if payable else None,
            )
        )
        if affected(closed) == 1 and payable:
            await emit(session, PrepayClosed(payment_id=payment.id))


async def close_prepay_at_channel(context: AppContext, event: PrepayClosed) -> None:
    """The outbox's receiver of `PrepayClosed`: tell the channel the prepay is void
    (idempotent; a payment already made is refunded by its notification or reconciliation)."""
    async with context.db.transaction(write=False) as session:
        payment = await session.get(Payment, event.payment_id)
    if payment is not None:
        await trade_channel.close(
            context, channel=payment.channel, api=payment.api, out_trade_no=payment.out_trade_no
        )
