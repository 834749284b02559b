"""What a merchant tripped over in daily use, in real Chromium: a role changed by a slip of the
dropdown, a published reply deleted by saving it empty, errors far down a refused goods form,
edits lost by leaving the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy import select

from tests import factories
from tests.console.browser import Tab, open_tab
from tests.console.helpers import make_admin, paid_order
from tests.waiting import until
from xiaodian.context import AppContext
from xiaodian.models import AdminUser, Review


def tab_asked(tab: Tab, times: int = 1) -> Callable[[], Awaitable[bool]]:
    async def asked() -> bool:
        return len(tab.dialogs) >= times

    return asked


async def _reviewed(client: httpx.AsyncClient, context: AppContext) -> int:
    """A shopper's review of a received order; its id."""
    order, shopper = await paid_order(client, context, title="鲜牛奶")
    admin = await factories.merchant(client, context, username="shipper")
    shipped = await client.post(
        f"/api/admin/v1/orders/{order['id']}/ship",
        json={"carrier": "门店配送", "tracking_no": "MD0001"},
        headers=admin,
    )
    assert shipped.status_code == 200, shipped.text
    done = (await client.post(f"/api/v1/orders/{order['id']}/confirm", headers=shopper)).json()
    reviewed = await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        headers=shopper,
        json={"reviews": [{"line_id": done["lines"][0]["id"], "score": 4, "content": "新鲜"}]},
    )
    assert reviewed.status_code in (200, 201), reviewed.text
    async with context.db.transaction(write=False) as session:
        return int(
            (
                await session.execute(select(Review.id).where(Review.order_id == order["id"]))
            ).scalar_one()
        )


async def _role(context: AppContext, username: str) -> str:
    async with context.db.transaction(write=False) as session:
        return str(
            (
                await session.execute(select(AdminUser.role).where(AdminUser.username == username))
            ).scalar_one()
        )


async def test_changing_a_role_asks_first_and_a_no_keeps_the_old_role(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    await make_admin(context, username="clerk", role="staff")
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/staff")
    role = tab.page.locator("select[aria-label='clerk 的角色']")
    tab.accept_dialogs = False
    await role.select_option("owner")
    await until(tab_asked(tab), "the page's question")
    assert tab.dialogs[0][0] == "confirm" and "clerk" in tab.dialogs[0][1]
    await expect(role).to_have_value("staff")  # put back
    assert await _role(context, "clerk") == "staff"

    tab.accept_dialogs = True
    async with tab.page.expect_navigation():
        await role.select_option("owner")
    assert await _role(context, "clerk") == "owner"
    assert not tab.errors


async def test_saving_an_empty_reply_asks_before_it_deletes_the_published_one(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    review_id = await _reviewed(client, context)
    async with context.db.transaction() as session:
        review = await session.get(Review, review_id)
        assert review is not None
        review.reply = "感谢支持"
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/reviews")
    card = tab.page.locator(f"[data-review='{review_id}']")
    await card.locator("button", has_text="修改回复").click()
    await card.locator("textarea[name=reply]").fill("")
    tab.accept_dialogs = False
    await card.locator("button", has_text="保存回复").click()
    await until(tab_asked(tab), "the page's question")
    assert "删除已发布的回复" in tab.dialogs[0][1]
    async with context.db.transaction(write=False) as session:
        kept = await session.get(Review, review_id)
        assert kept is not None and kept.reply == "感谢支持"
    assert not tab.errors


async def test_a_refused_goods_save_lists_its_errors_on_top_and_brings_the_first_into_view(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    await factories.make_category(context, name="水果")
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/goods/new")
    await tab.page.click("[data-save]")  # nothing filled in
    summary = tab.page.locator("[data-error-summary]")
    await expect(summary).to_be_visible()
    await expect(summary).to_contain_text("商品名称：必填")
    await expect(summary).to_contain_text("分类：请选择分类")
    first = tab.page.locator("#f-title")
    await expect(first).to_be_focused()
    await expect(first).to_be_in_viewport()
    await tab.screenshot("goods-editor-refused-desktop", full_page=False)
    assert not tab.errors


async def test_leaving_the_goods_editor_with_unsaved_edits_asks_first(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/goods/new")
    await tab.page.click("a.btn-ghost:has-text('返回列表')")  # nothing typed: no question
    await expect(tab.page).to_have_url(f"{live_url}/console/goods")
    assert tab.dialogs == []

    await tab.open("/goods/new")
    await tab.page.fill("#f-title", "还没保存的苹果")
    tab.accept_dialogs = False
    await tab.page.click("a.btn-ghost:has-text('返回列表')")
    await until(tab_asked(tab), "the leave-page question")
    assert tab.dialogs[0][0] == "beforeunload"
    await expect(tab.page.locator("#f-title")).to_have_value("还没保存的苹果")  # still here
    assert not tab.errors
