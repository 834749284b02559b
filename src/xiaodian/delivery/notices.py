"""What WeChat hears when a community delivery or a 自提 moves (durable receivers, after the
commit): the subscribe messages 配送中 and 已送达, and the shipping-info upload for orders that
never ship by express — WeChat keeps the merchant's money frozen until it hears how the order
reached the shopper. A completed community delivery is logistics_type 2 (同城配送), a
completed 自提 is 4 (用户自提); express orders were uploaded when they shipped (type 1)."""

from __future__ import annotations

from sqlalchemy import select

from xiaodian.context import AppContext
from xiaodian.delivery.schemas import Method
from xiaodian.models import DeliveryOrder
from xiaodian.orders.events import DeliveryStarted, OrderCompleted
from xiaodian.wechat import shipping, subscriptions
from xiaodian.wechat.vocabulary import LogisticsType, SubscribeEvent

LOGISTICS_OF = {Method.DELIVERY: LogisticsType.SAME_CITY, Method.PICKUP: LogisticsType.SELF_PICKUP}


async def _method_of(context: AppContext, order_id: int) -> Method | None:
    async with context.db.transaction(write=False) as session:
        method = await session.scalar(
            select(DeliveryOrder.method).where(DeliveryOrder.order_id == order_id)
        )
    return Method(method) if method else None


async def message_delivering(context: AppContext, event: DeliveryStarted) -> None:
    """The outbox's receiver of `DeliveryStarted`: 配送中 (once per order, even when a failed
    stop goes out again)."""
    await subscriptions.send_for_order(
        context, event=SubscribeEvent.DELIVERING, order_id=event.order_id
    )


async def message_delivered(context: AppContext, event: OrderCompleted) -> None:
    """The outbox's receiver of `OrderCompleted`: 已送达 for a community delivery only (an
    express order's completion is the shopper's own confirmation)."""
    if await _method_of(context, event.order_id) == Method.DELIVERY:
        await subscriptions.send_for_order(
            context, event=SubscribeEvent.DELIVERED, order_id=event.order_id
        )


async def upload_after_completion(context: AppContext, event: OrderCompleted) -> None:
    """The outbox's receiver of `OrderCompleted`: upload a delivered (2) or picked-up (4)
    order; an express order or one without a delivery row was uploaded at shipping."""
    method = await _method_of(context, event.order_id)
    logistics_type = LOGISTICS_OF.get(method) if method else None
    if logistics_type is None:
        return
    await shipping.upload_for_order(context, order_id=event.order_id, logistics_type=logistics_type)
