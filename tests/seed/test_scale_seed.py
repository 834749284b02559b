"""`xiaodian seed --scale N` (`seed.scale.seed_scale`) with small sizes: the counts it reports
are in the tables, the new goods are whole (a detail page, SKUs, a picture) and searchable,
and the merchant sees the past orders with their lines."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from tests import factories
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.models import Goods, Order, OrderLine, Sku, User
from xiaodian.seed.demo import seed_demo
from xiaodian.seed.scale import Sizes, seed_scale


async def test_the_large_shop_is_whole_and_searchable(
    client: httpx.AsyncClient, context: AppContext, settings: Settings
) -> None:
    async with context.db.transaction() as session:
        assert await seed_demo(session, settings=settings, history=False)
    report = await seed_scale(context.db, scale=2, sizes=Sizes(goods=30, shoppers=20, orders=40))
    assert (report.goods, report.skus, report.shoppers, report.orders) == (60, 180, 40, 80)
    async with context.db.transaction(write=False) as session:
        goods = await session.scalar(select(func.count()).select_from(Goods))
        skus = await session.scalar(select(func.count()).select_from(Sku))
        shoppers = await session.scalar(select(func.count()).select_from(User))
        orders = await session.scalar(select(func.count()).select_from(Order))
        lines = await session.scalar(select(func.count()).select_from(OrderLine))
        newest = await session.scalar(select(func.max(Goods.id)))
    assert (goods, skus, orders, lines) == (40 + 60, 65 + 180, 80, report.lines)
    assert shoppers is not None and shoppers >= 40
    detail = (await client.get(f"/api/v1/goods/{newest}")).json()
    assert len(detail["skus"]) == 3 and detail["cover_url"]
    code = "SC" + f"{newest:06d}"
    found = (await client.get("/api/v1/goods", params={"q": code})).json()
    assert [item["id"] for item in found["items"]] == [newest]
    admin = await factories.merchant(client, context)
    listed = (await client.get("/api/admin/v1/orders", headers=admin)).json()
    assert listed["total"] == 80
