"""Payments (one per order and channel), verified notifications, refunds, anomalies and the
merchant's stored payment credentials."""

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
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.core.dbtypes import BigId, JSONType, case_sensitive_string
from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args


class Payment(Base):
    """Collecting one order's money through one channel. `status`: pending → succeeded, or
    pending → closed; every change is conditional on the old status.

    `next_check_at` is when the reconciliation sweep asks the channel next (None: nothing left
    to ask); `check_failures` counts attempts in a row that got no answer or failed, and backs
    the next one off; `check_error` says why applying the last answer failed."""

    __tablename__ = "payments"
    __table_args__ = table_args(
        UniqueConstraint("channel", "out_trade_no"),
        Index("ix_payments_order", "order_id"),
        Index("ix_payments_status_created", "status", "created_at"),
        Index("ix_payments_status_next_check", "status", "next_check_at"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[IdPk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(String(16))
    api: Mapped[str] = mapped_column(String(8))
    out_trade_no: Mapped[str] = mapped_column(case_sensitive_string(64))
    amount_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    prepay_id: Mapped[str | None] = mapped_column(String(128))
    prepay_expires_at: Mapped[datetime | None]
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    payer_openid: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(String(255))
    last_checked_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None]
    check_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    check_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class PaymentNotification(Base):
    """Every verified notification we applied, under a unique key: duplicates change nothing."""

    __tablename__ = "payment_notifications"
    __table_args__ = table_args(UniqueConstraint("channel", "event_key"))

    id: Mapped[IdPk]
    channel: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(case_sensitive_string(96))
    event_type: Mapped[str] = mapped_column(String(48))
    out_trade_no: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[CreatedAt]


class Refund(Base):
    """Money going back: an after-sale request (by lines) or an automatic refund of a payment
    that arrived for a closed order. `out_refund_no` is stable across retries.

    `next_check_at`, `check_failures` and `check_error` back off the refund sweep for a refund
    the channel could not be asked about, or whose handling failed."""

    __tablename__ = "refunds"
    __table_args__ = table_args(
        UniqueConstraint("out_refund_no"),
        Index("ix_refunds_order", "order_id"),
        Index("ix_refunds_status", "status", "updated_at"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[IdPk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="RESTRICT"))
    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("payments.id", ondelete="RESTRICT"))
    out_refund_no: Mapped[str] = mapped_column(case_sensitive_string(64))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    lines: Mapped[list[dict[str, int]]] = mapped_column(JSONType, default=list)
    restock: Mapped[bool] = mapped_column(Boolean, default=False)
    return_goods: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """退货退款: the goods come back (the shopper ships them) before the money goes out."""
    photos: Mapped[list[str] | None] = mapped_column(JSONType, default=list)
    return_address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    return_carrier: Mapped[str] = mapped_column(String(32), default="", server_default="")
    return_tracking_no: Mapped[str] = mapped_column(String(64), default="", server_default="")
    return_due_at: Mapped[datetime | None]
    """The shopper must ship the goods back before this, or the request closes."""
    return_shipped_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    decided_by: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
    channel_refund_id: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(String(255))
    next_check_at: Mapped[datetime | None]
    check_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    check_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class PaymentAnomaly(Base):
    """Something about money the merchant should look at: a mismatched or unknown
    notification, a payment refunded because its order had closed."""

    __tablename__ = "payment_anomalies"
    __table_args__ = table_args(
        UniqueConstraint("kind", "event_key"), Index("ix_payment_anomalies_created", "created_at")
    )

    id: Mapped[IdPk]
    kind: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str] = mapped_column(case_sensitive_string(96))
    channel: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[int | None] = mapped_column(BigId)
    out_trade_no: Mapped[str] = mapped_column(String(64), default="")
    amount_fen: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[CreatedAt]


class PaymentCredential(Base):
    """A payment credential the owner entered in the console, encrypted with the server's
    secret key; it overrides the environment's value of the same name."""

    __tablename__ = "payment_credentials"
    __table_args__ = table_args(UniqueConstraint("name"))

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[UpdatedAt]
