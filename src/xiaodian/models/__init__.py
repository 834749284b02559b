"""Every ORM table, one module per domain. Importing this package registers them all."""

from xiaodian.models.admins import AdminUser
from xiaodian.models.apikeys import ApiKey, MerchantRequest, WebhookDelivery, WebhookEndpoint
from xiaodian.models.base import Base
from xiaodian.models.cart import CartItem
from xiaodian.models.catalog import (
    Banner,
    Category,
    Goods,
    GoodsImage,
    GoodsSearchTerm,
    GoodsSpec,
    PinnedSearchWord,
    RestockReminder,
    SearchCount,
    Sku,
)
from xiaodian.models.coupons import (
    Coupon,
    CouponCode,
    CouponHolder,
    OrderDiscount,
    Promotion,
    UserCoupon,
)
from xiaodian.models.delivery import (
    DeliveryBatch,
    DeliveryOrder,
    DeliveryRoute,
    DeliverySettings,
    DeliverySlotLoad,
)
from xiaodian.models.flash import FlashItem, FlashPurchase, FlashReminder, FlashSession
from xiaodian.models.groupbuy import BuyGroup, GroupBuy, GroupBuyPrice, GroupSeat
from xiaodian.models.inventory import StockQuota
from xiaodian.models.oplog import OperationLog
from xiaodian.models.orders import IdempotencyKey, Order, OrderEvent, OrderLine
from xiaodian.models.outbox import OutboxEntry
from xiaodian.models.payments import (
    Payment,
    PaymentAnomaly,
    PaymentCredential,
    PaymentNotification,
    Refund,
)
from xiaodian.models.reviews import Review
from xiaodian.models.shop import ShopSettings
from xiaodian.models.users import Address, AuthToken, Favorite, Footprint, User
from xiaodian.models.wechat import (
    SubscribeGrant,
    SubscribeMessage,
    SubscribeTemplate,
    WechatShipping,
)

__all__ = [
    "Address",
    "AdminUser",
    "ApiKey",
    "AuthToken",
    "Banner",
    "Base",
    "BuyGroup",
    "CartItem",
    "Category",
    "Coupon",
    "CouponCode",
    "CouponHolder",
    "DeliveryBatch",
    "DeliveryOrder",
    "DeliveryRoute",
    "DeliverySettings",
    "DeliverySlotLoad",
    "Favorite",
    "FlashItem",
    "FlashPurchase",
    "FlashReminder",
    "FlashSession",
    "Footprint",
    "Goods",
    "GoodsImage",
    "GoodsSearchTerm",
    "GoodsSpec",
    "GroupBuy",
    "GroupBuyPrice",
    "GroupSeat",
    "IdempotencyKey",
    "MerchantRequest",
    "OperationLog",
    "Order",
    "OrderDiscount",
    "OrderEvent",
    "OrderLine",
    "OutboxEntry",
    "Payment",
    "PaymentAnomaly",
    "PaymentCredential",
    "PaymentNotification",
    "PinnedSearchWord",
    "Promotion",
    "Refund",
    "RestockReminder",
    "Review",
    "SearchCount",
    "ShopSettings",
    "Sku",
    "StockQuota",
    "SubscribeGrant",
    "SubscribeMessage",
    "SubscribeTemplate",
    "User",
    "UserCoupon",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WechatShipping",
]
