"""Every event's receivers, in one place (see `xiaodian.events` for the three modes).

Installed once at start-up by the app, the worker and the CLI commands that change data; a
session that emits an event before `install()` fails loudly instead of losing it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog import cache as catalog_cache
from xiaodian.catalog import hints, promotions, restock, search, viewers
from xiaodian.catalog.events import GoodsEdited
from xiaodian.context import AppContext
from xiaodian.coupons import checkout as coupons
from xiaodian.delivery import notices as delivery_notices
from xiaodian.delivery import service as delivery
from xiaodian.events import Mode, registry
from xiaodian.flash import service as flash
from xiaodian.groupbuy import home as group_buys_home
from xiaodian.groupbuy import service as group_buys
from xiaodian.groupbuy.events import GroupFailed, GroupFilled
from xiaodian.inventory.events import QuotaChanged, StockChanged
from xiaodian.live import merchant as live_merchant
from xiaodian.live import service as live
from xiaodian.orders import fulfilment
from xiaodian.orders.events import (
    DeliveryStarted,
    OrderClosed,
    OrderCompleted,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    RefundRejected,
    RefundRequested,
    RefundSettled,
    TrackingChanged,
)
from xiaodian.payments import refund_service
from xiaodian.payments import service as payments
from xiaodian.payments.events import PrepayClosed, RefundDue
from xiaodian.reviews.events import ReviewsChanged
from xiaodian.shop.events import ShopSettingsChanged
from xiaodian.sync import webhooks
from xiaodian.sync.events import WebhookDue
from xiaodian.users import service as users
from xiaodian.wechat import shipping as wechat_shipping
from xiaodian.wechat import subscriptions as wechat_messages


async def _forget_restocked_goods(context: AppContext, event: StockChanged) -> None:
    await catalog_cache.forget_goods(context, [event.goods_id])


async def _forget_everything(context: AppContext, _event: ShopSettingsChanged) -> None:
    await catalog_cache.forget_everything(context)


async def _take_low_stock_threshold(context: AppContext, _event: ShopSettingsChanged) -> None:
    await hints.announce(context)


async def _forget_goods(
    context: AppContext, event: OrderPaid | RefundSettled | ReviewsChanged
) -> None:
    await catalog_cache.forget_goods(context, event.goods_ids)


async def _release_coupon(session: AsyncSession, event: OrderClosed) -> None:
    await coupons.release_for_closed_order(session, order_id=event.order_id)


async def _use_coupon(session: AsyncSession, event: OrderPaid) -> None:
    await coupons.use_for_paid_order(session, order_id=event.order_id)


async def _free_delivery_slot(session: AsyncSession, event: OrderClosed) -> None:
    await delivery.give_back_slot(session, order_id=event.order_id)


async def _free_slot_of_refunded(session: AsyncSession, event: RefundSettled) -> None:
    await delivery.give_back_slot_if_refunded(session, order_id=event.order_id)


def install() -> None:
    """Register every receiver (idempotent)."""
    if registry.installed:
        return
    # money and channels
    registry.add(OrderClosed, payments.close_payments_of_closed_order, Mode.IN_TRANSACTION)
    registry.add(OrderClosed, flash.release_closed_order, Mode.IN_TRANSACTION)
    registry.add(OrderClosed, _free_delivery_slot, Mode.IN_TRANSACTION)
    registry.add(RefundSettled, _free_slot_of_refunded, Mode.IN_TRANSACTION)
    registry.add(PrepayClosed, payments.close_prepay_at_channel, Mode.DURABLE)
    registry.add(RefundDue, refund_service.send_due_refund, Mode.DURABLE)
    # the WeChat platform (shipping-info upload, subscribe messages)
    registry.add(OrderShipped, wechat_shipping.upload_after_ship, Mode.DURABLE)
    registry.add(TrackingChanged, wechat_shipping.reupload_after_retrack, Mode.DURABLE)
    registry.add(OrderCompleted, delivery_notices.upload_after_completion, Mode.DURABLE)
    registry.add(DeliveryStarted, delivery_notices.message_delivering, Mode.DURABLE)
    registry.add(OrderCompleted, delivery_notices.message_delivered, Mode.DURABLE)
    registry.add(OrderPaid, wechat_messages.on_paid, Mode.DURABLE)
    registry.add(OrderShipped, wechat_messages.on_shipped, Mode.DURABLE)
    registry.add(RefundSettled, wechat_messages.on_refund_settled, Mode.DURABLE)
    registry.add(RefundRejected, wechat_messages.on_refund_rejected, Mode.DURABLE)
    registry.add(GroupFilled, wechat_messages.on_group_filled, Mode.DURABLE)
    registry.add(GroupFailed, wechat_messages.on_group_failed, Mode.DURABLE)
    registry.add(StockChanged, restock.on_stock_changed, Mode.IN_TRANSACTION)
    registry.add(restock.RestockDue, restock.send_due, Mode.DURABLE)
    # coupons: held by one order, used when it is paid, released when it closes unpaid
    registry.add(OrderClosed, _release_coupon, Mode.IN_TRANSACTION)
    registry.add(OrderPaid, _use_coupon, Mode.IN_TRANSACTION)
    # group buying: seats follow their orders (in the same transaction)
    registry.add(OrderPaid, group_buys.on_order_paid, Mode.IN_TRANSACTION)
    registry.add(OrderClosed, group_buys.on_order_closed, Mode.IN_TRANSACTION)
    registry.add(GroupFilled, group_buys_home.forget, Mode.AFTER_COMMIT)
    registry.add(GroupFailed, group_buys_home.forget, Mode.AFTER_COMMIT)
    # caches
    registry.add(StockChanged, _forget_restocked_goods, Mode.AFTER_COMMIT)
    registry.add(OrderPaid, _forget_goods, Mode.AFTER_COMMIT)
    registry.add(RefundSettled, _forget_goods, Mode.AFTER_COMMIT)
    registry.add(ReviewsChanged, _forget_goods, Mode.AFTER_COMMIT)
    registry.add(ShopSettingsChanged, _take_low_stock_threshold, Mode.AFTER_COMMIT)
    registry.add(ShopSettingsChanged, _forget_everything, Mode.AFTER_COMMIT)
    # live pushes to shoppers' sockets (every process, through the bus)
    registry.add(StockChanged, live.push_stock, Mode.AFTER_COMMIT)
    registry.add(QuotaChanged, live.push_pool, Mode.AFTER_COMMIT)
    registry.add(GoodsEdited, live.push_goods_edit, Mode.AFTER_COMMIT)
    registry.add(OrderPlaced, live_merchant.on_order_placed, Mode.AFTER_COMMIT)
    registry.add(OrderPaid, live_merchant.on_order_paid, Mode.AFTER_COMMIT)
    registry.add(RefundRequested, live_merchant.on_refund_requested, Mode.AFTER_COMMIT)
    registry.add(StockChanged, live_merchant.on_stock_changed, Mode.AFTER_COMMIT)
    # webhooks to the merchant's own systems (queued with the change, sent by the outbox)
    registry.add(OrderPaid, webhooks.on_order_paid, Mode.IN_TRANSACTION)
    registry.add(OrderShipped, webhooks.on_order_shipped, Mode.IN_TRANSACTION)
    registry.add(RefundSettled, webhooks.on_refund_settled, Mode.IN_TRANSACTION)
    registry.add(StockChanged, webhooks.on_stock_changed, Mode.IN_TRANSACTION)
    registry.add(WebhookDue, webhooks.send, Mode.DURABLE, max_attempts=webhooks.MAX_ATTEMPTS)
    # providers a lower domain asks without knowing who answers
    viewers.register(viewers.Viewer(users.is_favorite, users.record_footprint))
    promotions.register("flash_sales", flash.home_slot)
    promotions.register("group_buys", group_buys_home.home_slot)
    fulfilment.register(fulfilment.Provider(delivery.plan_fulfilment, delivery.hold_fulfilment))
    # the goods search index follows every ORM write of titles, subtitles and SKU codes
    search.install()
    registry.installed = True
