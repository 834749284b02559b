from __future__ import annotations

from enum import StrEnum


class WebhookEvent(StrEnum):
    """Event types an endpoint can register for (the `X-Xiaodian-Event` header)."""

    ORDER_PAID = "order.paid"
    ORDER_SHIPPED = "order.shipped"
    ORDER_REFUNDED = "order.refunded"
    STOCK_CHANGED = "stock.changed"
    STOCK_LOW = "stock.low"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
