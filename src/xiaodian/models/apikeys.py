"""Machine clients of the merchant API: named API keys (stored hashed) and the results of their
idempotent stock requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.core.dbtypes import BigId, JSONType, case_sensitive_string
from xiaodian.models.base import Base, CreatedAt, IdPk, table_args


class ApiKey(Base):
    """`Authorization: Bearer xdk_…`: only its SHA-256 is stored; `prefix` is what the console
    shows to tell keys apart."""

    __tablename__ = "api_keys"
    __table_args__ = table_args(UniqueConstraint("key_hash"))

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    created_by: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("admin_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class MerchantRequest(Base):
    """An `Idempotency-Key` of a merchant caller (`principal`: "key:<id>" or "admin:<id>") on a
    bulk stock request, with the answer a retry gets again."""

    __tablename__ = "merchant_requests"
    __table_args__ = table_args(UniqueConstraint("principal", "key"))

    id: Mapped[IdPk]
    principal: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(case_sensitive_string(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[CreatedAt]


class WebhookEndpoint(Base):
    """A URL of the merchant's own system that hears of `events` (signed with its secret)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[IdPk]
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSONType)
    secret_sealed: Mapped[str] = mapped_column(String(160))
    """The HMAC key, encrypted (`sync.sealing`: both sides need it as is, so it is kept, and
    shown once, on creation)."""
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]


class WebhookDelivery(Base):
    """One event for one endpoint; sent through the outbox (retried with backoff for a day)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = table_args(
        UniqueConstraint("endpoint_id", "event_key"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[IdPk]
    endpoint_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str] = mapped_column(String(96))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_response: Mapped[str] = mapped_column(String(500), default="")
    last_error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[CreatedAt]
    delivered_at: Mapped[datetime | None]
