"""Checkout, orders and their timeline, as shoppers and the merchant see them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from xiaodian.addresses.schemas import AddressOut
from xiaodian.core.pagination import PageNumber, PageSize
from xiaodian.core.types import Id, Keyword, Name, Quantity, ShortText
from xiaodian.coupons.checkout import BEST as BEST_COUPON
from xiaodian.coupons.schemas import CheckoutCouponOut

OrderTab = Literal[
    "all",
    "pending_payment",
    "paid",
    "shipped",
    "completed",
    "closed",
    "after_sale",
    "to_review",
]


class OrderItemIn(BaseModel):
    sku_id: Id
    quantity: Quantity


class DeliveryChoice(BaseModel):
    """Community delivery in a time slot, pickup at the store, or express shipping."""

    method: Literal["delivery", "pickup", "express"]
    slot_date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    slot_start: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")] | None = None


class DeliveryPreview(BaseModel):
    method: str
    fee_fen: int
    distance_m: int | None = None
    slot_date: str | None = None
    slot_start: str | None = None
    slot_end: str | None = None


class CheckoutIn(BaseModel):
    """Either a buy-now `items` list or `from_cart: true` (the selected cart lines)."""

    items: Annotated[list[OrderItemIn], Field(min_length=1, max_length=50)] | None = None
    from_cart: bool = False
    address_id: Id | None = None
    coupon_id: Id | None = Field(
        default=None, description="a user coupon id; null for none; omitted for the best one"
    )
    delivery: DeliveryChoice | None = None

    @property
    def coupon_choice(self) -> int | None:
        """The user coupon chosen, None for none, `coupons.checkout.BEST` when omitted."""
        return self.coupon_id if "coupon_id" in self.model_fields_set else BEST_COUPON

    @model_validator(mode="after")
    def _one_source(self) -> CheckoutIn:
        if self.from_cart == (self.items is not None):
            raise ValueError("give either items or from_cart: true")
        return self


class OrderCreate(CheckoutIn):
    note: ShortText = ""


class PreviewLine(BaseModel):
    sku_id: int
    goods_id: int
    title: str
    spec_text: str
    image_url: str
    unit_price_fen: int
    quantity: int
    goods_total_fen: int
    stock: int
    discount_fen: int = 0
    pay_fen: int = 0


class PreviewOut(BaseModel):
    lines: list[PreviewLine]
    goods_total_fen: int
    freight_fen: int
    discount_fen: int
    total_fen: int
    item_count: int
    free_freight_threshold_fen: int
    address: AddressOut | None
    promotion_discount_fen: int = 0
    coupon_discount_fen: int = 0
    coupon_id: int | None = None
    coupons: list[CheckoutCouponOut] = []
    delivery: DeliveryPreview | None = None


class OrderAddress(BaseModel):
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


class OrderLineOut(BaseModel):
    id: int
    goods_id: int
    sku_id: int
    title: str
    spec_text: str
    image_url: str
    unit_price_fen: int
    quantity: int
    goods_total_fen: int
    discount_fen: int
    pay_fen: int
    is_reviewed: bool


class TimelineEntry(BaseModel):
    status: str
    status_text: str
    note: str
    actor: str
    created_at: datetime


class OrderOut(BaseModel):
    id: int
    order_no: str
    status: str
    status_text: str
    kind: str
    goods_total_fen: int
    freight_fen: int
    discount_fen: int
    total_fen: int
    item_count: int
    note: str
    address: OrderAddress
    lines: list[OrderLineOut]
    timeline: list[TimelineEntry]
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    shipped_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    carrier: str | None
    tracking_no: str | None
    auto_confirm_at: datetime | None
    can_cancel: bool
    can_pay: bool
    can_confirm: bool
    can_review: bool
    can_refund: bool


class AdminOrderOut(OrderOut):
    user_id: int
    user_nickname: str
    wechat_shipping_status: str | None = None
    """Shipping-info upload to WeChat: pending | uploaded | failed (None: nothing to upload)."""
    wechat_shipping_error: str | None = None


class AdminOrderQuery(BaseModel):
    status: OrderTab = "all"
    q: Keyword | None = Field(default=None, description="order number, receiver name or phone")
    user_id: Id | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    page: PageNumber = 1
    page_size: PageSize = 20


class ShipIn(BaseModel):
    carrier: Annotated[Name, Field(max_length=32)]
    tracking_no: Annotated[str, Field(min_length=4, max_length=64, pattern=r"^[0-9A-Za-z\-]+$")]


class ShipImportIn(BaseModel):
    csv: Annotated[str, Field(min_length=1, max_length=60 * 1024)]
    """Lines of 订单号, 快递公司, 运单号 (a header row is allowed)."""
    apply: bool = False
    """False: only the preview. True: ship every line, or none if any line is wrong."""


class ShipImportLineOut(BaseModel):
    line: int
    order_no: str
    carrier: str
    tracking_no: str
    order_id: int | None
    status: str
    error: str


class CloseIn(BaseModel):
    reason: ShortText = ""


class OrderCounts(BaseModel):
    pending_payment: int = 0
    paid: int = 0
    shipped: int = 0
    to_review: int = 0
    after_sale: int = 0
