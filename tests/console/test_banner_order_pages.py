"""首页轮播 reordered in the console: dragged in Chromium (and moved with ‹ ›), saved at once,
the home page follows; at 1280 and 375 px."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect

from tests import factories
from tests.console.browser import open_tab, png
from tests.console.helpers import make_admin, signed_in
from xiaodian.context import AppContext

API = "/api/admin/v1"


async def _three(client: httpx.AsyncClient, context: AppContext) -> list[int]:
    owner = await factories.merchant(client, context, username="api-owner")
    ids = []
    for n in range(3):
        made = await client.post(
            f"{API}/banners",
            json={"title": f"图{n}", "image_url": f"/media/images/aa/b{n}-800.webp"},
            headers=owner,
        )
        ids.append(made.json()["id"])
    return ids


async def _home_titles(client: httpx.AsyncClient) -> list[str]:
    return [b["title"] for b in (await client.get("/api/v1/home")).json()["banners"]]


async def test_the_console_saves_a_new_order_over_http(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    first, second, third = await _three(client, context)
    console = await signed_in(client, context)
    page = await console.get("/banners")
    assert page.text.count("data-banner-id=") == 3 and "data-banner-order" in page.text
    saved = await console.post("/banners/order", [("ids", str(i)) for i in (second, third, first)])
    assert saved.status_code == 204
    assert await _home_titles(client) == ["图1", "图2", "图0"]
    wrong = await console.post("/banners/order", [("ids", str(first))])
    assert wrong.status_code == 422 and "全部 3 张" in wrong.json()["message"]


async def test_banners_are_dragged_into_a_new_order_in_chromium(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    first, second, third = await _three(client, context)
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/banners")
    grid = tab.page.locator("[data-banner-order]")
    await tab.page.drag_and_drop(
        f"[data-banner-id='{third}'] img", f"[data-banner-id='{first}'] img"
    )
    await expect(grid).to_have_attribute("data-saved", "1")
    assert await _home_titles(client) == ["图2", "图0", "图1"]
    await tab.page.click(f"[data-banner-id='{second}'] [data-banner-move='-1']")
    await expect(grid).to_have_attribute("data-saved", "2")
    assert await _home_titles(client) == ["图2", "图1", "图0"]
    await tab.screenshot("banners-reordered")
    await tab.open("/banners")
    order = await grid.locator("[data-banner-id]").evaluate_all(
        "cards => cards.map(card => Number(card.dataset.bannerId))"
    )
    assert order == [third, second, first]
    phone = await open_tab(browser, live_url, phone=True)
    await phone.login("owner")
    await phone.open("/banners")
    assert await phone.horizontal_overflow() == 0
    await phone.screenshot("banners-phone")
    assert not tab.errors and not phone.errors


async def test_the_banner_form_picks_its_goods_link_in_chromium(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    grapes = await factories.make_goods(context, title="阳光玫瑰葡萄", prices=[2580])
    await factories.make_goods(context, title="红富士苹果")
    console = await signed_in(client, context, username="yunying", role="manager")
    found = await console.get("/banners/goods-options", params={"q": "葡萄"})
    assert f'data-pick-goods="{grapes["id"]}"' in found.text and "红富士" not in found.text
    nothing = await console.get("/banners/goods-options", params={"q": "榴莲"})
    assert "没有找到「榴莲」" in nothing.text
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/banners/new")
    await tab.page.set_input_files(
        "[data-file-input=image_url]",
        files=[{"name": "b.png", "mimeType": "image/png", "buffer": png((200, 120, 40))}],
    )
    await expect(tab.page.locator("[data-uploader=image_url] figure.thumb")).to_have_count(1)
    await tab.page.fill("#f-title", "葡萄上新")
    await tab.page.fill("#f-goods-search", "葡萄")
    option = tab.page.locator(f"[data-pick-goods='{grapes['id']}']")
    await option.click()
    await expect(tab.page.locator("#f-link_value")).to_have_value(str(grapes["id"]))
    await expect(tab.page.locator("#f-link_type")).to_have_value("goods")
    await expect(tab.page.locator("[data-picked]")).to_contain_text("阳光玫瑰葡萄")
    await tab.screenshot("banner-goods-picker")
    async with tab.page.expect_navigation():
        await tab.page.click("form button[type=submit].btn-primary")
    banners = (await client.get("/api/v1/home")).json()["banners"]
    assert [(b["title"], b["link_type"], b["link_value"]) for b in banners] == [
        ("葡萄上新", "goods", str(grapes["id"]))
    ]
    assert not tab.errors
