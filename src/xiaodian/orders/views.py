"""Turning order rows into what shoppers and the merchant read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from xiaodian.core import clock, urls
from xiaodian.models import Order, OrderEvent
from xiaodian.orders.schemas import (
    OrderAddress,
    OrderLineOut,
    OrderOut,
    TimelineEntry,
)
from xiaodian.orders.state import REFUNDABLE, STATUS_TEXT, Status

TAB_STATUSES: dict[str, tuple[str, ...]] = {
    "pending_payment": (Status.PENDING_PAYMENT,),
    "paid": (Status.PAID, Status.GROUPING),
    "shipped": (Status.SHIPPED, Status.DELIVERING),
    "completed": (Status.COMPLETED,),
    "closed": (Status.CLOSED,),
    "after_sale": (Status.REFUND_REQUESTED, Status.REFUNDING, Status.REFUNDED),
    "to_review": (Status.COMPLETED,),
}


# Orders are always read with their lines (one extra SELECT … IN for a whole page).
WITH_LINES = selectinload(Order.lines)


async def timelines(
    session: AsyncSession, order_ids: Sequence[int]
) -> dict[int, list[TimelineEntry]]:
    if not order_ids:
        return {}
    rows = await session.execute(
        select(OrderEvent)
        .where(OrderEvent.order_id.in_(list(order_ids)))
        .order_by(OrderEvent.order_id, OrderEvent.id)
    )
    by_order: dict[int, list[TimelineEntry]] = defaultdict(list)
    for event in rows.scalars():
        by_order[event.order_id].append(timeline_entry(event))
    return by_order


def timeline_entry(event: OrderEvent) -> TimelineEntry:
    return TimelineEntry(
        status=event.to_status,
        status_text=STATUS_TEXT.get(event.to_status, event.to_status),
        note=event.note,
        actor=event.actor,
        created_at=event.created_at,
    )


def order_out(order: Order, timeline: list[TimelineEntry]) -> OrderOut:
    """The order with what the shopper can do next (the buttons the client shows)."""
    pending = order.status == Status.PENDING_PAYMENT
    unexpired = order.expires_at is None or order.expires_at > clock.now()
    return OrderOut(
        id=order.id,
        order_no=order.order_no,
        status=order.status,
        status_text=STATUS_TEXT.get(order.status, order.status),
        kind=order.kind,
        goods_total_fen=order.goods_total_fen,
        freight_fen=order.freight_fen,
        discount_fen=order.discount_fen,
        total_fen=order.total_fen,
        item_count=order.item_count,
        note=order.note,
        address=OrderAddress(
            name=order.receiver_name,
            phone=order.receiver_phone,
            province=order.province,
            city=order.city,
            district=order.district,
            detail=order.address_detail,
        ),
        lines=[
            OrderLineOut(
                id=line.id,
                goods_id=line.goods_id,
                sku_id=line.sku_id,
                title=line.title,
                spec_text=line.spec_text,
                image_url=urls.sized(line.image_url, 480),
                unit_price_fen=line.unit_price_fen,
                quantity=line.quantity,
                goods_total_fen=line.goods_total_fen,
                discount_fen=line.discount_fen,
                pay_fen=line.pay_fen,
                is_reviewed=line.is_reviewed,
            )
            for line in order.lines
        ],
        timeline=timeline,
        created_at=order.created_at,
        expires_at=order.expires_at,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        completed_at=order.completed_at,
        closed_at=order.closed_at,
        close_reason=order.close_reason,
        carrier=order.carrier,
        tracking_no=order.tracking_no,
        auto_confirm_at=order.auto_confirm_at,
        can_cancel=pending,
        can_pay=pending and unexpired,
        can_confirm=order.status in (Status.SHIPPED, Status.DELIVERING),
        can_review=order.status == Status.COMPLETED
        and any(not line.is_reviewed for line in order.lines),
        can_refund=order.status in REFUNDABLE,
    )


async def orders_out(session: AsyncSession, orders: Sequence[Order]) -> list[OrderOut]:
    lines_by_order = await timelines(session, [order.id for order in orders])
    return [order_out(order, lines_by_order.get(order.id, [])) for order in orders]
