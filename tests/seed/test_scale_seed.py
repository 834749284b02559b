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

    async def counts() -> list[int]:
        async with context.db.transaction(write=False) as session:
            return [
                int(await session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Goods, Sku, User, Order, OrderLine)
            ]

    before = await counts()
    report = await seed_scale(context.db, scale=2, sizes=Sizes(goods=30, shoppers=20, orders=40))
    assert (report.goods, report.skus, report.shoppers, report.orders) == (60, 180, 40, 80)
    added = [after - was for after, was in zip(await counts(), before, strict=True)]
    assert added == [60, 180, 40, 80, report.lines]
    assert await factories.lines_off_their_orders_paid_at(context) == 0
    async with context.db.transaction(write=False) as session:
        newest = await session.scalar(select(func.max(Goods.id)))
    detail = (await client.get(f"/api/v1/goods/{newest}")).json()
    assert len(detail["skus"]) == 3 and detail["cover_url"]
    code = "SC" + f"{newest:06d}"
    found = (await client.get("/api/v1/goods", params={"q": code})).json()
    assert [item["id"] for item in found["items"]] == [newest]
    admin = await factories.merchant(client, context)
    listed = (await client.get("/api/admin/v1/orders", headers=admin)).json()
    assert listed["total"] == before[3] + 80
