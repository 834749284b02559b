"""Reviews: one per order line, after the order completes."""

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

from xiaodian.core.dbtypes import BigId, JSONType
from xiaodian.models.base import Base, CreatedAt, IdPk, table_args


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = table_args(
        UniqueConstraint("order_line_id"),
        Index("ix_reviews_goods", "goods_id", "is_hidden", "created_at"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[IdPk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    order_line_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("order_lines.id", ondelete="CASCADE")
    )
    goods_id: Mapped[int] = mapped_column(BigId, ForeignKey("goods.id", ondelete="CASCADE"))
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    spec_text: Mapped[str] = mapped_column(String(120), default="")
    score: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(String(500), default="")
    images: Mapped[list[str]] = mapped_column(JSONType, default=list)
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    moderation: Mapped[str] = mapped_column(String(16), default="pass", server_default="pass")
    """Content security: pass, or held for the merchant (review | unchecked) until approved."""
    reply: Mapped[str] = mapped_column(String(500), default="")
    replied_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]
