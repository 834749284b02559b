"""The console in real Chromium: who may see what, the lockout, CSRF, and every main page on a
desktop and on a 375 px phone (screenshots in test-artifacts/console/)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin, pay
from xiaodian.context import AppContext
from xiaodian.seed.demo import seed_demo

POST_WITHOUT_TOKEN = """async (path) => {
  const response = await fetch(path, { method: 'POST', body: new URLSearchParams({ title: 'x' }) })
  return response.status
}"""
POST_WITH_TOKEN = """async (path) => {
  const token = document.querySelector('meta[name=csrf-token]').content
  const response = await fetch(path, {
    method: 'POST', body: new URLSearchParams({ title: 'x' }), headers: { 'X-CSRF-Token': token },
  })
  return response.status
}"""


async def test_staff_do_not_see_owner_pages_and_get_a_403_page_if_they_go_there(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    await make_admin(context, username="clerk", role="staff")
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("clerk")
    nav = page.locator(".nav")
    await expect(nav).to_contain_text("订单管理")
    await expect(nav.locator("[data-section=staff]")).to_have_count(0)
    await expect(nav.locator("[data-section=settings]")).to_have_count(0)
    for path in ("/staff", "/settings"):
        response = await page.goto(f"{live_url}/console{path}")
        assert response is not None and response.status == 403
        await expect(page.locator(".error-page")).to_contain_text("只有店主可以访问此页面")
    await tab.screenshot("forbidden-desktop")
    await tab.open("/orders")
    await expect(page.locator(".page-title")).to_have_text("订单管理")
    assert tab.errors == []


async def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context, username="boss")
    tab = await open_tab(browser, live_url)
    page = tab.page
    for left in (4, 3, 2, 1):
        await tab.login("boss", "wrong-password")
        await expect(page.locator(".alert-error")).to_contain_text(
            f"用户名或密码错误，还可尝试 {left} 次"
        )
    await tab.login("boss", "wrong-password")
    await expect(page.locator(".alert-error")).to_contain_text("用户名或密码错误，账号已锁定")
    await tab.login("boss")
    await expect(page.locator(".alert-error")).to_contain_text("锁定 15 分钟")
    await expect(page).to_have_url(f"{live_url}/console/login")
    await tab.screenshot("login-locked-desktop")


async def test_a_post_without_the_csrf_token_is_refused_with_403(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    refused = await tab.page.evaluate(POST_WITHOUT_TOKEN, "/console/goods/new")
    assert refused == 403
    accepted = await tab.page.evaluate(POST_WITH_TOKEN, "/console/goods/new")
    assert accepted == 422  # past the CSRF check, stopped by the form's own validation


PAGES = [
    ("dashboard", "/"),
    ("goods", "/goods"),
    ("goods-editor", "/goods/{goods_id}"),
    ("stock", "/goods/stock"),
    ("categories", "/categories"),
    ("banners", "/banners"),
    ("orders", "/orders"),
    ("order-detail", "/orders/{order_id}"),
    ("refunds", "/refunds"),
    ("anomalies", "/payments/anomalies"),
    ("reviews", "/reviews"),
    ("staff", "/staff"),
    ("settings", "/settings"),
    ("wechat", "/wechat"),
    ("account-password", "/account/password"),
    ("packing-slip", "/orders/{order_id}/slip"),
    ("coupons", "/coupons"),
    ("coupon-new", "/coupons/new"),
    ("promotions", "/promotions"),
]


async def _demo_shop(client: httpx.AsyncClient, context: AppContext) -> dict[str, int]:
    """The demo shop (a month of history) plus an order paid today and a refund request."""
    async with context.db.transaction() as session:
        await seed_demo(session, settings=context.settings)
    await make_admin(context, username="demo")
    goods = (await client.get("/api/v1/goods", params={"page_size": 1})).json()["items"][0]
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    shopper = await factories.shopper(client, context, openid="screenshot-shopper")
    address_id = await factories.address(client, shopper, name="林小满")
    order_ids = []
    for quantity in (2, 1):
        order = await factories.place_order(
            client,
            shopper,
            sku_id=detail["skus"][0]["id"],
            quantity=quantity,
            address_id=address_id,
        )
        await pay(client, context, shopper, order["id"])
        order_ids.append(order["id"])
    await client.post(
        f"/api/v1/orders/{order_ids[1]}/refund", json={"reason": "买多了"}, headers=shopper
    )
    return {"goods_id": goods["id"], "order_id": order_ids[0]}


@pytest.mark.screenshots
async def test_every_main_page_works_on_a_desktop_and_on_a_375px_phone(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    ids = await _demo_shop(client, context)
    for device in ("desktop", "phone"):
        tab = await open_tab(browser, live_url, phone=device == "phone")
        page = tab.page
        await tab.open("/login")
        await tab.screenshot(f"login-{device}", full_page=False)
        await tab.login("demo")
        for name, path in PAGES:
            response = await page.goto(f"{live_url}/console{path.format(**ids)}")
            assert response is not None and response.status == 200, (name, response)
            await page.wait_for_load_state("networkidle")
            await tab.screenshot(f"{name}-{device}")
            assert await tab.horizontal_overflow() <= 0, f"{name} is wider than the {device}"
        if device == "phone":
            await tab.open("/")
            sidebar = page.locator("#sidebar")
            assert (await sidebar.bounding_box() or {"x": 0})["x"] < 0  # tucked away
            await page.click(".nav-toggle")
            await expect(page.locator("body")).to_have_class("nav-open")
            await page.wait_for_function(  # the menu has slid in
                "document.querySelector('#sidebar').getBoundingClientRect().left >= 0"
            )
            await tab.screenshot("menu-phone", full_page=False)
            await page.click("[data-section=orders]")
            await expect(page.locator(".page-title")).to_have_text("订单管理")
        assert tab.errors == [], tab.errors
        await page.context.close()
