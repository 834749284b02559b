"""In real Chromium: a goods editor left open while shoppers buy saves without giving their
units back (the page posts the stock it showed; the server applies only the change)."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy import select

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin
from xiaodian.context import AppContext
from xiaodian.models import Sku


async def test_a_goods_editor_left_open_while_a_shopper_buys_keeps_the_sold_units_sold(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    goods = await factories.make_goods(context, title="红富士苹果", stock=10)
    sku_id = goods["sku_ids"][0]
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await tab.open(f"/goods/{goods['id']}")
    stock_input = page.locator("[aria-label='500g 库存']")
    await expect(stock_input).to_have_value("10")

    shopper = await factories.shopper(client, context)
    address_id = await factories.address(client, shopper)
    await factories.place_order(client, shopper, sku_id=sku_id, quantity=4, address_id=address_id)

    await page.fill("#f-subtitle", "烟台直发")
    await page.click("[data-save]")
    await expect(page.locator(".flash")).to_contain_text("已保存")
    await expect(stock_input).to_have_value("6")
    async with context.db.transaction(write=False) as session:
        assert await session.scalar(select(Sku.stock).where(Sku.id == sku_id)) == 6
    other = await factories.shopper(client, context, "shopper-2")
    other_address = await factories.address(client, other)
    too_many = await client.post(
        "/api/v1/orders",
        headers=other,
        json={"items": [{"sku_id": sku_id, "quantity": 10}], "address_id": other_address},
    )
    assert (too_many.status_code, too_many.json()["error"]) == (409, "out_of_stock")
    assert tab.errors == []
