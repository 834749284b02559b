"""Reads for the shopper: an address's point, an order's delivery."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.addresses.errors import AddressNotFound
from xiaodian.delivery.schemas import Method, OrderDeliveryOut
from xiaodian.delivery.service import load_settings
from xiaodian.integrations.amap import Point
from xiaodian.models import Address, DeliveryOrder, Order
from xiaodian.orders.errors import OrderNotFound
from xiaodian.orders.state import Status

CODE_SHOWN = (Status.PAID, Status.COMPLETED, Status.REFUND_REQUESTED)


async def own_address_point(
    session: AsyncSession, *, user_id: int, address_id: int
) -> Point | None:
    address = await session.scalar(
        select(Address).where(Address.id == address_id, Address.user_id == user_id)
    )
    if address is None:
        raise AddressNotFound()
    if address.lat is None or address.lng is None:
        return None
    return Point(lat=address.lat, lng=address.lng)


async def order_delivery(session: AsyncSession, *, user_id: int, order_id: int) -> OrderDeliveryOut:
    """The shopper's own order's delivery; 404 for another's order or one without delivery."""
    row = (
        await session.execute(
            select(DeliveryOrder)
            .join(Order, Order.id == DeliveryOrder.order_id)
            .where(Order.id == order_id, Order.user_id == user_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise OrderNotFound()
    pickup: dict[str, str | None] = {}
    if row.method == Method.PICKUP:
        settings = await load_settings(session)
        status = await session.scalar(select(Order.status).where(Order.id == order_id))
        pickup = {
            "pickup_address": settings.pickup_address or settings.store_address,
            "pickup_hours": settings.pickup_hours,
            # an unpaid, closed or refunded order has nothing to collect
            "pickup_code": row.pickup_code if status in CODE_SHOWN else None,
        }
    return OrderDeliveryOut(
        order_id=row.order_id,
        method=row.method,
        slot_date=row.slot_date,
        slot_start=row.slot_start,
        slot_end=row.slot_end,
        distance_m=row.distance_m,
        stop_seq=row.seq if row.route_id is not None else None,
        eta=row.eta_at,
        outcome=row.outcome,
        fail_reason=row.fail_reason,
        **pickup,
    )
