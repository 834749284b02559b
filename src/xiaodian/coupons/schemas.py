"""Coupons and promotions as shoppers and the merchant see them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from xiaodian.core.types import Id, Name
from xiaodian.coupons.words import CouponKind, CouponStatus, PromotionStatus, ScopeType

Fen = Annotated[int, Field(ge=0, le=100_000_000)]


class ScopeIn(BaseModel):
    type: ScopeType = ScopeType.ALL
    ids: Annotated[list[Id], Field(max_length=500)] = []

    @model_validator(mode="after")
    def _ids_when_scoped(self) -> ScopeIn:
        if self.type != ScopeType.ALL and not self.ids:
            raise ValueError("请选择适用的分类或商品")
        if self.type == ScopeType.ALL:
            self.ids = []
        return self


class CouponTermsOut(BaseModel):
    name: str
    kind: CouponKind
    threshold_fen: int
    discount_fen: int
    percent_off: int
    cap_fen: int
    scope: ScopeIn
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    stacks_with_promotions: bool


class CouponOut(CouponTermsOut):
    """A claimable coupon (领券中心, home, goods detail)."""

    id: int
    claimed_by_me: int
    per_user_limit: int
    left: int


class UserCouponOut(CouponTermsOut):
    id: int
    coupon_id: int
    status: str
    starts_at: datetime
    expires_at: datetime
    order_id: int | None
    used_at: datetime | None
    new_user: bool = False


class RedeemIn(BaseModel):
    code: Annotated[str, Field(min_length=4, max_length=32, pattern=r"^[0-9A-Za-z]+$")]


def check_terms(
    kind: CouponKind | None,
    threshold_fen: int | None,
    discount_fen: int | None,
    percent_off: int | None,
) -> None:
    """The terms a coupon of `kind` needs (ValueError with the message otherwise); also used
    by the console to show the message next to its field when other fields are wrong too."""
    if kind == CouponKind.THRESHOLD:
        if not discount_fen or not threshold_fen:
            raise ValueError("满减券需要门槛金额和减免金额")
        if discount_fen >= threshold_fen:
            raise ValueError("减免金额必须小于门槛金额")
    if kind == CouponKind.NO_THRESHOLD and not discount_fen:
        raise ValueError("无门槛券需要减免金额")
    if kind == CouponKind.PERCENT and not percent_off:
        raise ValueError("折扣券需要折扣比例")


class CouponIn(BaseModel):
    name: Name
    kind: CouponKind
    threshold_fen: Fen = 0
    discount_fen: Fen = 0
    percent_off: Annotated[int, Field(ge=0, le=99)] = 0
    cap_fen: Fen = 0
    scope: ScopeIn = ScopeIn()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    total: Annotated[int, Field(ge=1, le=10_000_000)]
    per_user_limit: Annotated[int, Field(ge=1, le=100)] = 1
    new_user: bool = False
    by_code: bool = False
    stacks_with_promotions: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> CouponIn:
        check_terms(self.kind, self.threshold_fen, self.discount_fen, self.percent_off)
        if self.valid_until is None and self.valid_days is None:
            raise ValueError("请设置有效期：截止时间或领取后天数")
        if self.valid_from and self.valid_until and self.valid_from >= self.valid_until:
            raise ValueError("开始时间必须早于结束时间")
        return self


class CouponPatch(BaseModel):
    """Name, quantity, limit, validity and stacking; the terms of claimed coupons stay."""

    name: Name | None = None
    total: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    per_user_limit: Annotated[int, Field(ge=1, le=100)] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    stacks_with_promotions: bool | None = None


class AdminCouponOut(CouponOut):
    total: int
    claimed: int
    used: int
    status: CouponStatus
    new_user: bool
    by_code: bool
    created_at: datetime


class CouponStats(BaseModel):
    coupon_id: int
    claimed: int
    used: int
    locked: int
    discount_given_fen: int
    orders: int
    sales_driven_fen: int


class CodesIn(BaseModel):
    count: Annotated[int, Field(ge=1, le=5000)]


class CodesOut(BaseModel):
    coupon_id: int
    codes: list[str]


class TierIn(BaseModel):
    threshold_fen: Annotated[int, Field(ge=1, le=100_000_000)]
    discount_fen: Annotated[int, Field(ge=1, le=100_000_000)]

    @model_validator(mode="after")
    def _below_threshold(self) -> TierIn:
        if self.discount_fen >= self.threshold_fen:
            raise ValueError("减免金额必须小于门槛金额")
        return self


class PromotionIn(BaseModel):
    name: Name
    tiers: Annotated[list[TierIn], Field(min_length=1, max_length=5)]
    scope: ScopeIn = ScopeIn()
    starts_at: datetime
    ends_at: datetime

    @model_validator(mode="after")
    def _window(self) -> PromotionIn:
        if self.starts_at >= self.ends_at:
            raise ValueError("开始时间必须早于结束时间")
        return self


class PromotionPatch(BaseModel):
    name: Name | None = None
    tiers: Annotated[list[TierIn], Field(min_length=1, max_length=5)] | None = None
    scope: ScopeIn | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: PromotionStatus | None = None


class PromotionOut(BaseModel):
    id: int
    name: str
    tiers: list[TierIn]
    scope: ScopeIn
    starts_at: datetime
    ends_at: datetime
    status: PromotionStatus
    running: bool
    orders: int = 0
    discount_given_fen: int = 0


class CheckoutCouponOut(BaseModel):
    """A coupon at checkout: usable, or why not, and what it would take off."""

    id: int
    name: str
    usable: bool
    reason: str
    discount_fen: int
    expires_at: datetime | None
