"""In real Chromium: the goods editor's 商品详情 block editor — add text, upload an image, move
up and down, delete — saves the blocks in order, shows a refused block next to itself, and the
shopper's goods page answers them. Screenshots at 1280 px and 375 px."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect

from tests import factories
from tests.console.browser import open_tab, png
from tests.console.helpers import make_admin
from xiaodian.context import AppContext


async def _kinds(page: Any) -> list[str]:
    kinds: list[str] = await page.locator("[data-description-editor] li.block").evaluate_all(
        "items => items.map(item => item.dataset.block)"
    )
    return kinds


async def test_the_block_editor_adds_moves_deletes_and_saves_text_and_images_in_order(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    goods = await factories.make_goods(context, title="红富士苹果", stock=10)
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await tab.open(f"/goods/{goods['id']}")
    editor = page.locator("[data-description-editor]")

    await editor.locator("[data-add-text]").click()
    await editor.locator("textarea[data-block-text]").nth(0).fill("烟台栖霞，果园直发")
    await page.set_input_files(
        "[data-block-file]",
        files=[
            {
                "name": "orchard.png",
                "mimeType": "image/png",
                "buffer": png((200, 40, 40), (800, 600)),
            }
        ],
    )
    await expect(editor.locator("li.block img")).to_have_count(1)
    await page.wait_for_function(
        "JSON.parse(document.querySelector('[name=description_blocks]').value)[1].width === 800"
    )
    await editor.locator("[data-add-text]").click()
    await editor.locator("textarea[data-block-text]").nth(1).fill("冷藏可保存两周")
    assert await _kinds(page) == ["text", "image", "text"]
    # the picture up to first place, then the first paragraph down below the second
    await editor.locator("li.block").nth(1).locator("[data-block-up]").click()
    assert await _kinds(page) == ["image", "text", "text"]
    await editor.locator("li.block").nth(1).locator("[data-block-down]").click()
    texts = await editor.locator("textarea[data-block-text]").evaluate_all(
        "t => t.map(x => x.value)"
    )
    assert texts == ["冷藏可保存两周", "烟台栖霞，果园直发"]
    await expect(editor.locator("li.block").nth(0).locator("[data-block-up]")).to_be_disabled()
    await tab.screenshot("goods-editor-description-desktop")

    await page.click("[data-save]")
    await expect(page.locator(".flash")).to_contain_text("已保存")
    shown = (await client.get(f"/api/v1/goods/{goods['id']}")).json()["description_blocks"]
    assert [block["type"] for block in shown] == ["image", "text", "text"]
    assert shown[0]["url"].endswith("-800.webp") and (shown[0]["width"], shown[0]["height"]) == (
        800,
        600,
    )
    assert [block["text"] for block in shown[1:]] == ["冷藏可保存两周", "烟台栖霞，果园直发"]
    assert await _kinds(page) == ["image", "text", "text"]  # the page came back with them

    # A blank paragraph is refused next to itself, the others kept as typed.
    await editor.locator("[data-add-text]").click()
    await page.click("[data-save]")
    await expect(editor.locator("li.block.has-error .field-error")).to_have_text(
        "第 4 段文字是空的：请填写或删除这一段"
    )
    assert await _kinds(page) == ["image", "text", "text", "text"]
    await editor.locator("li.block").nth(3).locator("[data-block-remove]").click()
    await editor.locator("li.block").nth(0).locator("[data-block-remove]").click()
    await page.click("[data-save]")
    await expect(page.locator(".flash")).to_contain_text("已保存")
    shown = (await client.get(f"/api/v1/goods/{goods['id']}")).json()["description_blocks"]
    assert [block["type"] for block in shown] == ["text", "text"]
    assert tab.errors == []
    assert tab.csp_violations == []

    phone = await open_tab(browser, live_url, phone=True)
    await phone.login("owner")
    await phone.open(f"/goods/{goods['id']}")
    await phone.page.locator("[data-description-editor]").scroll_into_view_if_needed()
    assert await phone.horizontal_overflow() == 0
    await phone.screenshot("goods-editor-description-phone")


async def test_pinned_search_words_are_typed_on_the_banners_page(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    for width in ("desktop", "phone"):
        tab = await open_tab(browser, live_url, phone=width == "phone")
        await tab.login("owner")
        await tab.open("/banners")
        await tab.page.fill("#f-pinned_words", "车厘子 鲜牛奶 草莓")
        await tab.page.click("[data-save-pinned]")
        await expect(tab.page.locator(".flash")).to_contain_text("热搜词已保存")
        await expect(tab.page.locator("#f-pinned_words")).to_have_value("车厘子 鲜牛奶 草莓")
        assert await tab.horizontal_overflow() == 0
        await tab.screenshot(f"banners-pinned-search-{width}")
        assert tab.errors == []
    keywords = (await client.get("/api/v1/search/hot")).json()["keywords"]
    assert keywords[:3] == ["车厘子", "鲜牛奶", "草莓"]
