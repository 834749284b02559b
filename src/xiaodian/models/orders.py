"""Orders, their lines (price and title snapshots), the status timeline and idempotency keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xiaodian.core.dbtypes import BigId, case_sensitive_string
from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args


class Order(Base):
    """One checkout. `status` changes only through `orders.state` (conditional on the old one)."""

    __tablename__ = "orders"
    __table_args__ = table_args(
        UniqueConstraint("order_no"),
        Index("ix_orders_user_status", "user_id", "status", "created_at"),
        Index("ix_orders_status_expires", "status", "expires_at"),
        Index("ix_orders_status_confirm", "status", "auto_confirm_at"),
        Index("ix_orders_created", "created_at"),
        # The dashboard's takings over days, summed from the index alone.
        Index("ix_orders_paid_total", "paid_at", "total_fen"),
        CheckConstraint("total_fen >= 0", name="total_not_negative"),
    )

    id: Mapped[IdPk]
    order_no: Mapped[str] = mapped_column(case_sensitive_string(32))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(16), default="normal")
    goods_total_fen: Mapped[int] = mapped_column(Integer)
    freight_fen: Mapped[int] = mapped_column(Integer, default=0)
    discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    total_fen: Mapped[int] = mapped_column(Integer)
    item_count: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    receiver_name: Mapped[str] = mapped_column(String(64))
    receiver_phone: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(32))
    city: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(32))
    address_detail: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Double)
    lng: Mapped[float | None] = mapped_column(Double)
    expires_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(32))
    carrier: Mapped[str | None] = mapped_column(String(32))
    tracking_no: Mapped[str | None] = mapped_column(String(64))
    auto_confirm_at: Mapped[datetime | None]
    status_before_refund: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    lines: Mapped[list[OrderLine]] = relationship(
        order_by="OrderLine.id", cascade="all, delete-orphan", lazy="raise"
    )


class OrderLine(Base):
    """What was bought, frozen at order time; `pay_fen` = goods total minus its discount share."""

    __tablename__ = "order_lines"
    # Also covers the dashboard's top goods (units and takings per goods over a month).
    __table_args__ = table_args(
        Index("ix_order_lines_order_sums", "order_id", "goods_id", "quantity", "pay_fen"),
        Index("ix_order_lines_paid_sums", "paid_at", "goods_id", "quantity", "pay_fen"),
    )

    id: Mapped[IdPk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    goods_id: Mapped[int] = mapped_column(BigId, ForeignKey("goods.id", ondelete="RESTRICT"))
    sku_id: Mapped[int] = mapped_column(BigId, index=True)
    """The SKU sold (no foreign key, like `quota_id`: checking one would make every order's
    line insert share-lock the SKU row it then takes units from; see `orders.actions.place`).
    SKUs are never deleted, only taken off sale."""
    title: Mapped[str] = mapped_column(String(120))
    spec_text: Mapped[str] = mapped_column(String(120), default="")
    image_url: Mapped[str] = mapped_column(String(500), default="")
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    goods_total_fen: Mapped[int] = mapped_column(Integer)
    discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    pay_fen: Mapped[int] = mapped_column(Integer)
    quota_id: Mapped[int | None] = mapped_column(BigId, index=True)
    """The activity pool (flash sale, group buy) the units came from; None for plain stock.
    Pools are closed, never deleted."""
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    """The order's `paid_at`, copied when it is paid (`orders.actions.mark_paid`): the
    dashboard's top goods read a month of lines from one index range, not one lookup into
    `orders` per line (migration 0023)."""
    is_reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OrderEvent(Base):
    """The order's timeline: every status change, who made it and why."""

    __tablename__ = "order_events"
    __table_args__ = table_args(Index("ix_order_events_order", "order_id", "id"))

    id: Mapped[IdPk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigId)
    """The shopper's or merchant account's id (None for the system)."""
    actor_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """Which sweep or channel acted for the system."""
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[CreatedAt]


class IdempotencyKey(Base):
    """A shopper's `Idempotency-Key` for order creation: a retried request gets the same order."""

    __tablename__ = "idempotency_keys"
    __table_args__ = table_args(UniqueConstraint("user_id", "key"))

    id: Mapped[IdPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(case_sensitive_string(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    created_at: Mapped[CreatedAt]
