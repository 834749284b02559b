"""Categories (two levels), goods with images, specs and SKUs, and home-page banners."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xiaodian.core.dbtypes import (
    BigId,
    JSONType,
    NullableJSONType,
    UTCDateTime,
    case_sensitive_string,
)
from xiaodian.models.base import Base, CreatedAt, IdPk, UpdatedAt, table_args


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = table_args(Index("ix_categories_parent", "parent_id", "sort_order"))

    id: Mapped[IdPk]
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("categories.id", ondelete="RESTRICT")
    )
    name: Mapped[str] = mapped_column(String(32))
    icon_url: Mapped[str] = mapped_column(String(500), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Goods(Base):
    """A product as the shopper sees it; what is bought is one of its SKUs.

    `price_fen` is the lowest active SKU price and `sales` the paid units, both kept here so
    lists can filter and sort on them.
    """

    __tablename__ = "goods"
    __table_args__ = table_args(
        Index("ix_goods_category", "category_id"),
        Index("ix_goods_shelf_sales", "is_on_shelf", "sales"),
        Index("ix_goods_shelf_created", "is_on_shelf", "created_at"),
        Index("ix_goods_shelf_price", "is_on_shelf", "price_fen"),
        # the list's default order (the merchant's, then best sellers): a page reads the index
        Index("ix_goods_shelf_sort", "is_on_shelf", "sort_order", "sales"),
        # counts the list's matches from the index alone (price filters, not deleted)
        Index("ix_goods_listed_price", "is_on_shelf", "deleted_at", "price_fen"),
    )

    id: Mapped[IdPk]
    category_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("categories.id", ondelete="RESTRICT")
    )
    title: Mapped[str] = mapped_column(String(120))
    subtitle: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(16), default="件")
    description: Mapped[str] = mapped_column(Text, default="")
    # ordered text and image blocks (catalog/description.py); None: `description` alone
    description_blocks: Mapped[list[dict[str, Any]] | None] = mapped_column(
        NullableJSONType, default=None
    )
    price_fen: Mapped[int] = mapped_column(Integer, default=0)
    market_price_fen: Mapped[int] = mapped_column(Integer, default=0)
    sales: Mapped[int] = mapped_column(Integer, default=0)
    is_on_shelf: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    images: Mapped[list[GoodsImage]] = relationship(
        order_by="GoodsImage.sort_order", cascade="all, delete-orphan", lazy="raise"
    )
    specs: Mapped[list[GoodsSpec]] = relationship(
        order_by="GoodsSpec.sort_order", cascade="all, delete-orphan", lazy="raise"
    )
    skus: Mapped[list[Sku]] = relationship(
        order_by="Sku.id", cascade="all, delete-orphan", lazy="raise", back_populates="goods"
    )


class GoodsImage(Base):
    __tablename__ = "goods_images"
    __table_args__ = table_args(Index("ix_goods_images_goods", "goods_id", "sort_order"))

    id: Mapped[IdPk]
    goods_id: Mapped[int] = mapped_column(BigId, ForeignKey("goods.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(500))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class GoodsSpec(Base):
    """One dimension of choice (e.g. 重量) and its values in display order."""

    __tablename__ = "goods_specs"
    __table_args__ = table_args(Index("ix_goods_specs_goods", "goods_id", "sort_order"))

    id: Mapped[IdPk]
    goods_id: Mapped[int] = mapped_column(BigId, ForeignKey("goods.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))
    values: Mapped[list[str]] = mapped_column(JSONType)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Sku(Base):
    """A purchasable variant; `stock` never goes below zero (checked here and in every update)."""

    __tablename__ = "skus"
    __table_args__ = table_args(
        Index("ix_skus_goods", "goods_id"),
        # the dashboard's low-stock list (migration 0024); led by the threshold, so that no
        # statement taking or returning units finds a SKU through it (see the migration)
        Index("ix_skus_low_stock", "low_stock_below", "stock"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_fen >= 0", name="price_not_negative"),
    )

    id: Mapped[IdPk]
    goods_id: Mapped[int] = mapped_column(BigId, ForeignKey("goods.id", ondelete="CASCADE"))
    spec_values: Mapped[list[str]] = mapped_column(JSONType)
    price_fen: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    stock_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped by every write of `stock` (inventory): live pushes keep the newest value."""
    low_stock_below: Mapped[int | None] = mapped_column(Integer)
    """Alert the merchant (channel, `stock.low` webhook) below this; None: the shop's default."""
    low_stock_alerted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A `stock.low` webhook went out since the stock was last at or above the threshold (set
    and cleared with conditional updates, so one crossing gives one webhook)."""
    sales: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(64), default="")
    image_url: Mapped[str] = mapped_column(String(500), default="")
    """This SKU's own picture (shown when a shopper picks it); "": the goods' cover."""
    market_price_fen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """This SKU's own 划线价: 0 = none (the goods' 划线价 is shown), else at least `price_fen`."""
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    weight_g: Mapped[int | None] = mapped_column(Integer)
    """Weight of one unit in grams (riders' capacity by weight); None: not weighed."""
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    goods: Mapped[Goods] = relationship(back_populates="skus", lazy="raise")


class Banner(Base):
    __tablename__ = "banners"

    id: Mapped[IdPk]
    title: Mapped[str] = mapped_column(String(64), default="")
    image_url: Mapped[str] = mapped_column(String(500))
    link_type: Mapped[str] = mapped_column(String(16), default="none")
    link_value: Mapped[str] = mapped_column(String(500), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class GoodsSearchTerm(Base):
    """The search index: every one- and two-character piece (casefolded) of a goods item's
    title, subtitle and SKU codes, kept by `catalog.search` whenever those change.

    A keyword is looked up by its pieces here (an index seek per piece), and only the goods
    that have all of them are checked with LIKE, so a substring search over a large catalog
    is not a full scan; Chinese needs no word segmentation this way.
    """

    __tablename__ = "goods_search_terms"
    __table_args__ = table_args(Index("ix_goods_search_terms_goods", "goods_id"))

    term: Mapped[str] = mapped_column(case_sensitive_string(2), primary_key=True)
    goods_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("goods.id", ondelete="CASCADE"), primary_key=True
    )


class SearchCount(Base):
    """How often shoppers searched a keyword (casefolded, trimmed) on one shop-local day: the
    source of the search page's hot keywords. Written in batches by `catalog.hot`."""

    __tablename__ = "search_counts"
    __table_args__ = table_args(Index("ix_search_counts_day", "day"))

    term: Mapped[str] = mapped_column(case_sensitive_string(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    searches: Mapped[int] = mapped_column(Integer, default=0)


class PinnedSearchWord(Base):
    """A hot keyword the merchant pins: listed first by `GET /search/hot`, in `sort_order`."""

    __tablename__ = "pinned_search_words"
    __table_args__ = table_args(UniqueConstraint("word", name="uq_pinned_search_words_word"))

    id: Mapped[IdPk]
    word: Mapped[str] = mapped_column(case_sensitive_string(20))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class RestockReminder(Base):
    """到货提醒: a shopper asked to be told once when a sold-out SKU has stock again.
    `notified_at` is set when the reminder is used; asking again after that starts a new row."""

    __tablename__ = "restock_reminders"
    __table_args__ = table_args(
        UniqueConstraint("user_id", "sku_id"),
        Index("ix_restock_reminders_waiting", "sku_id", "notified_at"),
    )

    id: Mapped[IdPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    sku_id: Mapped[int] = mapped_column(BigId, ForeignKey("skus.id", ondelete="CASCADE"))
    goods_id: Mapped[int] = mapped_column(BigId, ForeignKey("goods.id", ondelete="CASCADE"))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[CreatedAt]
