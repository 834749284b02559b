"""The ORM reads that hot paths replaced with Core statements, kept as the reference the
tests compare the Core answers with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from xiaodian.catalog.queries import cover_subquery
from xiaodian.models import Goods, Sku


def sku_rows_select() -> Select[Any]:
    """SKU + its goods + the goods cover (what carts and checkouts loaded as ORM objects)."""
    return select(Sku, Goods, cover_subquery().label("cover")).join(Goods, Goods.id == Sku.goods_id)


def is_purchasable(sku: Sku, goods: Goods) -> bool:
    return sku.is_active and goods.is_on_shelf and goods.deleted_at is None
