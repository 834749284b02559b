"""Stock pools set aside for an activity (a flash-sale session's item, a group-buy campaign)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.core.dbtypes import BigId
from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args


class StockQuota(Base):
    """Units moved out of a SKU's stock into an activity's own pool.

    `left` is what the pool can still sell; `allocated` what was moved in over its life.
    While `status` is open, units of its closed orders come back here; once closed, what was
    left went back to the SKU and later returns go to the SKU directly.
    """

    __tablename__ = "stock_quotas"
    __table_args__ = table_args(
        UniqueConstraint("activity", "activity_id", "sku_id"),
        Index("ix_stock_quotas_sku", "sku_id"),
        CheckConstraint("units_left >= 0", name="left_not_negative"),
    )

    id: Mapped[IdPk]
    activity: Mapped[str] = mapped_column(String(16))
    activity_id: Mapped[int] = mapped_column(BigId)
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id", ondelete="RESTRICT"))
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    units_left: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
