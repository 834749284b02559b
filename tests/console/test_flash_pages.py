"""营销 → 秒杀 in the console: over HTTP (create, validation, edit, end) and in Chromium (the
live view follows a shopper's order without a reload)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from playwright.async_api import expect

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin, signed_in
from tests.flash.helpers import sku_stock
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.flash import runtime


def _local(delta: timedelta) -> str:
    return clock.to_shop_time(clock.now() + delta).strftime("%Y-%m-%dT%H:%M")


def _form(sku_id: int, **changes: str) -> dict[str, str]:
    return {
        "title": "限时1元购",
        "starts_at": _local(timedelta(minutes=-5)),
        "ends_at": _local(timedelta(hours=1)),
        "unpaid_minutes": "5",
        "items-0-sku_id": str(sku_id),
        "items-0-flash_price": "1",
        "items-0-flash_stock": "3",
        "items-0-per_user_limit": "1",
        **changes,
    }


async def test_a_session_is_created_edited_and_ended_from_the_console(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    runtime.reset(context)
    console = await signed_in(client, context)
    goods = await factories.make_goods(context, title="草莓", stock=10, prices=[2990])
    sku_id = goods["sku_ids"][0]
    bad = await console.post("/flash-sales/new", _form(sku_id, **{"items-0-flash_price": "abc"}))
    assert bad.status_code == 422
    assert "请输入金额" in bad.text
    too_many = await console.post(
        "/flash-sales/new", _form(sku_id, **{"items-0-flash_stock": "11"})
    )
    assert too_many.status_code == 422
    assert await sku_stock(context, sku_id) == 10
    created = await console.post("/flash-sales/new", _form(sku_id))
    assert created.status_code == 303, created.text
    path = created.headers["location"].removeprefix("/console")
    assert await sku_stock(context, sku_id) == 7
    listed = await console.get("/flash-sales")
    assert "限时1元购" in listed.text and "进行中" in listed.text
    detail = await console.get(path)
    assert "¥1.00" in detail.text and "¥29.90" in detail.text
    edit = await console.get(f"{path}/edit")
    item_id = edit.text.split('name="items-0-id" value="')[1].split('"')[0]
    saved = await console.post(
        f"{path}/edit",
        _form(sku_id, **{"items-0-id": item_id, "items-0-flash_stock": "5", "title": "改名"}),
    )
    assert saved.status_code == 303, saved.text
    assert await sku_stock(context, sku_id) == 5
    ended = await console.post(f"{path}/end", {})
    assert ended.status_code == 303
    assert await sku_stock(context, sku_id) == 10
    assert "已结束" in (await console.get(path)).text


async def test_the_live_view_follows_a_shoppers_flash_order(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    runtime.reset(context)
    await make_admin(context)
    goods = await factories.make_goods(context, title="车厘子", stock=10, prices=[5990])
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await tab.open("/flash-sales/new")
    for name, value in _form(goods["sku_ids"][0]).items():
        await page.fill(f"[name='{name}']", value)
    await page.click(".form-bar button[type=submit]")
    await expect(page.locator("#flash-live [data-stat=left]")).to_have_text("3")
    item_id = int(await page.locator("#flash-live tr[data-item]").get_attribute("data-item") or 0)
    shopper = await factories.shopper(client, context)
    address_id = await factories.address(client, shopper)
    bought = await client.post(
        f"/api/v1/flash-sales/items/{item_id}/orders",
        headers=shopper,
        json={"quantity": 1, "address_id": address_id},
    )
    assert bought.status_code == 201, bought.text
    await expect(page.locator("#flash-live [data-stat=left]")).to_have_text("2", timeout=10_000)
    await expect(page.locator("#flash-live [data-stat=orders]")).to_have_text("1")
    assert tab.errors == []
