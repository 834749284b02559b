"""In real Chromium: the goods editor's SKU matrix gives a SKU one of the goods' pictures or a
new upload, and a 划线价; a 划线价 below the SKU's price is refused next to its field, the rows
keep what was typed; the shopper's goods detail answers each SKU's picture and 划线价.
Screenshots at 1280 px and 375 px (the matrix scrolls inside its card on a phone)."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect

from tests import factories
from tests.catalog.test_admin_catalog import goods_body
from tests.console.browser import open_tab, png
from xiaodian.context import AppContext


def _file(name: str, color: tuple[int, int, int]) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/png", "buffer": png(color, (600, 600))}


async def test_the_sku_matrix_sets_a_picture_and_a_market_price_per_sku(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    owner = await factories.merchant(client, context)
    category_id = await factories.make_category(context)
    created = await client.post(
        "/api/admin/v1/goods", json=goods_body(category_id, images=[]), headers=owner
    )
    assert created.status_code == 201, created.text
    goods = created.json()
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await tab.open(f"/goods/{goods['id']}")
    cover_file = _file("cover.png", (40, 120, 60))
    await page.set_input_files("[data-file-input=images]", files=[cover_file])
    await expect(page.locator("#goods-images .thumb img")).to_have_count(1)
    cover = await page.locator("#goods-images input[name=images]").input_value()

    matrix = page.locator("#goods-skus")
    rows = matrix.locator("tbody tr")
    await expect(rows).to_have_count(4)
    panel = matrix.locator("[data-sku-picture-panel]")
    await rows.nth(0).locator("[data-sku-picture]").click()
    await expect(panel).to_contain_text("「500g / 云南」的规格图片")
    await panel.locator("[data-sku-picture-choice]").first.click()  # the goods' picture
    await expect(panel).to_be_hidden()
    await expect(rows.nth(0).locator("[data-sku-picture] img")).to_be_visible()
    await rows.nth(1).locator("[data-sku-picture]").click()
    await page.set_input_files("[data-sku-picture-file]", files=[_file("red.png", (200, 40, 40))])
    await expect(panel).to_be_hidden()
    await expect(rows.nth(1).locator("[data-sku-picture] img")).to_be_visible()
    await page.fill("[name='skus.0.market_price']", "29.80")
    await page.fill("[name='skus.2.market_price']", "40")  # 1kg / 云南 sells for ¥49.80
    await rows.nth(3).locator("[data-sku-picture]").click()  # the panel open in the pictures
    await page.evaluate("window.scrollTo(0, 0)")  # a full-page picture without the sticky bar
    await tab.screenshot("goods-editor-sku-pictures-desktop")
    await panel.locator("button", has_text="关闭").click()

    await page.click("[data-save]")
    error = rows.nth(2).locator(".field-error").filter(has_text="划线价")
    await expect(error).to_contain_text("低于该规格售价 ¥49.80")
    await expect(page.locator("[name='skus.2.market_price']")).to_have_value("40")
    await expect(page.locator("[name='skus.0.market_price']")).to_have_value("29.80")
    await expect(rows.nth(1).locator("[data-sku-picture] img")).to_be_visible()
    await page.fill("[name='skus.2.market_price']", "59")
    await page.click("[data-save]")
    await expect(page.locator(".flash")).to_contain_text("已保存")

    saved = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=owner)).json()
    skus = saved["skus"]
    assert [sku["market_price_fen"] for sku in skus] == [2980, 0, 5900, 0]
    assert skus[0]["image_url"] == cover
    assert skus[1]["image_url"].startswith("/media/images/") and skus[1]["image_url"] != cover
    assert (skus[2]["image_url"], skus[3]["image_url"]) == ("", "")
    shown = (await client.get(f"/api/v1/goods/{goods['id']}")).json()["skus"]
    assert [sku["image_url"] != "" for sku in shown] == [True, True, False, False]
    assert [sku["market_price_fen"] for sku in shown] == [2980, 0, 5900, 0]  # no goods 划线价
    await expect(rows.nth(0).locator("[data-sku-picture] img")).to_be_visible()  # after reload
    assert tab.errors == []
    assert tab.csp_violations == []

    phone = await open_tab(browser, live_url, phone=True)
    await phone.login("owner")
    await phone.open(f"/goods/{goods['id']}")
    phone_matrix = phone.page.locator("#goods-skus")
    await phone_matrix.locator("tbody tr").nth(0).locator("[data-sku-picture]").click()
    await phone_matrix.scroll_into_view_if_needed()
    assert await phone.horizontal_overflow() == 0
    scroller = phone_matrix.locator(".table-scroll")
    assert await scroller.evaluate("box => box.scrollWidth > box.clientWidth")  # scrolls inside
    headers = await phone_matrix.locator("thead th").evaluate_all(
        "cells => cells.map(cell => cell.getBoundingClientRect().height)"
    )
    assert max(headers) < 40  # one line each: no header broken one character per line
    await phone.page.evaluate("window.scrollTo(0, 0)")
    await phone.screenshot("goods-editor-sku-pictures-phone")
    assert phone.errors == []
