"""The merchant's day in real Chromium against a live server: create goods with a 2 × 2 SKU
matrix and pictures, watch a shopper's paid order arrive on the dashboard, ship it."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
from playwright.async_api import expect

from tests import factories
from tests.console.browser import open_tab, png
from tests.console.helpers import make_admin, pay
from tests.waiting import until
from xiaodian.context import AppContext
from xiaodian.core.money import format_yuan

DROP_FILE = """async ([name, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
  const transfer = new DataTransfer()
  transfer.items.add(new File([bytes], name, { type: 'image/png' }))
  const zone = document.querySelector('[data-uploader=images]')
  const drop = new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true })
  zone.dispatchEvent(drop)
}"""


async def _add_spec(page: Any, index: int, name: str, values: str) -> None:
    await page.click("[data-add-spec]")
    spec = page.locator(f"[data-spec='{index}']")
    await spec.locator(".spec-name").fill(name)
    await spec.locator(".chip-add input").fill(values)
    await spec.locator(".chip-add input").press("Enter")


async def test_goods_with_a_2x2_sku_matrix_and_pictures_reach_the_shopper_api(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    category_id = await factories.make_category(context, name="服装")
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await tab.open("/goods/new")

    await page.fill("#f-title", "纯棉 T 恤")
    await page.fill("#f-subtitle", "新疆长绒棉")
    await page.select_option("#f-category_id", str(category_id))
    await _add_spec(page, 0, "颜色", "红色 蓝色")
    await _add_spec(page, 1, "尺码", "M，L")
    matrix = page.locator("[data-sku-matrix] tbody tr")
    await expect(matrix).to_have_count(4)
    await page.fill("[aria-label=批量价格]", "59.9")
    await page.fill("[aria-label=批量库存]", "20")
    await page.click("text=应用到全部")
    await page.fill("[aria-label='蓝色 / L 价格']", "69.90")
    await page.fill("[aria-label='蓝色 / L 库存']", "5")

    uploader = page.locator("[data-uploader=images]")
    await page.set_input_files(
        "[data-file-input=images]",
        files=[{"name": "red.png", "mimeType": "image/png", "buffer": png((220, 60, 60))}],
    )
    await expect(uploader.locator("figure.thumb")).to_have_count(1)
    blue = base64.b64encode(png((40, 90, 220))).decode()
    await page.evaluate(DROP_FILE, ["blue.png", blue])  # dropped, not picked
    await expect(uploader.locator("figure.thumb")).to_have_count(2)
    await uploader.locator("figure.thumb").nth(1).locator("[title=前移]").click()
    pictures = await uploader.locator("input[name=images]").evaluate_all(
        "inputs => inputs.map(input => input.value)"
    )
    assert len(pictures) == 2 and all(p.startswith("/media/images/") for p in pictures)
    await page.check("input[name=is_on_shelf]")
    await tab.screenshot("goods-editor-matrix-desktop")
    await page.click("[data-save]")

    await expect(page).to_have_url(re.compile(r"/console/goods/\d+$"))
    await expect(page.locator(".flash")).to_have_text("商品已创建")
    goods_id = int(page.url.rsplit("/", 1)[1])
    await expect(page.locator("[data-sku-matrix] tbody tr")).to_have_count(4)

    detail = (await client.get(f"/api/v1/goods/{goods_id}")).json()
    assert detail["title"] == "纯棉 T 恤" and detail["is_on_shelf"] is True
    skus = {tuple(sku["spec_values"]): sku for sku in detail["skus"]}
    assert set(skus) == {("红色", "M"), ("红色", "L"), ("蓝色", "M"), ("蓝色", "L")}
    assert skus[("蓝色", "L")]["price_fen"] == 6990 and skus[("蓝色", "L")]["stock"] == 5
    assert skus[("红色", "M")]["price_fen"] == 5990 and skus[("红色", "M")]["stock"] == 20
    assert detail["price_fen"] == 5990
    assert [url.rsplit("/", 1)[1] for url in detail["images"]] == [
        path.rsplit("/", 1)[1] for path in pictures
    ]
    assert tab.errors == []


async def test_a_paid_order_appears_on_the_dashboard_without_a_reload_and_is_shipped(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    goods = await factories.make_goods(context, title="红富士苹果", prices=[1990], stock=50)
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await expect(page.locator("[data-stat=paid-orders]")).to_have_text("0")
    await page.evaluate("window.stillTheSamePage = true")

    shopper = await factories.shopper(client, context)
    address_id = await factories.address(client, shopper)
    order = await factories.place_order(
        client, shopper, sku_id=goods["sku_ids"][0], quantity=3, address_id=address_id
    )
    await pay(client, context, shopper, order["id"])

    await expect(page.locator("[data-recent-orders]")).to_contain_text(
        order["order_no"], timeout=15_000
    )
    await expect(page.locator("[data-stat=paid-orders]")).to_have_text("1", timeout=10_000)
    await expect(page.locator("[data-stat=sales]")).to_have_text(format_yuan(order["total_fen"]))
    await expect(page.locator("[data-todo=to-ship]")).to_have_text("1")
    assert await page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"
    await tab.screenshot("dashboard-live-order-desktop")

    await page.click(f"[data-recent-orders] a:has-text('{order['order_no']}')")
    await expect(page.locator("[data-order-status]")).to_have_attribute("data-order-status", "paid")
    await page.fill("#f-tracking_no", "SF1234")
    await page.fill("#f-carrier", "顺丰速运")
    await page.fill("#f-tracking_no", "x!")
    await page.click("[data-ship-form] button[type=submit]")
    await expect(page.locator(".has-error .field-error")).to_contain_text("运单号")
    await page.fill("#f-tracking_no", "SF1234567890")
    await page.click("[data-ship-form] button[type=submit]")
    await expect(page.locator(".flash")).to_have_text("已发货")
    await expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", "shipped"
    )
    await expect(page.locator("[data-timeline]")).to_contain_text("SF1234567890")
    await tab.screenshot("order-shipped-desktop")

    shopper_view = await client.get(f"/api/v1/orders/{order['id']}", headers=shopper)
    assert shopper_view.json()["status"] == "shipped"
    assert shopper_view.json()["tracking_no"] == "SF1234567890"

    await tab.open(f"/orders/{order['id']}/slip")
    await expect(page.locator("[data-slip-order]")).to_contain_text(order["order_no"])
    await expect(page.locator(".slip")).to_contain_text("红富士苹果")
    await tab.screenshot("packing-slip-desktop")
    assert tab.errors == []


async def test_an_approved_refund_goes_back_to_the_shopper_and_the_order_shows_refunded(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    goods = await factories.make_goods(context, title="阳光玫瑰葡萄", prices=[3990], stock=10)
    shopper = await factories.shopper(client, context)
    address_id = await factories.address(client, shopper)
    order = await factories.place_order(
        client, shopper, sku_id=goods["sku_ids"][0], quantity=1, address_id=address_id
    )
    await pay(client, context, shopper, order["id"])
    asked = await client.post(
        f"/api/v1/orders/{order['id']}/refund", json={"reason": "不想要了"}, headers=shopper
    )
    assert asked.status_code == 200, asked.text

    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await expect(page.locator("[data-todo=refunds]")).to_have_text("1")
    await tab.open("/refunds?status=requested")
    card = page.locator(f"[data-refund-status=requested]:has-text('{order['order_no']}')")
    await expect(card).to_contain_text("不想要了")
    await expect(card).to_contain_text(format_yuan(order["total_fen"]))
    await tab.screenshot("refund-requested-desktop")
    await card.locator("[data-approve]").click()  # the confirmation dialog is accepted
    await expect(page.locator(".flash")).to_contain_text("已同意退款")

    async def refunded() -> bool:
        shopper_view = await client.get(f"/api/v1/orders/{order['id']}", headers=shopper)
        return bool(shopper_view.json()["status"] == "refunded")

    await until(refunded, "the shopper to see the order refunded", seconds=10)
    await tab.open(f"/orders/{order['id']}")
    await expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", "refunded"
    )
    await expect(page.locator("[data-refund-status=succeeded]")).to_contain_text("已退款")
    await tab.open("/")
    await expect(page.locator("[data-stat=refunds]")).to_contain_text("1")
    assert tab.errors == []
