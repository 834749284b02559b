"""Payment anomaly monitoring: Prometheus counters by channel and reason, and the merchant's
list of payments stuck, failed, mismatched or refunded automatically."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from prometheus_client import Counter
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core import clock
from xiaodian.core.pagination import Page
from xiaodian.models import Order, Payment, PaymentAnomaly, Refund

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

AnomalyKind = Literal["stuck", "failed", "mismatched", "auto_refunded", "refund_failed"]
STUCK_AFTER = timedelta(minutes=30)
LIST_LIMIT = 500


class AnomalyOut(BaseModel):
    kind: str
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
    kind: str,
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
    session: AsyncSession, *, kind: str | None, page: int, page_size: int
) -> Page[AnomalyOut]:
    """Everything about money that needs a person, newest first."""
    found: list[AnomalyOut] = []
    now = clock.now()
    if kind in (None, "stuck"):
        rows = await session.execute(
            select(Payment, Order.order_no, Order.status)
            .join(Order, Order.id == Payment.order_id)
            .where(
                Payment.status == "pending",
                Payment.created_at < now - STUCK_AFTER,
                Payment.prepay_id.isnot(None),
            )
            .order_by(Payment.id.desc())
            .limit(LIST_LIMIT)
        )
        for payment, order_no, status in rows:
            found.append(
                AnomalyOut(
                    kind="stuck",
                    channel=payment.channel,
                    order_id=payment.order_id,
                    order_no=order_no,
                    out_trade_no=payment.out_trade_no,
                    amount_fen=payment.amount_fen,
                    detail=f"支付结果未确认（订单{'已关闭' if status == 'closed' else '待支付'}）",
                    created_at=payment.created_at,
                )
            )
    if kind in (None, "failed"):
        failed = await session.execute(
            select(Payment, Order.order_no)
            .join(Order, Order.id == Payment.order_id)
            .where(Payment.failure_code.isnot(None))
            .order_by(Payment.id.desc())
            .limit(LIST_LIMIT)
        )
        for payment, order_no in failed:
            found.append(
                AnomalyOut(
                    kind="failed",
                    channel=payment.channel,
                    order_id=payment.order_id,
                    order_no=order_no,
                    out_trade_no=payment.out_trade_no,
                    amount_fen=payment.amount_fen,
                    detail=f"{payment.failure_code}: {payment.failure_message or ''}",
                    created_at=payment.updated_at,
                )
            )
    if kind in (None, "mismatched", "auto_refunded"):
        statement = select(PaymentAnomaly).order_by(PaymentAnomaly.id.desc()).limit(LIST_LIMIT)
        if kind == "auto_refunded":
            statement = statement.where(PaymentAnomaly.kind == "auto_refunded")
        elif kind == "mismatched":
            statement = statement.where(PaymentAnomaly.kind != "auto_refunded")
        for anomaly in (await session.execute(statement)).scalars():
            found.append(
                AnomalyOut(
                    kind="auto_refunded" if anomaly.kind == "auto_refunded" else "mismatched",
                    channel=anomaly.channel,
                    order_id=anomaly.order_id,
                    order_no="",
                    out_trade_no=anomaly.out_trade_no,
                    amount_fen=anomaly.amount_fen,
                    detail=anomaly.detail,
                    created_at=anomaly.created_at,
                )
            )
    if kind in (None, "refund_failed"):
        refunds = await session.execute(
            select(Refund, Order.order_no)
            .join(Order, Order.id == Refund.order_id)
            .where(Refund.status == "failed")
            .order_by(Refund.id.desc())
            .limit(LIST_LIMIT)
        )
        for refund, order_no in refunds:
            found.append(
                AnomalyOut(
                    kind="refund_failed",
                    channel="",
                    order_id=refund.order_id,
                    order_no=order_no,
                    out_trade_no=refund.out_refund_no,
                    amount_fen=refund.amount_fen,
                    detail=refund.failure_message or "退款失败",
                    created_at=refund.updated_at,
                )
            )
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
