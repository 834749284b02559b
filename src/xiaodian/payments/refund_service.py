"""Refunds: the shopper asks (by lines), the merchant approves or rejects, the channel pays
back (under a stable `out_refund_no`), and a notification or the query sweep finishes it.

Amounts are computed here, never by the client: a line's share is its paid amount pro rata by
quantity (rounded down), and the last refund of a line takes exactly what is left of it, so
the parts of any sequence of partial refunds add up to what was paid.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Update, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.core.db import affected
from xiaodian.events import emit
from xiaodian.media.errors import own_image_path
from xiaodian.models import Order, Payment, Refund, User
from xiaodian.orders import actions
from xiaodian.orders import service as orders
from xiaodian.orders.schemas import OrderOut
from xiaodian.orders.state import REFUNDABLE, Status
from xiaodian.payments import backoff, monitor, refund_channel, refund_views
from xiaodian.payments.errors import RefundNotAllowed, RefundNotFound, RefundStateConflict
from xiaodian.payments.events import RefundDue
from xiaodian.payments.schemas import (
    RefundOut,
    RefundRequestIn,
)
from xiaodian.payments.vocabulary import (
    AT_THE_CHANNEL,
    MONEY_OUT,
    OPEN_REFUNDS,
    REJECTABLE,
    NotificationOutcome,
    PaymentStatus,
    RefundKind,
    RefundStatus,
)
from xiaodian.pricing import refund_share

InTransaction = Callable[[AsyncSession, Refund], Awaitable[None]]
"""Extra work in a decision's own transaction (the operation log's entry)."""

log = logging.getLogger(__name__)

SETTLES_ORDER: frozenset[str] = frozenset({RefundKind.AFTER_SALE, RefundKind.GROUP_FAILED})
"""Refunds whose settlement moves the order (lines marked, units back, `refunded`)."""


async def _paid_payment(session: AsyncSession, order_id: int) -> Payment | None:
    return await session.scalar(
        select(Payment)
        .where(Payment.order_id == order_id, Payment.status == PaymentStatus.SUCCEEDED)
        .order_by(Payment.paid_at)
        .limit(1)
    )


async def _refunded_so_far(session: AsyncSession, payment_id: int) -> int:
    return int(
        await session.scalar(
            select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
                Refund.payment_id == payment_id, Refund.status.in_(MONEY_OUT)
            )
        )
        or 0
    )


def _line_amounts(order: Order, wanted: dict[int, int]) -> tuple[list[dict[str, int]], bool]:
    """[{line_id, quantity, amount_fen}] for the request, and whether it empties the order."""
    lines = {line.id: line for line in order.lines}
    items: list[dict[str, int]] = []
    for line_id, quantity in wanted.items():
        line = lines.get(line_id)
        if line is None:
            raise RefundNotAllowed("订单中没有这件商品", line_id=line_id)
        remaining = line.quantity - line.refunded_quantity
        if quantity > remaining:
            raise RefundNotAllowed(f"「{line.title}」最多可退 {remaining} 件", line_id=line_id)
        amount = refund_share(
            pay_fen=line.pay_fen,
            quantity=line.quantity,
            refunded_fen=line.refunded_fen,
            refunded_quantity=line.refunded_quantity,
            units=quantity,
        )
        items.append({"line_id": line_id, "quantity": quantity, "amount_fen": amount})
    empties = all(
        line.quantity - line.refunded_quantity == wanted.get(line.id, 0) for line in order.lines
    )
    return items, empties


async def request_refund(
    session: AsyncSession, *, user: User, order_id: int, data: RefundRequestIn
) -> OrderOut:
    """The shopper asks for money back (all of it, or some lines), or — `return_goods`, once
    shipped — to send goods back and then be refunded (退货退款, `payments.returns`); the order
    waits for the merchant in `refund_requested`. One open request per order at a time."""
    order = await orders.order_of_user(session, user_id=user.id, order_id=order_id)
    if order.status not in REFUNDABLE:
        raise RefundNotAllowed()
    payment = await _paid_payment(session, order.id)
    if payment is None:
        raise RefundNotAllowed("订单没有在线支付记录，请联系商家")
    busy = await session.scalar(
        select(func.count(Refund.id)).where(
            Refund.order_id == order.id, Refund.status.in_(OPEN_REFUNDS)
        )
    )
    if busy:
        raise RefundNotAllowed("已有退款申请在处理中")
    wanted: dict[int, int] = {}
    if data.lines:
        for item in data.lines:
            wanted[item.line_id] = wanted.get(item.line_id, 0) + item.quantity
    else:
        wanted = {
            line.id: line.quantity - line.refunded_quantity
            for line in order.lines
            if line.quantity > line.refunded_quantity
        }
    items, empties = _line_amounts(order, wanted)
    left = payment.amount_fen - await _refunded_so_far(session, payment.id)
    unshipped = order.status == Status.PAID
    if data.return_goods and unshipped:
        raise RefundNotAllowed("订单还没有发货，无需退货，请选择仅退款")
    photos = [own_image_path(url, field=f"photos.{index}") for index, url in enumerate(data.photos)]
    # Everything left of an order not yet shipped: the rest of the payment, freight included.
    amount = left if empties and unshipped else min(sum(i["amount_fen"] for i in items), left)
    if amount <= 0:
        raise RefundNotAllowed("没有可退的金额")
    number = (
        await session.scalar(select(func.count(Refund.id)).where(Refund.order_id == order.id)) or 0
    ) + 1
    refund = Refund(
        order_id=order.id,
        payment_id=payment.id,
        out_refund_no=f"R{order.order_no}{number:02d}",
        kind=RefundKind.AFTER_SALE,
        status=RefundStatus.REQUESTED,
        amount_fen=amount,
        reason=data.reason,
        lines=items,
        restock=unshipped,
        return_goods=data.return_goods,
        photos=photos,
    )
    session.add(refund)
    await session.flush()
    await actions.request_refund(
        session,
        order=order,
        by=Actor.buyer(user.id),
        refund_id=refund.id,
        amount_fen=amount,
        reason=data.reason,
    )
    return await orders.get_order(session, user_id=user.id, order_id=order.id)


async def refund_in_full(session: AsyncSession, *, order: Order, reason: str) -> int | None:
    """Give back everything an unshipped order paid, at once and without the merchant (a
    failed group): an approved refund of every line, restocked, sent after the commit through
    the outbox (`RefundDue`). The order must already be in `refunding` (the caller's action
    won that move, so this runs once per order; the unique `out_refund_no` guards it too).
    None if the order has no succeeded payment."""
    payment = await _paid_payment(session, order.id)
    if payment is None:
        return None
    left = payment.amount_fen - await _refunded_so_far(session, payment.id)
    if left <= 0:
        return None
    items, _ = _line_amounts(
        order,
        {
            line.id: line.quantity - line.refunded_quantity
            for line in order.lines
            if line.quantity > line.refunded_quantity
        },
    )
    refund = Refund(
        order_id=order.id,
        payment_id=payment.id,
        out_refund_no=f"G{order.order_no}",
        kind=RefundKind.GROUP_FAILED,
        status=RefundStatus.APPROVED,
        amount_fen=left,
        reason=reason,
        lines=items,
        restock=True,
        decided_at=clock.now(),
    )
    session.add(refund)
    await session.flush()
    await emit(session, RefundDue(refund_id=refund.id))
    return refund.id


async def _refund(session: AsyncSession, refund_id: int) -> Refund:
    refund = await session.get(Refund, refund_id, populate_existing=True)
    if refund is None:
        raise RefundNotFound()
    return refund


async def reject(session: AsyncSession, *, refund_id: int, admin_id: int, reason: str) -> RefundOut:
    """The merchant says no (before agreeing, or when returned goods arrive wrong): the order
    goes back to where it was."""
    refund = await _refund(session, refund_id)
    won = await session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status.in_(REJECTABLE))
        .values(
            status=RefundStatus.REJECTED,
            reject_reason=reason,
            decided_by=admin_id,
            decided_at=clock.now(),
        )
    )
    if affected(won) != 1:
        raise RefundStateConflict()
    order = await orders.order_for_update(session, order_id=refund.order_id)
    await actions.reject_refund(
        session, order=order, by=Actor.merchant(admin_id), refund_id=refund.id, reason=reason
    )
    return await refund_views.get_refund(session, refund_id=refund.id)


async def approve(
    context: AppContext, *, refund_id: int, admin_id: int, audit: InTransaction | None = None
) -> RefundOut:
    """The merchant agrees: the order moves to `refunding` and the channel is asked to pay
    back (retried by the sweep if it cannot be reached now). `audit` runs in the deciding
    transaction (the operation log's entry). A 退货退款 request may be approved at once too:
    the merchant gives the money back without wanting the goods."""
    return await pay_back(
        context,
        refund_id=refund_id,
        admin_id=admin_id,
        from_status=RefundStatus.REQUESTED,
        values={},
        note="同意退款",
        audit=audit,
    )


async def pay_back(
    context: AppContext,
    *,
    refund_id: int,
    admin_id: int,
    from_status: RefundStatus,
    values: dict[str, object],
    note: str,
    audit: InTransaction | None,
) -> RefundOut:
    """`from_status → approved` (with `values`), the order to `refunding`, then the channel."""
    async with context.db.transaction() as session:
        await agree(
            session,
            refund_id=refund_id,
            admin_id=admin_id,
            from_status=from_status,
            values=values,
            note=note,
            audit=audit,
        )
    # Asked at once so the merchant sees the answer; had this process died first, the outbox
    # entry (RefundDue) would send it.
    await submit(context, refund_id=refund_id)
    async with context.db.transaction(write=False) as session:
        return await refund_views.get_refund(session, refund_id=refund_id)


async def agree(
    session: AsyncSession,
    *,
    refund_id: int,
    admin_id: int,
    from_status: RefundStatus,
    values: dict[str, object],
    note: str,
    audit: InTransaction | None,
) -> Refund:
    """The deciding transaction of `pay_back`: `from_status → approved` (with `values`), the
    order to `refunding`, and the refund due at the channel (`RefundDue`, sent by the outbox
    after the commit unless `pay_back` sends it first). Raises RefundStateConflict if the
    refund is no longer in `from_status`."""
    refund = await _refund(session, refund_id)
    won = await session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status == from_status)
        .values(status=RefundStatus.APPROVED, decided_by=admin_id, decided_at=clock.now(), **values)
    )
    if affected(won) != 1:
        raise RefundStateConflict()
    refund = await _refund(session, refund_id)
    if audit is not None:
        await audit(session, refund)
    order = await orders.order_for_update(session, order_id=refund.order_id)
    await actions.approve_refund(
        session,
        order=order,
        by=Actor.merchant(admin_id),
        refund_id=refund.id,
        amount_fen=refund.amount_fen,
        note=note,
    )
    await emit(session, RefundDue(refund_id=refund.id))
    return refund


async def retry(
    context: AppContext, *, refund_id: int, audit: InTransaction | None = None
) -> RefundOut:
    """Try a failed refund again (same `out_refund_no`, so it can only ever pay once)."""
    async with context.db.transaction() as session:
        refund = await _refund(session, refund_id)
        won = await session.execute(
            update(Refund)
            .where(Refund.id == refund.id, Refund.status == RefundStatus.FAILED)
            .values(status=RefundStatus.APPROVED, failure_message=None)
        )
        if affected(won) != 1:
            raise RefundStateConflict()
        if audit is not None:
            await audit(session, refund)
        await emit(session, RefundDue(refund_id=refund.id))
    await submit(context, refund_id=refund_id)
    async with context.db.transaction(write=False) as session:
        return await refund_views.get_refund(session, refund_id=refund_id)


async def send_due_refund(context: AppContext, event: RefundDue) -> None:
    """The outbox's receiver of `RefundDue`: send it once the commit that approved it is done.
    Idempotent (a refund no longer `approved` is left alone); if the channel cannot take it
    now, the refund itself is backed off and the refund sweep sends it later."""
    await submit_safely(context, refund_id=event.refund_id)


async def submit_safely(context: AppContext, *, refund_id: int) -> None:
    """`submit`, with any failure logged and backed off (the sweep tries it again later)."""
    try:
        await submit(context, refund_id=refund_id)
    except Exception as error:
        await fail_safely(context, refund_id, error)


async def back_off(context: AppContext, refund_id: int, *, error: BaseException | None) -> None:
    """The channel gave no answer (error None), or handling it failed: try again later (the
    sweep waits longer after each failure in a row), and say why."""
    async with context.db.transaction() as session:
        refund = await session.get(Refund, refund_id, populate_existing=True)
        if refund is None or refund.status not in AT_THE_CHANNEL:
            return
        refund.check_failures += 1
        refund.next_check_at = backoff.next_try_at(
            context.settings, now=clock.now(), failures=refund.check_failures
        )
        if error is not None:
            refund.check_error = backoff.describe(error)


async def fail_safely(context: AppContext, refund_id: int, error: Exception) -> None:
    log.error("handling refund %s failed: %s; backing off", refund_id, backoff.describe(error))
    log.debug("handling refund %s failed", refund_id, exc_info=error)
    await back_off(context, refund_id, error=error)


def answered(refund_id: int) -> Update:
    """The channel answered about the refund: the back-off starts over."""
    return (
        update(Refund)
        .where(Refund.id == refund_id)
        .values(check_failures=0, check_error=None, next_check_at=None)
    )


async def submit(context: AppContext, *, refund_id: int) -> None:
    """Send an approved refund to its channel; idempotent by `out_refund_no`. If the channel
    cannot be reached it stays approved and the sweep sends it again, backed off."""
    async with context.db.transaction(write=False) as session:
        refund = await _refund(session, refund_id)
        payment = await session.get(Payment, refund.payment_id)
    if refund.status != RefundStatus.APPROVED or payment is None:
        return
    channel = payment.channel
    try:
        sent = await refund_channel.send(context, refund=refund, payment=payment)
    except refund_channel.Unavailable as error:
        monitor.REFUNDS.labels(channel, "unavailable").inc()
        log.warning("refund %s not sent yet: %s", refund.out_refund_no, error)
        await back_off(context, refund_id, error=None)
        return
    except refund_channel.Refused as error:
        monitor.REFUNDS.labels(channel, RefundStatus.FAILED).inc()
        await _mark_failed(context, refund_id, getattr(error, "message", str(error)))
        return
    async with context.db.transaction() as session:
        await session.execute(answered(refund_id))
        if sent.status == "SUCCESS":
            await finish(session, refund_id=refund_id, channel_refund_id=sent.channel_refund_id)
        elif sent.status in ("CLOSED", "ABNORMAL"):
            await _fail(session, refund_id, f"渠道返回 {sent.status}")
        else:
            await session.execute(
                update(Refund)
                .where(Refund.id == refund_id, Refund.status == RefundStatus.APPROVED)
                .values(
                    status=RefundStatus.PROCESSING,
                    submitted_at=clock.now(),
                    channel_refund_id=sent.channel_refund_id,
                )
            )
            monitor.REFUNDS.labels(channel, RefundStatus.PROCESSING).inc()


async def _fail(session: AsyncSession, refund_id: int, message: str) -> None:
    await session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status.in_(AT_THE_CHANNEL))
        .values(status=RefundStatus.FAILED, failure_message=message[:255])
    )


async def _mark_failed(context: AppContext, refund_id: int, message: str) -> None:
    async with context.db.transaction() as session:
        await _fail(session, refund_id, message)


async def finish(session: AsyncSession, *, refund_id: int, channel_refund_id: str | None) -> bool:
    """The money went back: record it once, and (after-sale refunds) settle the order through
    `actions.settle_refund` — units back for unshipped goods, `refunded` when every unit or
    every fen came back (freight may stay with the merchant once shipped), else back to where
    it was."""
    won = await session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status.in_(AT_THE_CHANNEL))
        .values(
            status=RefundStatus.SUCCEEDED,
            refunded_at=clock.now(),
            channel_refund_id=channel_refund_id,
        )
    )
    if affected(won) != 1:
        return False
    refund = await _refund(session, refund_id)
    payment = await session.get(Payment, refund.payment_id)
    assert payment is not None
    monitor.REFUNDS.labels(payment.channel, RefundStatus.SUCCEEDED).inc()
    if refund.kind not in SETTLES_ORDER:
        return True
    order = await orders.order_for_update(session, order_id=refund.order_id)
    await actions.settle_refund(
        session,
        order=order,
        by=Actor.system(f"refund:{payment.channel}"),
        refund_id=refund.id,
        kind=refund.kind,
        amount_fen=refund.amount_fen,
        lines=[
            actions.RefundedUnits(
                line_id=item["line_id"], quantity=item["quantity"], amount_fen=item["amount_fen"]
            )
            for item in refund.lines
        ],
        restock=refund.restock,
        all_money_back=await _refunded_so_far(session, payment.id) >= payment.amount_fen,
    )
    return True


async def on_channel_report(
    session: AsyncSession, *, out_refund_no: str, status: str, channel_refund_id: str | None
) -> NotificationOutcome:
    """A refund notification or query said how it went."""
    refund_id = await session.scalar(select(Refund.id).where(Refund.out_refund_no == out_refund_no))
    if refund_id is None:
        return NotificationOutcome.UNKNOWN_REFUND
    if status == "SUCCESS":
        finished = await finish(session, refund_id=refund_id, channel_refund_id=channel_refund_id)
        return NotificationOutcome.REFUNDED if finished else NotificationOutcome.DUPLICATE
    if status in ("CLOSED", "ABNORMAL"):
        await _fail(session, refund_id, f"渠道返回 {status}")
        return NotificationOutcome.REFUND_FAILED
    return NotificationOutcome.PROCESSING
