"""Refunds as the shopper and the merchant read them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core.pagination import Page, offset_of
from xiaodian.core.urls import own_media
from xiaodian.models import Order, OrderLine, Refund
from xiaodian.orders import service as orders
from xiaodian.payments.errors import RefundNotFound
from xiaodian.payments.schemas import RefundLineOut, RefundOut
from xiaodian.payments.vocabulary import REFUND_STATUS_TEXT, RefundKind, RefundStatus


async def _outs(session: AsyncSession, refunds: Sequence[Refund]) -> list[RefundOut]:
    if not refunds:
        return []
    order_ids = {refund.order_id for refund in refunds}
    numbers = dict(
        (
            await session.execute(select(Order.id, Order.order_no).where(Order.id.in_(order_ids)))
        ).all()
    )
    titles = dict(
        (
            await session.execute(
                select(OrderLine.id, OrderLine.title).where(OrderLine.order_id.in_(order_ids))
            )
        ).all()
    )
    return [
        RefundOut(
            id=r.id,
            order_id=r.order_id,
            order_no=numbers.get(r.order_id, ""),
            out_refund_no=r.out_refund_no,
            kind=RefundKind(r.kind),
            status=RefundStatus(r.status),
            status_text=REFUND_STATUS_TEXT.get(r.status, r.status),
            amount_fen=r.amount_fen,
            reason=r.reason,
            restock=r.restock,
            return_goods=r.return_goods,
            photos=[url for url in map(own_media, r.photos or []) if url],
            return_address=r.return_address,
            return_carrier=r.return_carrier,
            return_tracking_no=r.return_tracking_no,
            return_due_at=r.return_due_at,
            return_shipped_at=r.return_shipped_at,
            received_at=r.received_at,
            reject_reason=r.reject_reason,
            failure_message=r.failure_message,
            created_at=r.created_at,
            decided_at=r.decided_at,
            refunded_at=r.refunded_at,
            lines=[
                RefundLineOut(
                    line_id=i["line_id"],
                    title=titles.get(i["line_id"], ""),
                    quantity=i["quantity"],
                    amount_fen=i["amount_fen"],
                )
                for i in r.lines or []
            ],
        )
        for r in refunds
    ]


async def get_refund(session: AsyncSession, *, refund_id: int) -> RefundOut:
    refund = await session.get(Refund, refund_id, populate_existing=True)
    if refund is None:
        raise RefundNotFound()
    return (await _outs(session, [refund]))[0]


async def list_refunds(
    session: AsyncSession,
    *,
    status: RefundStatus | None,
    page: int,
    page_size: int,
    order_id: int | None = None,
) -> Page[RefundOut]:
    conditions: list[Any] = []
    if status is not None:
        conditions.append(Refund.status == status)
    if order_id is not None:
        conditions.append(Refund.order_id == order_id)
    total = await session.scalar(select(func.count(Refund.id)).where(*conditions)) or 0
    rows = (
        (
            await session.execute(
                select(Refund)
                .where(*conditions)
                .order_by(Refund.id.desc())
                .offset(offset_of(page, page_size))
                .limit(page_size)
            )
        )
        .scalars()
        .all()
    )
    return Page[RefundOut](
        items=await _outs(session, rows), total=total, page=page, page_size=page_size
    )


async def refunds_of_order(
    session: AsyncSession, *, user_id: int, order_id: int
) -> list[RefundOut]:
    order = await orders.order_of_user(session, user_id=user_id, order_id=order_id)
    rows = (
        (
            await session.execute(
                select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)
            )
        )
        .scalars()
        .all()
    )
    return await _outs(session, rows)
