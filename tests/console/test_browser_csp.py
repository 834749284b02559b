"""The console under its Content-Security-Policy in real Chromium: every page and the small
behaviours that used to be inline handlers (auto-submitting filters, broken pictures, print,
back) work without a single violation, and an injected inline handler is blocked."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy import select

from tests.console.browser import Tab, open_tab
from tests.console.helpers import make_admin, paid_order
from tests.waiting import until
from xiaodian.context import AppContext
from xiaodian.models import AdminUser

PAGES = (
    "/",
    "/goods",
    "/goods/{goods_id}",
    "/goods/stock",
    "/categories",
    "/banners",
    "/orders",
    "/orders/{order_id}",
    "/orders/{order_id}/slip",
    "/refunds",
    "/payments/anomalies",
    "/reviews",
    "/staff",
    "/settings",
)


async def _visit_every_page(tab: Tab, ids: dict[str, int]) -> None:
    for path in PAGES:
        response = await tab.page.goto(f"{tab.base}/console{path.format(**ids)}")
        assert response is not None and response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        await tab.page.wait_for_load_state("networkidle")


async def _filters_submit_themselves(tab: Tab, category_id: int) -> None:
    page = tab.page
    await tab.open("/goods/stock")
    async with page.expect_navigation():
        await page.select_option("select[name=category_id]", str(category_id))
    assert f"category_id={category_id}" in page.url
    async with page.expect_navigation():
        await page.check("input[name=low_stock]")
    assert "low_stock=10" in page.url


async def _role_change_submits(tab: Tab, context: AppContext) -> None:
    await tab.open("/staff")
    async with tab.page.expect_navigation():
        await tab.page.select_option("select[aria-label='clerk 的角色']", "owner")
    async with context.db.transaction(write=False) as session:
        role = await session.scalar(select(AdminUser.role).where(AdminUser.username == "clerk"))
    assert role == "owner"


async def _print_and_back(tab: Tab, order_id: int) -> None:
    page = tab.page
    await tab.open(f"/orders/{order_id}/slip")
    await page.evaluate("window.print = () => { window.printed = true }")
    await page.click("[data-print]")
    assert await page.evaluate("window.printed === true")
    await tab.open("/orders")
    await tab.open("/orders/999999999")
    await expect(page.locator(".error-page")).to_be_visible()
    async with page.expect_navigation():
        await page.click("a[data-back]")
    assert page.url.endswith("/console/orders")


async def test_console_pages_and_their_behaviours_run_under_the_csp_without_violations(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    await make_admin(context, username="clerk", role="staff")
    order, _ = await paid_order(client, context)
    detail = (await client.get("/api/v1/goods", params={"page_size": 1})).json()["items"][0]
    ids = {"goods_id": detail["id"], "order_id": order["id"]}
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await _visit_every_page(tab, ids)

    await tab.open("/goods")  # the factory's pictures do not exist: the covers fail to load
    await expect(tab.page.locator("img.cover").first).to_have_class(re.compile("is-broken"))
    await _filters_submit_themselves(tab, detail["category_id"])
    await _role_change_submits(tab, context)
    await _print_and_back(tab, order["id"])
    assert tab.csp_violations == []
    assert tab.errors == []

    await tab.page.evaluate(
        "document.body.insertAdjacentHTML('beforeend',"
        ' \'<img src="/nowhere.png" onerror="window.injected = true">\')'
    )

    async def reported() -> bool:  # the report crosses from the page to the test
        return bool(tab.csp_violations)

    await until(reported, "the CSP violation report", seconds=5)
    assert await tab.page.evaluate("window.injected === undefined")
    assert tab.csp_violations[0].startswith("script-src-attr blocked inline")
