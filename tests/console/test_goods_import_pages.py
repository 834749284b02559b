"""导入商品 in the console: the page next to the export, a preview with per-line errors, then
the file imported at once; refused to roles without 管理商品; in Chromium at 1280 and 375 px."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy import select

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin, signed_in
from xiaodian.catalog.export import HEADER
from xiaodian.context import AppContext
from xiaodian.models import Goods, OperationLog

TOP = ",".join(HEADER)


async def _category(client: httpx.AsyncClient, context: AppContext) -> int:
    owner = await factories.merchant(client, context, username="api-owner")
    made = await client.post("/api/admin/v1/categories", json={"name": "蔬菜"}, headers=owner)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _file(*lines: str) -> str:
    return "\n".join([TOP, *lines]) + "\n"


GOOD = ",小番茄,蔬菜,红 / 500g,,TOM-R,9.90,0,20,,是,是"
BAD = ",黄瓜,蔬菜,,,,1.999,0,5,,是,是"


async def test_preview_shows_line_errors_and_apply_imports_the_whole_file(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await _category(client, context)
    console = await signed_in(client, context)
    listing = await console.get("/goods")
    assert "data-goods-import" in listing.text
    page = await console.get("/goods-import")
    assert page.status_code == 200 and "商品ID,商品名称" in page.text
    preview = await console.post("/goods-import", {"csv": _file(GOOD, BAD)})
    assert preview.status_code == 422
    assert 'data-bad-lines="1"' in preview.text and "最多两位小数" in preview.text
    assert "data-apply" not in preview.text
    refused = await console.post("/goods-import/apply", {"csv": _file(GOOD, BAD)})
    assert refused.status_code == 422 and "没有导入任何商品" in refused.text
    fine = await console.post("/goods-import", {"csv": _file(GOOD)})
    assert fine.status_code == 200 and "data-apply" in fine.text and "新建 1 个规格" in fine.text
    applied = await console.post("/goods-import/apply", {"csv": _file(GOOD)})
    assert applied.status_code == 303
    again = await console.post("/goods-import", {"csv": _file(GOOD)})
    assert "导入不会改变任何内容" in again.text and "data-apply" not in again.text
    async with context.db.transaction(write=False) as session:
        titles = list(await session.scalars(select(Goods.title)))
        entries = list(
            await session.scalars(select(OperationLog).where(OperationLog.source == "console"))
        )
    assert titles == ["小番茄"]
    assert [(e.action, e.admin_name) for e in entries] == [("goods.import", "owner")]

    kefu = await signed_in(client, context, username="kefu", role="service")
    assert "data-goods-import" not in (await kefu.get("/goods")).text
    assert (await kefu.get("/goods-import")).status_code == 403
    assert (await kefu.post("/goods-import/apply", {"csv": _file(GOOD)})).status_code == 403


async def test_goods_import_in_chromium_on_desktop_and_phone(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    category_id = await _category(client, context)
    existing = await factories.make_goods(
        context, title="青提", prices=[1500], stock=8, category_id=category_id
    )
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/goods")
    async with tab.page.expect_navigation():
        await tab.page.click("[data-goods-import]")
    changed = f"{existing['id']},青提（新）,蔬菜,,{existing['sku_ids'][0]},,14.50,0,8,0,是,是"
    await tab.page.fill("#f-csv", _file(changed, GOOD, BAD))
    await tab.page.click("[data-import-form] button[type=submit]")
    await expect(tab.page.locator("[data-bad-lines]")).to_have_attribute("data-bad-lines", "1")
    await expect(tab.page.locator("[data-line='4'] [data-line-error]")).to_contain_text(
        "最多两位小数"
    )
    await expect(tab.page.locator("[data-apply]")).to_have_count(0)
    await tab.screenshot("goods-import-errors")
    await tab.page.fill("#f-csv", _file(changed, GOOD))
    await tab.page.click("[data-import-form] button[type=submit]")
    await expect(tab.page.locator("[data-line='2']")).to_contain_text("价格 15.00 → 14.50")
    await expect(tab.page.locator("[data-line='3'][data-action='create']")).to_have_count(1)
    await tab.screenshot("goods-import-preview")
    async with tab.page.expect_navigation():
        await tab.page.click("[data-apply]")
    assert any("确定导入吗" in message for _, message in tab.dialogs)
    await expect(tab.page.locator("body")).to_contain_text("已导入：新建 1 个规格，修改 1 个规格")
    await expect(tab.page.locator("body")).to_contain_text("小番茄")

    phone = await open_tab(browser, live_url, phone=True)
    await phone.login("owner")
    await phone.open("/goods-import")
    await phone.page.fill("#f-csv", _file(changed, GOOD, BAD))
    await phone.page.click("[data-import-form] button[type=submit]")
    await expect(phone.page.locator("[data-bad-lines]")).to_be_visible()
    assert await phone.horizontal_overflow() == 0
    await phone.screenshot("goods-import-phone")
    assert not tab.errors and not phone.errors
