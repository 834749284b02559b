"""Collecting money: prepay, applying a confirmed payment once, closing prepays of closed
orders, and asking the channel about payments whose notification never came.

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
from xiaodian.core.actors import Actor
from xiaodian.core.db import affected
from xiaodian.events import emit
from xiaodian.integrations.alipay import AlipayError, AlipayUnavailable
from xiaodian.integrations.wechat.pay_errors import WeChatPayError, WeChatPayUnavailable
from xiaodian.models import Order, Payment, Refund, User
from xiaodian.orders import actions
from xiaodian.orders import service as orders
from xiaodian.orders.errors import OrderNotPending
from xiaodian.orders.events import OrderClosed
from xiaodian.orders.state import Status
from xiaodian.payments import gateway, monitor
from xiaodian.payments.errors import PaymentFailed, PaymentUnavailable
from xiaodian.payments.events import PrepayClosed, RefundDue
from xiaodian.payments.schemas import Channel, PayOut

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
            )
            session.add(payment)
            await session.flush()
        elif payment.status != "pending":
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
            .where(Payment.id == checkout.payment_id, Payment.status == "pending")
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
                await reconcile_payment(context, payment_id=checkout.payment_id)
                raise OrderNotPending("订单已支付") from error
            await _record_failure(context, checkout.payment_id, error.code, error.message)
            raise PaymentFailed(error.shopper_message, reason=error.code) from error
        monitor.CALLS.labels("wechat", "prepay", "ok").inc()
        await _store_prepay(context, checkout, prepay_id)
    params = (client_v3 or client_v2).request_payment_params(prepay_id)  # type: ignore[union-attr]
    return PayOut(channel="wechat", out_trade_no=checkout.out_trade_no, **params)


# ---- a payment is confirmed (notification or query) ----


async def apply_success(
    session: AsyncSession,
    *,
    payment: Payment,
    amount_fen: int,
    transaction_id: str | None,
    payer_openid: str | None,
    event_key: str,
) -> str:
    """Record the money and move the order to paid, once. Money for an order that is no longer
    waiting (closed, or paid through another channel) is refunded automatically — never kept
    silently, never lost. Returns what happened."""
    if amount_fen != payment.amount_fen:
        await monitor.record(
            session,
            kind="amount_mismatch",
            event_key=event_key,
            channel=payment.channel,
            order_id=payment.order_id,
            out_trade_no=payment.out_trade_no,
            amount_fen=amount_fen,
            detail=f"通知金额 {amount_fen} 分与订单 {payment.amount_fen} 分不符",
        )
        return "mismatch"
    won = await session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status.in_(("pending", "closed")))
        .values(
            status="succeeded",
            transaction_id=transaction_id,
            payer_openid=payer_openid,
            paid_at=clock.now(),
            failure_code=None,
            failure_message=None,
        )
    )
    if affected(won) != 1:
        return "duplicate"
    order = await orders.order_for_update(session, order_id=payment.order_id)
    if await actions.mark_paid(session, order=order, by=Actor.system(f"payment:{payment.channel}")):
        return "paid"
    await _refund_unwanted_payment(session, payment=payment, order=order, event_key=event_key)
    return "refunded_after_close"


async def _refund_unwanted_payment(
    session: AsyncSession, *, payment: Payment, order: Order, event_key: str
) -> None:
    why = "订单已关闭" if order.status == Status.CLOSED else "订单已通过其他方式支付"
    refund = Refund(
        order_id=order.id,
        payment_id=payment.id,
        kind="auto",
        status="approved",
        out_refund_no=f"A{payment.out_trade_no}"[:64],
        amount_fen=payment.amount_fen,
        reason=f"{why}，自动退款",
        decided_at=clock.now(),
    )
    session.add(refund)
    await session.flush()
    await monitor.record(
        session,
        kind="auto_refunded",
        event_key=event_key,
        channel=payment.channel,
        order_id=order.id,
        out_trade_no=payment.out_trade_no,
        amount_fen=payment.amount_fen,
        detail=f"{why}后收到付款，已自动退款",
    )
    await emit(session, RefundDue(refund_id=refund.id))


# ---- orders closing: close their prepays ----


async def close_payments_of_closed_order(session: AsyncSession, event: OrderClosed) -> None:
    """An unpaid order closed (in its transaction): its pending payments close too, and the
    channel is told after the commit (durably), so the shopper can no longer pay it."""
    pending = (
        (
            await session.execute(
                select(Payment).where(
                    Payment.order_id == event.order_id, Payment.status == "pending"
                )
            )
        )
        .scalars()
        .all()
    )
    for payment in pending:
        closed = await session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.status == "pending")
            .values(status="closed", closed_at=clock.now())
        )
        if affected(closed) == 1 and (payment.prepay_id or payment.channel == "alipay"):
            await emit(session, PrepayClosed(payment_id=payment.id))


async def close_prepay_at_channel(context: AppContext, event: PrepayClosed) -> None:
    """Tell the channel a closed payment's prepay is void (idempotent: closing twice is
    harmless; a payment already made is refunded by the notification or reconciliation)."""
    async with context.db.transaction(write=False) as session:
        payment = await session.get(Payment, event.payment_id)
    if payment is None:
        return
    await _close_remote(
        context, channel=payment.channel, api=payment.api, out_trade_no=payment.out_trade_no
    )


async def _close_remote(context: AppContext, *, channel: str, api: str, out_trade_no: str) -> None:
    gateways = await gateway.current(context)
    try:
        if channel == "alipay" and gateways.alipay is not None:
            await gateways.alipay.close_trade(out_trade_no)
        elif api == "v2" and gateways.wechat_v2 is not None:
            await gateways.wechat_v2.close_order(out_trade_no)
        elif gateways.wechat_v3 is not None:
            await gateways.wechat_v3.close(out_trade_no)
        monitor.CALLS.labels(channel, "close", "ok").inc()
    except (WeChatPayError, AlipayError) as error:
        # Already paid (the notification or the reconciliation will refund it) or unknown
        # to the channel (never paid): either way nothing more to do here.
        monitor.CALLS.labels(channel, "close", getattr(error, "code", "error")).inc()
        log.info("closing %s at %s: %s", out_trade_no, channel, error)


# ---- reconciliation: ask about payments whose notification did not come ----


@dataclass(frozen=True)
class RemoteState:
    paid: bool
    closed: bool
    amount_fen: int | None
    transaction_id: str | None
    payer: str | None


async def query_remote(context: AppContext, payment: Payment) -> RemoteState:
    gateways = await gateway.current(context)
    if payment.channel == "alipay":
        trade = await gateways.require_alipay().query_trade(payment.out_trade_no)
        return RemoteState(
            paid=trade.trade_status in ("TRADE_SUCCESS", "TRADE_FINISHED"),
            closed=trade.trade_status == "TRADE_CLOSED",
            amount_fen=trade.total_fen,
            transaction_id=trade.trade_no,
            payer=trade.buyer_id,
        )
    if payment.api == "v2":
        tx = await gateways.require_wechat_v2().order_query(payment.out_trade_no)
    else:
        tx = await gateways.require_wechat_v3().query_by_out_trade_no(payment.out_trade_no)
    return RemoteState(
        paid=tx.is_paid,
        closed=tx.trade_state in ("CLOSED", "REVOKED"),
        amount_fen=tx.total_fen,
        transaction_id=tx.transaction_id,
        payer=tx.payer_openid,
    )


async def reconcile_payment(context: AppContext, *, payment_id: int) -> str:
    """Ask the channel about one payment and apply what it says."""
    async with context.db.transaction(write=False) as session:
        payment = await session.get(Payment, payment_id)
        if payment is None or payment.status not in ("pending", "closed"):
            return "settled"
    try:
        state = await query_remote(context, payment)
    except (WeChatPayError, AlipayError, WeChatPayUnavailable, AlipayUnavailable) as error:
        code = getattr(error, "code", "error")
        monitor.CALLS.labels(payment.channel, "query", code).inc()
        not_there = code in ("ORDER_NOT_EXIST", "ORDERNOTEXIST", "ACQ.TRADE_NOT_EXIST")
        async with context.db.transaction() as session:
            await session.execute(
                update(Payment).where(Payment.id == payment_id).values(last_checked_at=clock.now())
            )
        return "unpaid" if not_there else "unknown"
    monitor.CALLS.labels(payment.channel, "query", "ok").inc()
    async with context.db.transaction() as session:
        fresh = await session.get(Payment, payment_id, populate_existing=True)
        assert fresh is not None
        fresh.last_checked_at = clock.now()
        if state.paid and state.amount_fen is not None:
            outcome = await apply_success(
                session,
                payment=fresh,
                amount_fen=state.amount_fen,
                transaction_id=state.transaction_id,
                payer_openid=state.payer,
                event_key=f"query:{fresh.channel}:{fresh.out_trade_no}",
            )
            monitor.NOTIFICATIONS.labels(fresh.channel, f"reconciled_{outcome}").inc()
            return outcome
        return "closed" if state.closed else "unpaid"


async def reconcile_pending_payments(context: AppContext) -> int:
    """The sweep: every payment still pending some minutes after its prepay (or closed with
    its order while perhaps already paid) is queried; a lost notification loses nothing."""
    now = clock.now()
    due_before = now - timedelta(minutes=context.settings.payment_reconcile_after_minutes)
    recheck_before = now - timedelta(minutes=1)
    prepaid = (Payment.prepay_id.isnot(None)) | (Payment.channel == "alipay")
    pending_due = (
        (Payment.status == "pending")
        & prepaid
        & (Payment.created_at <= due_before)
        & (Payment.created_at >= now - timedelta(days=2))
        & ((Payment.last_checked_at.is_(None)) | (Payment.last_checked_at <= recheck_before))
    )
    # A prepay closed with its order is asked about once more, in case the shopper paid
    # at the very moment it closed and the notification was lost.
    closed_due = (
        (Payment.status == "closed")
        & prepaid
        & (Payment.closed_at <= due_before)
        & (Payment.closed_at >= now - timedelta(days=2))
        & ((Payment.last_checked_at.is_(None)) | (Payment.last_checked_at < Payment.closed_at))
    )
    async with context.db.transaction(write=False) as session:
        rows = (
            (
                await session.execute(
                    select(Payment.id)
                    .where(pending_due | closed_due)
                    .order_by(Payment.id)
                    .limit(100)
                )
            )
            .scalars()
            .all()
        )
    settled = 0
    for payment_id in rows:
        outcome = await reconcile_payment(context, payment_id=payment_id)
        settled += outcome in ("paid", "refunded_after_close")
    return settled
