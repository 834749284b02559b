"""In real Chromium: the dashboard's live numbers follow the merchant channel (a new order shows
at once, no 5-second poll), and polling takes over while the socket is down."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin
from xiaodian.context import AppContext


async def test_a_new_order_reaches_the_open_dashboard_through_its_socket(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    goods = await factories.make_goods(context, stock=50)
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await tab.open("/")
    await expect(page.locator("body")).to_have_attribute("data-live-socket", "open")
    pending = page.locator("a[href$='status=pending_payment'] strong")
    await expect(pending).to_have_text("0")
    shopper = await factories.shopper(client, context)
    address = await factories.address(client, shopper)
    await factories.place_order(client, shopper, sku_id=goods["sku_ids"][0], address_id=address)
    # Well within the 5 s poll: the push made the panel refresh.
    await expect(pending).to_have_text("1", timeout=3000)
    await expect(page.locator("body")).to_have_attribute("data-live-events", "1")
    assert tab.errors == []
