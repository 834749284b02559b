"""What a merchant tripped over in daily use, in real Chromium: a role changed by a slip of the
dropdown, a published reply deleted by saving it empty, errors far down a refused goods form,
edits lost by leaving the page."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy import select

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin
from tests.waiting import until
from xiaodian.context import AppContext
from xiaodian.models import AdminUser


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
    await until(tab.asked(), "the page's question")
    assert tab.dialogs[0][0] == "confirm" and "clerk" in tab.dialogs[0][1]
    await expect(role).to_have_value("staff")  # put back
    assert await _role(context, "clerk") == "staff"

    tab.accept_dialogs = True
    async with tab.page.expect_navigation():
        await role.select_option("owner")
    assert await _role(context, "clerk") == "owner"
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
    await until(tab.asked(), "the leave-page question")
    assert tab.dialogs[0][0] == "beforeunload"
    await expect(tab.page.locator("#f-title")).to_have_value("还没保存的苹果")  # still here
    assert not tab.errors
