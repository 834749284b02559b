"""Group buying (拼团): campaigns with per-SKU group prices, groups, and their seats."""

from __future__ import annotations

from datetime import datetime

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

from xiaodian.core.dbtypes import BigId
from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args


class GroupBuy(Base):
    """A campaign on one goods item. `stock` (optional) is the number of units of each SKU
    moved out of the SKU's normal stock into the campaign's own pool (`stock_quotas`)."""

    __tablename__ = "group_buys"
    __table_args__ = table_args(
        Index("ix_group_buys_status_ends", "status", "ends_at"),
        CheckConstraint("group_size >= 2 AND group_size <= 10", name="size_range"),
    )

    id: Mapped[IdPk]
    goods_id: Mapped[int] = mapped_column(BigId, ForeignKey("goods.id", ondelete="RESTRICT"))
    group_size: Mapped[int] = mapped_column(Integer)
    price_percent: Mapped[int | None] = mapped_column(Integer)
    fill_minutes: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    per_user_limit: Mapped[int | None] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)
    leader_discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    simulated_fill_min_members: Mapped[int | None] = mapped_column(Integer)
    allow_coupons: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    groups_filled: Mapped[int] = mapped_column(Integer, default=0)
    groups_failed: Mapped[int] = mapped_column(Integer, default=0)
    ended_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class GroupBuyPrice(Base):
    """A SKU's group price in a campaign, and the campaign's pool of its units (if any)."""

    __tablename__ = "group_buy_prices"
    __table_args__ = table_args(UniqueConstraint("campaign_id", "sku_id"))

    id: Mapped[IdPk]
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("group_buys.id", ondelete="CASCADE"))
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id", ondelete="RESTRICT"))
    group_price_fen: Mapped[int] = mapped_column(Integer)
    quota_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("stock_quotas.id", ondelete="RESTRICT")
    )


class BuyGroup(Base):
    """One group of a campaign. `seats_taken` (reserved or paid) and `seats_paid` change only
    by conditional updates, which also serialise every change to the group."""

    __tablename__ = "group_buy_groups"
    __table_args__ = table_args(
        Index("ix_group_buy_groups_status_expires", "status", "expires_at"),
        Index("ix_group_buy_groups_campaign", "campaign_id", "status"),
        CheckConstraint("seats_taken <= group_size", name="seats_within_size"),
        CheckConstraint("seats_paid <= seats_taken", name="paid_within_taken"),
    )

    id: Mapped[IdPk]
    campaign_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("group_buys.id", ondelete="RESTRICT")
    )
    leader_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="RESTRICT"))
    group_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    seats_paid: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class GroupSeat(Base):
    """A member's seat: reserved by creating the order, paid with it, released when the
    order closes unpaid (its `seat_no` is then cleared so the number can be taken again)."""

    __tablename__ = "group_buy_seats"
    __table_args__ = table_args(
        UniqueConstraint("group_id", "seat_no"),
        UniqueConstraint("order_id"),
        Index("ix_group_buy_seats_user", "user_id", "campaign_id", "status"),
    )

    id: Mapped[IdPk]
    group_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("group_buy_groups.id", ondelete="CASCADE")
    )
    campaign_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("group_buys.id", ondelete="RESTRICT")
    )
    seat_no: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="RESTRICT"))
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="RESTRICT"))
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    paid_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
