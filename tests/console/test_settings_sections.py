"""店铺设置 saves one section at a time: a section's save PATCHes only its fields and, under
htmx, only that section comes back, so what is typed in the other sections stays; the logo is
replaced by uploading a new one (no removing first). Over HTTP and in Chromium."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy import select

from tests.console.browser import open_tab, png
from tests.console.helpers import make_admin, signed_in
from xiaodian.context import AppContext
from xiaodian.models import OperationLog, ShopSettings


async def _shop(context: AppContext) -> ShopSettings:
    async with context.db.transaction(write=False) as session:
        row = await session.scalar(select(ShopSettings).order_by(ShopSettings.id).limit(1))
    assert row is not None
    return row


async def test_a_section_saves_only_its_own_fields(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    page = await console.get("/settings")
    assert page.text.count("data-settings-section=") == 2
    shop = await console.post(
        "/settings/sections/shop",
        {"name": "邻里鲜", "service_phone": "021-12345678", "notice": "周一休息"},
        headers={"HX-Request": "true"},
    )
    assert shop.status_code == 200 and "data-saved" in shop.text
    assert 'data-settings-section="shop"' in shop.text and "<html" not in shop.text
    # the trade section's form carries only its fields: the shop's name is not touched
    trade = await console.post(
        "/settings/sections/trade",
        {
            "unpaid_timeout_minutes": "20",
            "auto_confirm_days": "7",
            "freight": "6.5",
            "free_freight_threshold": "88",
            "low_stock_below": "5",
        },
        headers={"HX-Request": "true"},
    )
    assert trade.status_code == 200 and 'value="6.50"' in trade.text
    row = await _shop(context)
    assert (row.name, row.notice, row.freight_fen, row.unpaid_timeout_minutes) == (
        "邻里鲜",
        "周一休息",
        650,
        20,
    )
    bad = await console.post(
        "/settings/sections/trade",
        {"unpaid_timeout_minutes": "0", "auto_confirm_days": "7", "freight": "x"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "请输入金额" in bad.text and "data-saved" not in bad.text
    assert 'value="0"' in bad.text  # what was typed comes back to be corrected
    assert (await _shop(context)).freight_fen == 650
    plain = await console.post("/settings/sections/shop", {"name": "邻里鲜超市"})
    assert plain.status_code == 303
    assert (await console.post("/settings/sections/orders", {})).status_code == 404
    async with context.db.transaction(write=False) as session:
        entries = list(
            await session.scalars(select(OperationLog).where(OperationLog.action == "shop.update"))
        )
    trade_changes = {c["field"] for c in entries[1].changes}
    assert trade_changes == {
        "unpaid_timeout_minutes",
        "auto_confirm_days",
        "freight_fen",
        "free_freight_threshold_fen",
        "low_stock_below",
    }


async def test_sections_keep_each_others_edits_and_the_logo_is_replaced_in_chromium(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/settings")
    shop = tab.page.locator("[data-settings-section=shop]")
    trade = tab.page.locator("[data-settings-section=trade]")
    await shop.locator("#f-notice").fill("国庆正常发货")  # typed, not saved yet
    await trade.locator("input[name=freight]").fill("5")
    await trade.locator("button[type=submit]").click()
    await expect(trade.locator("[data-saved]")).to_be_visible()
    await expect(shop.locator("#f-notice")).to_have_value("国庆正常发货")
    assert (await _shop(context)).freight_fen == 500
    assert (await _shop(context)).notice == ""

    logo = shop.locator("[data-uploader=logo_url]")
    await tab.page.set_input_files(
        "[data-file-input=logo_url]",
        files=[{"name": "old.png", "mimeType": "image/png", "buffer": png((220, 60, 60))}],
    )
    await expect(logo.locator("figure.thumb")).to_have_count(1)
    first = await logo.locator("input[name=logo_url]").input_value()
    await expect(logo.locator("label.drop")).to_contain_text("更换")
    await tab.page.set_input_files(
        "[data-file-input=logo_url]",
        files=[{"name": "new.png", "mimeType": "image/png", "buffer": png((40, 90, 220))}],
    )
    await expect(logo.locator("input[name=logo_url]")).not_to_have_value(first)
    await expect(logo.locator("figure.thumb")).to_have_count(1)
    replaced = await logo.locator("input[name=logo_url]").input_value()
    assert replaced.startswith("/media/images/")
    await tab.screenshot("settings-sections")
    await shop.locator("button[type=submit]").click()
    await expect(tab.page.locator("[data-settings-section=shop] [data-saved]")).to_be_visible()
    row = await _shop(context)
    assert row.notice == "国庆正常发货" and replaced.split("/")[-1] in row.logo_url
    assert row.freight_fen == 500

    phone = await open_tab(browser, live_url, phone=True)
    await phone.login("owner")
    await phone.open("/settings")
    assert await phone.horizontal_overflow() == 0
    await phone.screenshot("settings-sections-phone")
    assert not tab.errors and not phone.errors
