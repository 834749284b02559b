"""The WeChat platform around the shop: shipping-info uploads per order, the merchant's
subscribe-message templates, shoppers' one-time grants and the messages sent."""

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


class WechatShipping(Base):
    """One order's shipping-info upload (发货信息管理). `status`: pending → uploaded, or
    failed (with the error) and retried by the sweep at `next_attempt_at`."""

    __tablename__ = "wechat_shippings"
    __table_args__ = table_args(
        UniqueConstraint("order_id"),
        Index("ix_wechat_shippings_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[IdPk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    logistics_type: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    """An attempt is in flight until then (a crashed one is tried again after it)."""
    last_error: Mapped[str | None] = mapped_column(String(255))
    uploaded_at: Mapped[datetime | None]
    reuploads: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Uploads after the first (a corrected tracking number); WeChat allows one."""
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class SubscribeTemplate(Base):
    """Which template the merchant chose for an event, and which of our values fill which of
    the template's fields (`fields`: {"thing1": "goods_title", "amount2": "total", …})."""

    __tablename__ = "subscribe_templates"
    __table_args__ = table_args(UniqueConstraint("event"))

    id: Mapped[IdPk]
    event: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[str] = mapped_column(case_sensitive_string(64))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    page: Mapped[str] = mapped_column(String(200), default="")
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class SubscribeGrant(Base):
    """One-time grants a shopper gave for a template (`wx.requestSubscribeMessage` "accept"):
    each lets us send one message; spent by a conditional decrement."""

    __tablename__ = "subscribe_grants"
    __table_args__ = table_args(
        UniqueConstraint("user_id", "template_id"),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
    )

    id: Mapped[IdPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(case_sensitive_string(64))
    remaining: Mapped[int] = mapped_column(Integer, default=0)
    accepted_total: Mapped[int] = mapped_column(Integer, default=0)
    rejected_total: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[UpdatedAt]


class SubscribeMessage(Base):
    """A message for one event of one thing (an order), to one shopper: at most one, ever
    (the unique key makes a re-run outbox entry send nothing twice)."""

    __tablename__ = "subscribe_messages"
    __table_args__ = table_args(
        UniqueConstraint("event", "ref_id", "user_id"),
        Index("ix_subscribe_messages_created", "created_at"),
    )

    id: Mapped[IdPk]
    event: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[int] = mapped_column(BigId)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(case_sensitive_string(64))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
