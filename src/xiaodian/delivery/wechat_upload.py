"""Shipping-info upload for orders that never ship by express: WeChat keeps the merchant's
money frozen until it hears how the order reached the shopper. A completed community delivery
is logistics_type 2 (同城配送), a completed 自提 is 4 (用户自提); express orders were uploaded
when they shipped (type 1)."""

from __future__ import annotations

from sqlalchemy import select

from xiaodian.context import AppContext
from xiaodian.delivery.schemas import Method
from xiaodian.models import DeliveryOrder
from xiaodian.orders.events import OrderCompleted
from xiaodian.wechat import shipping
from xiaodian.wechat.vocabulary import LogisticsType

LOGISTICS_OF = {Method.DELIVERY: LogisticsType.SAME_CITY, Method.PICKUP: LogisticsType.SELF_PICKUP}


async def upload_after_completion(context: AppContext, event: OrderCompleted) -> None:
    """The outbox's receiver of `OrderCompleted`: upload a delivered (2) or picked-up (4)
    order; an express order or one without a delivery row was uploaded at shipping."""
    async with context.db.transaction(write=False) as session:
        method = await session.scalar(
            select(DeliveryOrder.method).where(DeliveryOrder.order_id == event.order_id)
        )
    logistics_type = LOGISTICS_OF.get(Method(method)) if method else None
    if logistics_type is None:
        return
    await shipping.upload_for_order(context, order_id=event.order_id, logistics_type=logistics_type)
