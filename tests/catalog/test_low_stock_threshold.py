"""The shop's low-stock threshold: set in the shop settings (API and console), it moves the
shoppers' 「仅剩 N 件」, the dashboard's low-stock list and the live low-stock alert for SKUs
without their own threshold, in every process (through the bus), and is logged."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select, update

from tests import factories
from tests.console.helpers import signed_in
from tests.waiting import until
from xiaodian.catalog import hints
from xiaodian.context import AppContext
from xiaodian.dashboard import service as dashboard
from xiaodian.inventory.events import StockChanged
from xiaodian.live.merchant import is_low
from xiaodian.models import OperationLog, Sku


@pytest.fixture(autouse=True)
async def _default_threshold_after(context: AppContext) -> AsyncIterator[None]:
    yield
    hints.configure(context.settings.stock_hint_below)  # the app outlives the test


async def _hint(client: httpx.AsyncClient, goods_id: int) -> str:
    return str((await client.get(f"/api/v1/goods/{goods_id}")).json()["stock_hint"])


async def _low_titles(context: AppContext) -> list[str]:
    async with context.db.transaction(write=False) as session:
        return [item.title for item in await dashboard.low_stock(session)]


async def test_the_shop_threshold_moves_the_hint_the_dashboard_and_the_alert(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    five = await factories.make_goods(context, title="鸡蛋", stock=5)
    own = await factories.make_goods(context, title="牛奶", stock=5)
    async with context.db.transaction() as session:
        await session.execute(
            update(Sku).where(Sku.id == own["sku_ids"][0]).values(low_stock_below=3)
        )
    shop = (await client.get("/api/admin/v1/shop", headers=owner)).json()
    assert shop["low_stock_below"] is None and hints.threshold() == 10  # the default
    assert await _hint(client, five["id"]) == "仅剩 5 件"
    assert await _low_titles(context) == ["鸡蛋"]  # 牛奶 has its own threshold, 3

    saved = await client.patch("/api/admin/v1/shop", json={"low_stock_below": 4}, headers=owner)
    assert (saved.status_code, saved.json()["low_stock_below"]) == (200, 4)

    async def hint_gone() -> bool:
        return await _hint(client, five["id"]) == ""

    await until(hint_gone, "the goods' hint to follow the new threshold", seconds=5)
    assert hints.threshold() == 4
    assert await _low_titles(context) == []
    alert = StockChanged(sku_id=five["sku_ids"][0], goods_id=five["id"], stock=3, version=2)
    assert is_low(alert) and not is_low(StockChanged(sku_id=1, goods_id=1, stock=4, version=1))

    refused = await client.patch("/api/admin/v1/shop", json={"low_stock_below": -1}, headers=owner)
    assert refused.status_code == 422
    async with context.db.transaction(write=False) as session:
        entry = await session.scalar(
            select(OperationLog).where(OperationLog.action == "shop.update")
        )
    assert entry is not None
    assert {"field": "low_stock_below", "old": None, "new": 4} in entry.changes


async def test_other_processes_take_the_threshold_from_the_bus(context: AppContext) -> None:
    await context.bus.publish(hints.CHANNEL, {"below": 7})
    assert await until(lambda: _is(7), "the announced threshold", seconds=5)


async def _is(below: int) -> bool:
    return hints.threshold() == below


async def test_the_console_settings_page_sets_the_threshold(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    page = await console.get("/settings")
    assert "库存预警线" in page.text and 'name="low_stock_below"' in page.text
    assert 'value="10"' in page.text
    form = {
        "name": "邻里鲜",
        "unpaid_timeout_minutes": "30",
        "auto_confirm_days": "10",
        "freight": "8",
        "free_freight_threshold": "99",
    }
    bad = await console.post("/settings", form | {"low_stock_below": "很多"})
    assert bad.status_code == 422 and "0–100000 的整数" in bad.text
    saved = await console.post("/settings", form | {"low_stock_below": "6"})
    assert saved.status_code == 303, saved.text
    assert await until(lambda: _is(6), "the console's threshold", seconds=5)
    assert 'value="6"' in (await console.get("/settings")).text
