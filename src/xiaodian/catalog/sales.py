"""The paid-units counters lists sort on (热销榜) and the merchant reads per SKU."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.models import Goods, Sku


async def add_sales(
    session: AsyncSession, *, goods_quantities: Mapping[int, int], sku_quantities: Mapping[int, int]
) -> None:
    """Count paid units (negative for units refunded), rows in primary-key order."""
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
