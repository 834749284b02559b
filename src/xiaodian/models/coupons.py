"""Coupons (templates a shopper claims), the coupons shoppers hold, redeem codes, 满减
promotions and what each order was discounted by."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.core.dbtypes import BigId, JSONType, case_sensitive_string
from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args


class Coupon(Base):
    """A coupon's terms and its issue counter.

    `claimed` only grows by a conditional update (`claimed < total`), so a coupon is never
    issued more than `total` times; `status` is active, paused or ended.
    """

    __tablename__ = "coupons"
    __table_args__ = table_args(
        CheckConstraint("claimed <= total", name="claimed_within_total"),
        CheckConstraint("claimed >= 0", name="claimed_not_negative"),
        Index("ix_coupons_status", "status", "id"),
    )

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    threshold_fen: Mapped[int] = mapped_column(Integer, default=0)
    discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    percent_off: Mapped[int] = mapped_column(Integer, default=0)
    cap_fen: Mapped[int] = mapped_column(Integer, default=0)
    scope_type: Mapped[str] = mapped_column(String(16), default="all")
    scope_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    valid_days: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    per_user_limit: Mapped[int] = mapped_column(Integer, default=1)
    new_user: Mapped[bool] = mapped_column(Boolean, default=False)
    by_code: Mapped[bool] = mapped_column(Boolean, default=False)
    stacks_with_promotions: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class CouponHolder(Base):
    """How many of one coupon one shopper claimed (the per-user limit's counter)."""

    __tablename__ = "coupon_holders"
    __table_args__ = table_args(UniqueConstraint("coupon_id", "user_id"))

    id: Mapped[IdPk]
    coupon_id: Mapped[int] = mapped_column(BigId, ForeignKey("coupons.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    claimed: Mapped[int] = mapped_column(Integer, default=0)


class UserCoupon(Base):
    """A coupon a shopper holds: usable → locked (by one unpaid order) → used, or back to
    usable when that order closes. Expiry is `expires_at`, not a status."""

    __tablename__ = "user_coupons"
    __table_args__ = table_args(
        Index("ix_user_coupons_user_status", "user_id", "status", "expires_at"),
        Index("ix_user_coupons_order", "order_id"),
        Index("ix_user_coupons_coupon", "coupon_id", "status"),
    )

    id: Mapped[IdPk]
    coupon_id: Mapped[int] = mapped_column(BigId, ForeignKey("coupons.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="usable")
    valid_from: Mapped[datetime]
    expires_at: Mapped[datetime]
    order_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="SET NULL")
    )
    discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]


class CouponCode(Base):
    """A 兑换码: redeemed once, for one claim of its coupon."""

    __tablename__ = "coupon_codes"
    __table_args__ = table_args(
        UniqueConstraint("code"), Index("ix_coupon_codes_coupon", "coupon_id")
    )

    id: Mapped[IdPk]
    coupon_id: Mapped[int] = mapped_column(BigId, ForeignKey("coupons.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(case_sensitive_string(32))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    redeemed_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]


class Promotion(Base):
    """A 满减活动: tiers `[{threshold_fen, discount_fen}]` applied without claiming."""

    __tablename__ = "promotions"
    __table_args__ = table_args(Index("ix_promotions_status", "status", "starts_at"))

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(64))
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    scope_type: Mapped[str] = mapped_column(String(16), default="all")
    scope_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class OrderDiscount(Base):
    """What one adjustment (a promotion, a coupon) took off one order, for stats and audit."""

    __tablename__ = "order_discounts"
    __table_args__ = table_args(
        Index("ix_order_discounts_order", "order_id"),
        Index("ix_order_discounts_source", "kind", "source_id"),
    )

    id: Mapped[IdPk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int] = mapped_column(BigId)
    amount_fen: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[CreatedAt]
