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
from xiaodian.models import Coupon, Promotion


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


async def test_a_merchant_edits_a_promotion_in_the_browser_on_a_desktop_and_a_phone(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    owner = await factories.merchant(client, context, username="api-owner")
    created = await client.post(
        "/api/admin/v1/promotions",
        headers=owner,
        json={
            "name": "满59减5",
            "tiers": [{"threshold_fen": 5900, "discount_fen": 500}],
            "starts_at": "2026-01-01T00:00:00+00:00",
            "ends_at": "2099-01-01T00:00:00+00:00",
        },
    )
    assert created.status_code == 201, created.text
    for phone in (False, True):
        tab = await open_tab(browser, live_url, phone=phone)
        page = tab.page
        await tab.login("owner")
        await tab.open("/promotions")
        row = page.locator("tr[data-promotion]").first
        await row.locator("[data-edit-promotion]").click()
        await expect(page.locator("#f-threshold_1")).to_have_value("69.00" if phone else "59.00")
        name = "满69减8" if not phone else "满79减9"
        await page.fill("#f-name", name)
        await page.fill("#f-discount_1", "80")
        await page.click("[data-save]")
        field = page.locator(".field.has-error", has=page.locator("#f-discount_1"))
        await expect(field).to_contain_text("减免金额必须小于门槛金额")
        assert await tab.horizontal_overflow() == 0
        await tab.screenshot(f"promotion-edit-{'phone' if phone else 'desktop'}")
        await page.fill("#f-threshold_1", "69" if not phone else "79")
        await page.fill("#f-discount_1", "8" if not phone else "9")
        await page.click("[data-save]")
        await expect(page.locator(".flash")).to_contain_text("满减活动已保存")
        await expect(page.locator(f'[data-promotion="{name}"]')).to_contain_text("减 ¥")
        assert tab.errors == []
    async with context.db.transaction(write=False) as session:
        tiers = await session.scalar(select(Promotion.tiers))
    assert tiers == [{"threshold_fen": 7900, "discount_fen": 900}]
