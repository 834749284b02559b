"""Payment anomaly monitoring: Prometheus counters by channel and reason, and the merchant's
list of payments stuck (result unknown past `payment_unknown_alert_minutes`, or failing to
reconcile), failed, mismatched or refunded automatically, and of refunds that failed."""

from __future__ import annotations

from datetime import datetime, timedelta

from prometheus_client import Counter
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.pagination import Page
from xiaodian.models import Order, Payment, PaymentAnomaly, Refund
from xiaodian.orders.state import Status as OrderStatus
from xiaodian.payments.vocabulary import (
    AT_THE_CHANNEL,
    UNSETTLED,
    AnomalyKind,
    PaymentStatus,
    RecordedAnomaly,
    RefundStatus,
    recorded_as,
)

NOTIFICATIONS = Counter(
    "xiaodian_payment_notifications",
    "Payment notifications by channel and outcome",
    ["channel", "outcome"],
)
CALLS = Counter(
    "xiaodian_payment_calls",
    "Outbound payment calls by channel, operation and outcome",
    ["channel", "operation", "outcome"],
)
REFUNDS = Counter("xiaodian_refunds", "Refunds by channel and outcome", ["channel", "outcome"])

LIST_LIMIT = 500


class AnomalyOut(BaseModel):
    kind: AnomalyKind
    channel: str
    order_id: int | None
    order_no: str
    out_trade_no: str
    amount_fen: int | None
    detail: str
    created_at: datetime


async def record(
    session: AsyncSession,
    *,
    kind: RecordedAnomaly,
    event_key: str,
    channel: str,
    order_id: int | None,
    out_trade_no: str,
    amount_fen: int | None,
    detail: str,
) -> None:
    """Note an anomaly once per (kind, event): WeChat's retries do not pile up duplicates."""
    try:
        async with session.begin_nested():
            session.add(
                PaymentAnomaly(
                    kind=kind,
                    event_key=event_key[:96],
                    channel=channel,
                    order_id=order_id,
                    out_trade_no=out_trade_no[:64],
                    amount_fen=amount_fen,
                    detail=detail[:255],
                )
            )
            await session.flush()
    except IntegrityError:
        return


async def anomalies(
    session: AsyncSession, *, kind: AnomalyKind | None, page: int, page_size: int
) -> Page[AnomalyOut]:
    """Everything about money that needs a person, newest first."""
    found: list[AnomalyOut] = []
    if kind in (None, AnomalyKind.STUCK):
        found += await _stuck(session)
    if kind in (None, AnomalyKind.FAILED):
        found += await _failed_prepays(session)
    if kind is None or recorded_as(kind):
        found += await _recorded(session, kind)
    if kind in (None, AnomalyKind.REFUND_FAILED):
        found += await _failed_refunds(session)
    missing = {a.order_id for a in found if a.order_id and not a.order_no}
    if missing:
        order_numbers = dict(
            (
                await session.execute(select(Order.id, Order.order_no).where(Order.id.in_(missing)))
            ).all()
        )
        found = [
            a.model_copy(update={"order_no": order_numbers.get(a.order_id or 0, "")})
            if not a.order_no
            else a
            for a in found
        ]
    found.sort(key=lambda a: a.created_at, reverse=True)
    start = (page - 1) * page_size
    return Page[AnomalyOut](
        items=found[start : start + page_size], total=len(found), page=page, page_size=page_size
    )


def _stuck_detail(payment: Payment, order_status: str) -> str:
    tries = f"，已尝试 {payment.check_failures} 次" if payment.check_failures else ""
    if payment.check_error:
        return f"对账出错{tries}，系统会稍后重试：{payment.check_error}"
    if payment.status == PaymentStatus.CLOSED:
        return f"订单已关闭，渠道尚未给出最终支付结果{tries}，请到商户平台核对"
    return f"支付结果未确认（订单{'已关闭' if order_status == OrderStatus.CLOSED else '待支付'}）"


