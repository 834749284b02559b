"""Community delivery: the shop's delivery settings, slot loads, each order's delivery, and
batches of routes planned for a slot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.core.dbtypes import BigId, JSONType
from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args


class DeliverySettings(Base):
    """One row: where the store is, how far it delivers, what it charges, its slots.

    `slots` is a list of `{"start": "09:00", "end": "11:00", "capacity": 30,
    "cutoff_minutes": 60}`, the same every day."""

    __tablename__ = "delivery_settings"

    id: Mapped[IdPk]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    store_address: Mapped[str] = mapped_column(String(200), default="")
    store_lat: Mapped[float | None] = mapped_column(Double)
    store_lng: Mapped[float | None] = mapped_column(Double)
    radius_m: Mapped[int] = mapped_column(Integer, default=3000)
    base_fee_fen: Mapped[int] = mapped_column(Integer, default=300)
    base_distance_m: Mapped[int] = mapped_column(Integer, default=1000)
    per_km_fee_fen: Mapped[int] = mapped_column(Integer, default=100)
    free_above_fen: Mapped[int] = mapped_column(Integer, default=0)
    slots: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    slot_days_ahead: Mapped[int] = mapped_column(Integer, default=2)
    pickup_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    pickup_address: Mapped[str] = mapped_column(String(200), default="")
    pickup_hours: Mapped[str] = mapped_column(String(64), default="09:00-21:00")
    express_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    express_fee_fen: Mapped[int] = mapped_column(Integer, default=1000)
    rider_capacity: Mapped[int] = mapped_column(Integer, default=20)
    rider_capacity_g: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """What one rider carries, in grams of the SKUs' weights (0: orders are counted only)."""
    service_minutes: Mapped[int] = mapped_column(Integer, default=3)
    auto_batch_riders: Mapped[int] = mapped_column(Integer, default=0)
    """At a slot's cut-off, plan its orders for this many riders (0: the merchant does)."""
    updated_at: Mapped[UpdatedAt]


class DeliverySlotLoad(Base):
    """How many orders a day's slot holds; taken by a conditional UPDATE (`taken < capacity`)."""

    __tablename__ = "delivery_slot_loads"
    __table_args__ = table_args(
        UniqueConstraint("slot_date", "slot_start"),
        CheckConstraint("taken >= 0", name="taken_not_negative"),
    )

    id: Mapped[IdPk]
    slot_date: Mapped[str] = mapped_column(String(10))
    slot_start: Mapped[str] = mapped_column(String(5))
    taken: Mapped[int] = mapped_column(Integer, default=0)


class DeliveryBatch(Base):
    """Routes planned for one slot; replanning replaces its routes."""

    __tablename__ = "delivery_batches"
    __table_args__ = table_args(Index("ix_delivery_batches_slot", "slot_date", "slot_start"))

    id: Mapped[IdPk]
    slot_date: Mapped[str] = mapped_column(String(10))
    slot_start: Mapped[str] = mapped_column(String(5))
    slot_end: Mapped[str] = mapped_column(String(5))
    riders: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class DeliveryRoute(Base):
    """One rider's tour of a batch (its stops are the `delivery_orders` rows pointing here)."""

    __tablename__ = "delivery_routes"
    __table_args__ = table_args(UniqueConstraint("batch_id", "rider_no"))

    id: Mapped[IdPk]
    batch_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("delivery_batches.id", ondelete="CASCADE")
    )
    rider_no: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[int] = mapped_column(Integer)
    link_token: Mapped[str] = mapped_column(String(32))
    """Part of what the rider link signs: a replanned route gets a new one, so old links die
    even where the database reuses the id."""
    created_at: Mapped[CreatedAt]


class DeliveryOrder(Base):
    """How one order reaches its shopper: the method, the slot, and where it is in a route."""

    __tablename__ = "delivery_orders"
    __table_args__ = table_args(
        Index("ix_delivery_orders_slot", "slot_date", "slot_start"),
        Index("ix_delivery_orders_route", "route_id", "seq"),
        UniqueConstraint("pickup_code"),
    )

    order_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    method: Mapped[str] = mapped_column(String(16))
    slot_date: Mapped[str | None] = mapped_column(String(10))
    slot_start: Mapped[str | None] = mapped_column(String(5))
    slot_end: Mapped[str | None] = mapped_column(String(5))
    distance_m: Mapped[int | None] = mapped_column(Integer)
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    slot_held: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("delivery_batches.id", ondelete="SET NULL")
    )
    route_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("delivery_routes.id", ondelete="SET NULL")
    )
    seq: Mapped[int | None] = mapped_column(Integer)
    eta_at: Mapped[datetime | None]
    distance_from_prev_m: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(16))
    fail_reason: Mapped[str | None] = mapped_column(String(200))
    outcome_at: Mapped[datetime | None]
    pickup_code: Mapped[str | None] = mapped_column(String(8))
    """What the shopper shows at the store for a 自提 order (unique; the merchant types it)."""
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
