"""Taking and returning stock: conditional updates, so stock can never go below zero."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog.errors import OutOfStock
from xiaodian.models import Goods, Sku


async def take_stock(session: AsyncSession, *, quantities: Mapping[int, int]) -> None:
    """Take `quantities[sku_id]` units of each SKU or raise OutOfStock (taking nothing).

    Rows are updated in primary-key order so two orders over the same SKUs cannot deadlock;
    each UPDATE only succeeds while enough stock is left, which the database decides.
    """
    for sku_id in sorted(quantities):
        quantity = quantities[sku_id]
        result = await session.execute(
            update(Sku)
            .where(Sku.id == sku_id, Sku.is_active.is_(True), Sku.stock >= quantity)
            .values(stock=Sku.stock - quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise OutOfStock("库存不足，请减少数量或选择其他规格", sku_id=sku_id)


async def return_stock(session: AsyncSession, *, quantities: Mapping[int, int]) -> None:
    """Give units back (an unpaid order closed, goods refunded before shipping).

    Callers guarantee "exactly once" by only calling this after winning the order's state
    transition, which is itself conditional.
    """
    for sku_id in sorted(quantities):
        await session.execute(
            update(Sku)
            .where(Sku.id == sku_id)
            .values(stock=Sku.stock + quantities[sku_id])
            .execution_options(synchronize_session=False)
        )


async def add_sales(
    session: AsyncSession, *, goods_quantities: Mapping[int, int], sku_quantities: Mapping[int, int]
) -> None:
    """Count paid units towards the 热销榜 (goods) and per-SKU sales."""
    for sku_id in sorted(sku_quantities):
        await session.execute(
            update(Sku)
            .where(Sku.id == sku_id)
            .values(sales=Sku.sales + sku_quantities[sku_id])
            .execution_options(synchronize_session=False)
        )
    for goods_id in sorted(goods_quantities):
        await session.execute(
            update(Goods)
            .where(Goods.id == goods_id)
            .values(sales=Goods.sales + goods_quantities[goods_id])
            .execution_options(synchronize_session=False)
        )