async def _stuck(session: AsyncSession) -> list[AnomalyOut]:
    """Payments whose result is unknown past the limit (pending since their prepay, or
    closed without a final answer from the channel), and any whose answer failed to apply."""
    limit = clock.now() - timedelta(
        minutes=AppContext.of(session).settings.payment_unknown_alert_minutes
    )
    prepaid = Payment.prepay_id.isnot(None) | (Payment.channel == "alipay")
    rows = await session.execute(
        select(Payment, Order.order_no, Order.status)
        .join(Order, Order.id == Payment.order_id)
        .where(
            ((Payment.status == PaymentStatus.PENDING) & prepaid & (Payment.created_at < limit))
            | (
                (Payment.status == PaymentStatus.CLOSED)
                & Payment.next_check_at.isnot(None)
                & (Payment.closed_at < limit)
            )
            | (Payment.status.in_(UNSETTLED) & Payment.check_error.isnot(None))
        )
        .order_by(Payment.id.desc())
        .limit(LIST_LIMIT)
    )
    return [
        AnomalyOut(
            kind=AnomalyKind.STUCK,
            channel=payment.channel,
            order_id=payment.order_id,
            order_no=order_no,
            out_trade_no=payment.out_trade_no,
            amount_fen=payment.amount_fen,
            detail=_stuck_detail(payment, order_status),
            created_at=payment.created_at,
        )
        for payment, order_no, order_status in rows
    ]


async def _failed_prepays(session: AsyncSession) -> list[AnomalyOut]:
    failed = await session.execute(
        select(Payment, Order.order_no)
        .join(Order, Order.id == Payment.order_id)
        .where(Payment.failure_code.isnot(None))
        .order_by(Payment.id.desc())
        .limit(LIST_LIMIT)
    )
    return [
        AnomalyOut(
            kind=AnomalyKind.FAILED,
            channel=payment.channel,
            order_id=payment.order_id,
            order_no=order_no,
            out_trade_no=payment.out_trade_no,
            amount_fen=payment.amount_fen,
            detail=f"{payment.failure_code}: {payment.failure_message or ''}",
            created_at=payment.updated_at,
        )
        for payment, order_no in failed
    ]


def _listed_as(recorded: str) -> AnomalyKind:
    """A row's kind as listed; a kind no release records any more lists as a mismatch."""
    try:
        return RecordedAnomaly(recorded).listed_as
    except ValueError:
        return AnomalyKind.MISMATCHED


async def _recorded(session: AsyncSession, kind: AnomalyKind | None) -> list[AnomalyOut]:
    statement = select(PaymentAnomaly).order_by(PaymentAnomaly.id.desc()).limit(LIST_LIMIT)
    if kind == AnomalyKind.AUTO_REFUNDED:
        statement = statement.where(PaymentAnomaly.kind == RecordedAnomaly.AUTO_REFUNDED)
    elif kind == AnomalyKind.MISMATCHED:
        statement = statement.where(PaymentAnomaly.kind != RecordedAnomaly.AUTO_REFUNDED)
    return [
        AnomalyOut(
            kind=_listed_as(anomaly.kind),
            channel=anomaly.channel,
            order_id=anomaly.order_id,
            order_no="",
            out_trade_no=anomaly.out_trade_no,
            amount_fen=anomaly.amount_fen,
            detail=anomaly.detail,
            created_at=anomaly.created_at,
        )
        for anomaly in (await session.execute(statement)).scalars()
    ]


def _refund_detail(refund: Refund) -> str:
    if refund.status == RefundStatus.FAILED:
        return refund.failure_message or "退款失败"
    return f"退款处理出错，已尝试 {refund.check_failures} 次，系统会稍后重试：{refund.check_error}"


async def _failed_refunds(session: AsyncSession) -> list[AnomalyOut]:
    """Refunds the channel refused, and refunds still open whose handling failed."""
    refunds = await session.execute(
        select(Refund, Order.order_no)
        .join(Order, Order.id == Refund.order_id)
        .where(
            (Refund.status == RefundStatus.FAILED)
            | (Refund.status.in_(AT_THE_CHANNEL) & Refund.check_error.isnot(None))
        )
        .order_by(Refund.id.desc())
        .limit(LIST_LIMIT)
    )
    return [
        AnomalyOut(
            kind=AnomalyKind.REFUND_FAILED,
            channel="",
            order_id=refund.order_id,
            order_no=order_no,
            out_trade_no=refund.out_refund_no,
            amount_fen=refund.amount_fen,
            detail=_refund_detail(refund),
            created_at=refund.updated_at,
        )
        for refund, order_no in refunds
    ]
