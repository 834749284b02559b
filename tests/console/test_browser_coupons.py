"""In real Chromium: the merchant creates a coupon (an error shown next to its field first),
sees it in the list and pauses it; a shopper can then no longer claim it."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy import select

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin
from xiaodian.context import AppContext
from xiaodian.models import Coupon


async def test_a_merchant_creates_fixes_and_pauses_a_coupon_in_the_browser(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await tab.open("/coupons")
    await page.click("text=创建优惠券")
    await page.fill("#f-name", "满99减10")
    await page.select_option("#f-kind", "threshold")
    await page.fill("#f-threshold", "99")
    await page.fill("#f-discount", "120")
    await page.fill("#f-total", "50")
    await page.click("[data-coupon-form] button[type=submit]")
    discount_field = page.locator(".field.has-error", has=page.locator("#f-discount"))
    await expect(discount_field).to_contain_text("减免金额必须小于门槛金额")
    await page.fill("#f-discount", "10")
    await page.click("[data-coupon-form] button[type=submit]")
    row = page.locator('[data-coupon="满99减10"]')
    await expect(row).to_contain_text("满 ¥99.00 减 ¥10.00")
    await expect(row.locator("[data-claimed]")).to_have_text("0 / 50")
    page.on("dialog", lambda dialog: dialog.accept())
    await row.locator("button", has_text="暂停").click()
    await expect(page.locator('[data-coupon="满99减10"] [data-status]')).to_have_text("已暂停")
    async with context.db.transaction(write=False) as session:
        coupon_id = await session.scalar(select(Coupon.id))
    shopper = await factories.shopper(client, context)
    refused = await client.post(f"/api/v1/coupons/{coupon_id}/claim", headers=shopper)
    assert refused.json()["error"] == "coupon_not_claimable"
    assert tab.errors == []
