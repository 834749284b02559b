"""Catalog query pieces shared by the shopper and merchant sides."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog.hints import stock_hint
from xiaodian.catalog.schemas import GoodsCard
from xiaodian.core import urls
from xiaodian.models import Category, Goods, GoodsImage, Sku

CARD_IMAGE_WIDTH = 480


def stock_left_subquery() -> Any:
    return (
        select(Sku.goods_id, func.sum(Sku.stock).label("stock_left"))
        .where(Sku.is_active.is_(True))
        .group_by(Sku.goods_id)
        .subquery()
    )


def cover_subquery() -> Any:
    return (
        select(GoodsImage.url)
        .where(GoodsImage.goods_id == Goods.id)
        .order_by(GoodsImage.sort_order, GoodsImage.id)
        .limit(1)
        .correlate(Goods)
        .scalar_subquery()
    )


def card_select() -> tuple[Select[Any], Any]:
    """SELECT goods + stock_left + cover for building cards; returns (statement, stock column)."""
    stock = stock_left_subquery()
    stock_left = func.coalesce(stock.c.stock_left, 0).label("stock_left")
    statement = select(Goods, stock_left, cover_subquery().label("cover")).outerjoin(
        stock, stock.c.goods_id == Goods.id
    )
    return statement, stock_left


def card_from_row(goods: Goods, stock_left: int | None, cover: str | None) -> GoodsCard:
    return GoodsCard(
        id=goods.id,
        title=goods.title,
        subtitle=goods.subtitle,
        cover_url=urls.sized(cover, CARD_IMAGE_WIDTH) if cover else "",
        price_fen=goods.price_fen,
        market_price_fen=goods.market_price_fen,
        sales=goods.sales,
        stock_left=int(stock_left or 0),
        stock_hint=stock_hint(int(stock_left or 0)),
        unit=goods.unit,
        category_id=goods.category_id,
    )


def cards_from_rows(rows: Iterable[Any]) -> list[GoodsCard]:
    return [card_from_row(row[0], row[1], row[2]) for row in rows]


async def cards_by_id(session: AsyncSession, goods_ids: Sequence[int]) -> dict[int, GoodsCard]:
    """Cards for these goods (deleted ones included, so history still shows what it was)."""
    if not goods_ids:
        return {}
    statement, _ = card_select()
    rows = await session.execute(statement.where(Goods.id.in_(set(goods_ids))))
    return {card.id: card for card in cards_from_rows(rows)}


def on_sale() -> Any:
    """Goods a shopper may see in lists."""
    return (Goods.is_on_shelf.is_(True)) & (Goods.deleted_at.is_(None))


async def category_with_children(session: AsyncSession, category_id: int) -> list[int]:
    rows = await session.execute(select(Category.id).where(Category.parent_id == category_id))
    return [category_id, *rows.scalars()]


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def refresh_goods_price(session: AsyncSession, goods: Goods) -> None:
    """Keep `goods.price_fen` at the lowest active SKU price (what lists sort and filter on)."""
    lowest = await session.scalar(
        select(func.min(Sku.price_fen)).where(Sku.goods_id == goods.id, Sku.is_active.is_(True))
    )
    goods.price_fen = int(lowest or 0)


def spec_text(spec_values: Sequence[str]) -> str:
    """How a SKU's choice reads on carts and orders: "500g / 红色"."""
    return " / ".join(spec_values)


def sku_rows_select() -> Select[Any]:
    """SKU + its goods + the goods cover, for carts and checkouts."""
    return select(Sku, Goods, cover_subquery().label("cover")).join(Goods, Goods.id == Sku.goods_id)


def is_purchasable(sku: Sku, goods: Goods) -> bool:
    return sku.is_active and goods.is_on_shelf and goods.deleted_at is None
