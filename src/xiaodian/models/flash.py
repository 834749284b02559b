"""Flash sales (秒杀): sessions with a time window, their items, and who bought how many."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xiaodian.core.dbtypes import BigId
from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args


class FlashSession(Base):
    """A window `[starts_at, ends_at)` in which its items sell at their flash price.

    `ended_at` is set once, when the session is ended (by the merchant or the sweep after
    `ends_at`): its pools are closed then and what they had left went back to the SKUs.
    """

    __tablename__ = "flash_sessions"
    __table_args__ = table_args(Index("ix_flash_sessions_window", "ends_at", "starts_at"))

    id: Mapped[IdPk]
    title: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    unpaid_minutes: Mapped[int] = mapped_column(Integer, default=5)
    ended_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    items: Mapped[list[FlashItem]] = relationship(
        back_populates="session", order_by="FlashItem.id", lazy="raise"
    )


class FlashItem(Base):
    """One SKU at a flash price, selling from its own pool (`quota_id`, an inventory pool).

    `flash_stock` is what the merchant set aside; the pool's `units_left` is what is still
    unsold. `participants` counts distinct buyers (for `max_participants`).
    """

    __tablename__ = "flash_items"
    __table_args__ = table_args(
        UniqueConstraint("session_id", "sku_id"),
        Index("ix_flash_items_sku", "sku_id"),
        CheckConstraint("flash_price_fen >= 1", name="price_positive"),
        CheckConstraint("per_user_limit >= 1", name="limit_positive"),
        CheckConstraint("participants >= 0", name="participants_not_negative"),
    )

    id: Mapped[IdPk]
    session_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("flash_sessions.id", ondelete="CASCADE")
    )
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id", ondelete="RESTRICT"))
    goods_id: Mapped[int] = mapped_column(BigId, ForeignKey("goods.id", ondelete="RESTRICT"))
    quota_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("stock_quotas.id", ondelete="RESTRICT")
    )
    flash_price_fen: Mapped[int] = mapped_column(Integer)
    flash_stock: Mapped[int] = mapped_column(Integer, default=0)
    per_user_limit: Mapped[int] = mapped_column(Integer, default=1)
    max_participants: Mapped[int | None] = mapped_column(Integer)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    session: Mapped[FlashSession] = relationship(back_populates="items", lazy="raise")


class FlashPurchase(Base):
    """How many units of an item one shopper holds in open or paid flash orders.

    The unique key and the conditional `units + n <= per_user_limit` update are the
    database's final say on the per-user limit; closing an unpaid order gives its units back.
    """

    __tablename__ = "flash_purchases"
    __table_args__ = table_args(
        UniqueConstraint("item_id", "user_id"),
        Index("ix_flash_purchases_user", "user_id"),
        CheckConstraint("units >= 0", name="units_not_negative"),
    )

    id: Mapped[IdPk]
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("flash_items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    units: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class FlashReminder(Base):
    """A shopper tapped 提醒我 on an upcoming item: one subscribe message when its session
    starts (`status` waiting → sent | no_grant | refused | invalid | skipped | late)."""

    __tablename__ = "flash_reminders"
    __table_args__ = table_args(
        UniqueConstraint("item_id", "user_id"),
        Index("ix_flash_reminders_session_status", "session_id", "status"),
    )

    id: Mapped[IdPk]
    session_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("flash_sessions.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("flash_items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
