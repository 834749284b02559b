"""Shopping cart lines: one per shopper and SKU."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.core.dbtypes import BigId
from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args


class CartItem(Base):
    __tablename__ = "cart_items"
    __table_args__ = table_args(UniqueConstraint("user_id", "sku_id"))

    id: Mapped[IdPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    selected: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
