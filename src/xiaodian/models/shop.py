"""The shop's own settings, editable by the owner (one row)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xiaodian.models.base import Base, IdPk, UpdatedAt


class ShopSettings(Base):
    __tablename__ = "shop_settings"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(64), default="小店")
    logo_url: Mapped[str] = mapped_column(String(500), default="")
    service_phone: Mapped[str] = mapped_column(String(20), default="")
    notice: Mapped[str] = mapped_column(String(200), default="")
    unpaid_timeout_minutes: Mapped[int] = mapped_column(Integer, default=30)
    auto_confirm_days: Mapped[int] = mapped_column(Integer, default=10)
    freight_fen: Mapped[int] = mapped_column(Integer, default=800)
    free_freight_threshold_fen: Mapped[int] = mapped_column(Integer, default=9900)
    low_stock_below: Mapped[int | None] = mapped_column(Integer)
    """Stock below this is low (the hint "仅剩 N 件", the dashboard's list, the low-stock alert)
    for a SKU without its own threshold; None: `XIAODIAN_STOCK_HINT_BELOW`."""
    updated_at: Mapped[UpdatedAt]
