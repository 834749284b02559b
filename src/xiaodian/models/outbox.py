"""The outbox: events whose receivers must run, written in the transaction that caused them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.core.dbtypes import JSONType
from xiaodian.models.base import Base, CreatedAt, IdPk, table_args


class OutboxEntry(Base):
    """One durable receiver's delivery of one event. `status`: pending → done, or failed
    after too many attempts; a worker claims an entry with a lease before running it."""

    __tablename__ = "outbox"
    __table_args__ = table_args(Index("ix_outbox_status_due", "status", "next_attempt_at"))

    id: Mapped[IdPk]
    event: Mapped[str] = mapped_column(String(64))
    receiver: Mapped[str] = mapped_column(String(96))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(500))
    done_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]
