"""The refund sweep: send approved refunds that were not sent, ask about ones still processing.

Each refund is handled in its own transactions and its own error boundary: one that cannot be
sent or asked about, or whose answer fails to apply, is backed off (and, for a failure, shown
to the merchant) and never stops the others.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, select

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import Payment, Refund
from xiaodian.payments import refund_channel, refund_service
from xiaodian.payments.vocabulary import NotificationOutcome, RefundStatus

BATCH = 50
SEND_AFTER = timedelta(seconds=30)
ASK_AFTER = timedelta(minutes=1)


async def follow(context: AppContext, *, refund_id: int) -> bool:
    """Ask the channel how a processing refund went and apply it; True once it succeeded."""
    async with context.db.transaction(write=False) as session:
        refund = await session.get(Refund, refund_id)
        payment = await session.get(Payment, refund.payment_id) if refund else None
    if refund is None or payment is None or refund.status != RefundStatus.PROCESSING:
        return False
    status = await refund_channel.status(context, refund=refund, payment=payment)
    if status is None:
        await refund_service.back_off(context, refund_id, error=None)
        return False
    async with context.db.transaction() as session:
        await session.execute(refund_service.answered(refund_id))
        outcome = await refund_service.on_channel_report(
            session, out_refund_no=refund.out_refund_no, status=status, channel_refund_id=None
        )
    return outcome == NotificationOutcome.REFUNDED


async def process_refunds(context: AppContext) -> int:
    """Returns how many refunds were sent or found finished."""
    now = clock.now()
    ready = Refund.next_check_at.is_(None) | (Refund.next_check_at <= now)

    def due(status: RefundStatus, waited: timedelta) -> Select[int]:
        return (
            select(Refund.id)
            .where(Refund.status == status, Refund.updated_at <= now - waited, ready)
            .order_by(Refund.id)
            .limit(BATCH)
        )

    async with context.db.transaction(write=False) as session:
        to_send = (await session.scalars(due(RefundStatus.APPROVED, SEND_AFTER))).all()
        to_ask = (await session.scalars(due(RefundStatus.PROCESSING, ASK_AFTER))).all()
    handled = 0
    for refund_id in to_send:
        try:
            await refund_service.submit(context, refund_id=refund_id)
            handled += 1
        except Exception as error:  # one refund's failure never stops the others
            await refund_service.fail_safely(context, refund_id, error)
    for refund_id in to_ask:
        try:
            handled += await follow(context, refund_id=refund_id)
        except Exception as error:
            await refund_service.fail_safely(context, refund_id, error)
    return handled
