"""Reconciliation: asking the channel about payments whose result the shop does not know.

- A pending payment whose notification has not come some minutes after its prepay is asked
  about every minute (for two days at most), so a lost notification loses nothing.
- Every payment of a closed order is asked about until the channel gives a final answer:
  paid (refunded automatically), or closed / never created. Until then it is not settled.
- A query that gets no answer is not a check: it is tried again, backed off. A payment whose
  answer fails to apply is backed off too and shown to the merchant; it never blocks the
  others, since each payment is handled in its own transactions and its own error boundary.

Outbound calls never run inside a database transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import Payment
from xiaodian.payments import backoff, monitor, trade_channel
from xiaodian.payments.settle import apply_success
from xiaodian.payments.trade_channel import RemoteState
from xiaodian.payments.vocabulary import (
    SETTLED_BY_REPORT,
    UNSETTLED,
    CheckOutcome,
    NotificationOutcome,
    PaymentStatus,
)

log = logging.getLogger(__name__)

RECHECK_EVERY = timedelta(minutes=1)
PENDING_ASKED_FOR = timedelta(days=2)
BATCH = 100
Outcome = NotificationOutcome | CheckOutcome


async def reconcile_payment(context: AppContext, *, payment_id: int) -> Outcome:
    """Ask the channel about one payment and apply what it says; returns what happened
    (`unknown` when the channel gave no answer: the payment is asked again later)."""
    async with context.db.transaction(write=False) as session:
        payment = await session.get(Payment, payment_id)
        if payment is None or payment.status not in UNSETTLED:
            return CheckOutcome.SETTLED
    try:
        state = await trade_channel.query(context, payment)
    except trade_channel.NoAnswer as error:
        monitor.CALLS.labels(payment.channel, "query", getattr(error, "code", "error")).inc()
        await _back_off(context, payment, error=None)
        return CheckOutcome.UNKNOWN
    monitor.CALLS.labels(payment.channel, "query", "ok").inc()
    outcome = await _apply_answer(context, payment_id, state)
    if outcome == CheckOutcome.STILL_OPEN:
        # Closed here but still payable there (closing it failed): close it again.
        await trade_channel.close(
            context, channel=payment.channel, api=payment.api, out_trade_no=payment.out_trade_no
        )
    return outcome


async def _apply_answer(context: AppContext, payment_id: int, state: RemoteState) -> Outcome:
    now = clock.now()
    async with context.db.transaction() as session:
        payment = await session.get(Payment, payment_id, populate_existing=True)
        if payment is None or payment.status not in UNSETTLED:
            return CheckOutcome.SETTLED
        was_closed = payment.status == PaymentStatus.CLOSED
        outcome: Outcome = CheckOutcome.CLOSED if state.closed else CheckOutcome.UNPAID
        if state.paid and state.amount_fen is not None:
            outcome = await apply_success(
                session,
                payment=payment,
                amount_fen=state.amount_fen,
                transaction_id=state.transaction_id,
                payer_openid=state.payer,
                event_key=f"query:{payment.channel}:{payment.out_trade_no}",
            )
            monitor.NOTIFICATIONS.labels(payment.channel, f"reconciled_{outcome}").inc()
        applied = outcome in SETTLED_BY_REPORT
        # A closed payment is done once the answer is final (a mismatch is listed already);
        # a pending one is asked again every minute until its order is paid or closes.
        final = applied or (
            was_closed and (state.closed or outcome == NotificationOutcome.MISMATCH)
        )
        failures = payment.check_failures + 1 if was_closed and not final else 0
        if final:
            next_check_at = None
        elif was_closed:  # still payable at the channel: backed off like a failure
            next_check_at = backoff.next_try_at(context.settings, now=now, failures=failures)
        else:
            next_check_at = now + RECHECK_EVERY
        await session.execute(
            update(Payment)
            .where(Payment.id == payment_id)
            .values(
                last_checked_at=now,
                check_failures=failures,
                check_error=None,
                next_check_at=next_check_at,
            )
        )
    if was_closed and not final and not state.paid:
        return CheckOutcome.STILL_OPEN
    return outcome


async def _back_off(context: AppContext, payment: Payment, *, error: BaseException | None) -> None:
    """No answer (error None) or a failure to apply one: try again later, and say why."""
    failures = payment.check_failures + 1
    values: dict[str, object] = {
        "check_failures": failures,
        "next_check_at": backoff.next_try_at(context.settings, now=clock.now(), failures=failures),
    }
    if error is not None:
        values["check_error"] = backoff.describe(error)
    async with context.db.transaction() as session:
        await session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.status.in_(UNSETTLED))
            .values(**values)
        )


async def _fail_safely(context: AppContext, payment_id: int, error: Exception) -> None:
    # One line (no SQL, no parameters); the traceback only for whoever turns debug logs on.
    log.error("reconciling payment %s failed: %s; backing off", payment_id, backoff.describe(error))
    log.debug("reconciling payment %s failed", payment_id, exc_info=error)
    async with context.db.transaction(write=False) as session:
        payment = await session.get(Payment, payment_id)
    if payment is not None:
        await _back_off(context, payment, error=error)


async def reconcile_pending_payments(context: AppContext) -> int:
    """The sweep: pending payments some minutes after their prepay, and closed payments whose
    final answer is still missing, each on its own. Returns how many were found paid."""
    now = clock.now()
    waited = now - timedelta(minutes=context.settings.payment_reconcile_after_minutes)
    prepaid = (Payment.prepay_id.isnot(None)) | (Payment.channel == "alipay")
    not_backed_off = Payment.next_check_at.is_(None) | (Payment.next_check_at <= now)
    pending_due = (
        (Payment.status == PaymentStatus.PENDING)
        & prepaid
        & (Payment.created_at <= waited)
        & (Payment.created_at >= now - PENDING_ASKED_FOR)
        & not_backed_off
    )
    closed_due = (Payment.status == PaymentStatus.CLOSED) & (Payment.next_check_at <= now)
    async with context.db.transaction(write=False) as session:
        due = (
            await session.scalars(
                select(Payment.id).where(pending_due | closed_due).order_by(Payment.id).limit(BATCH)
            )
        ).all()
    settled = 0
    for payment_id in due:
        try:
            outcome = await reconcile_payment(context, payment_id=payment_id)
        except Exception as error:  # one payment's failure never stops the others
            await _fail_safely(context, payment_id, error)
            continue
        settled += outcome in (NotificationOutcome.PAID, NotificationOutcome.REFUNDED_AFTER_CLOSE)
    return settled
