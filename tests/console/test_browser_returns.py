"""退货退款 in real Chromium: the merchant agrees with a return address, sees the shopper's
return shipment, confirms receipt with 退回库存, and the order shows refunded; desktop and
375 px (no horizontal overflow), screenshots in test-artifacts/console/."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect

from tests import factories
from tests.console.browser import open_tab, png
from tests.console.helpers import make_admin, pay
from tests.waiting import until
from xiaodian.context import AppContext

ADDRESS = "深圳市南山区科技园一路 1 号 小店售后组 13800000000"


async def _return_requested(
    client: httpx.AsyncClient, context: AppContext
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    goods = await factories.make_goods(context, title="真丝睡衣", prices=[25900], stock=10)
    shopper = await factories.shopper(client, context)
    address_id = await factories.address(client, shopper)
    order = await factories.place_order(
        client, shopper, sku_id=goods["sku_ids"][0], quantity=2, address_id=address_id
    )
    await pay(client, context, shopper, order["id"])
    owner = await factories.merchant(client, context, username="api-owner")
    shipped = await client.post(
        f"/api/admin/v1/orders/{order['id']}/ship",
        headers=owner,
        json={"carrier": "顺丰速运", "tracking_no": "SF8800001"},
    )
    assert shipped.status_code == 200, shipped.text
    photo = await client.post(
        "/api/v1/media/images",
        headers=shopper,
        files={"file": ("damage.png", png((180, 40, 40), (400, 400)), "image/png")},
    )
    assert photo.status_code == 201, photo.text
    asked = await client.post(
        f"/api/v1/orders/{order['id']}/refund",
        headers=shopper,
        json={
            "reason": "面料起球",
            "return_goods": True,
            "lines": [{"line_id": order["lines"][0]["id"], "quantity": 1}],
            "photos": [photo.json()["url"]],
        },
    )
    assert asked.status_code == 200, asked.text
    return goods, shopper, order


async def test_a_return_is_agreed_received_with_restock_and_refunded_in_chromium(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    goods, shopper, order = await _return_requested(client, context)
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await tab.open("/refunds?status=requested")
    card = page.locator(f"[data-refund]:has-text('{order['order_no']}')")
    await expect(card.locator("[data-return-goods]")).to_have_text("退货退款")
    await expect(card.locator(".refund-photos img")).to_have_count(1)
    photo = card.locator(".refund-photos img")
    await photo.scroll_into_view_if_needed()  # it loads lazily
    # once it has loaded (or failed to): it may still be on its way when the card shows
    loaded = await photo.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)")
    assert loaded > 0, "the shopper's photo did not load"
    await expect(card).to_contain_text("259.00")
    await tab.screenshot("return-requested-desktop")
    await card.locator("textarea[name=address]").fill("太短")
    await card.locator("[data-agree-return] button").click()
    await expect(page.locator(".field-error")).to_contain_text("请填写完整的退货地址")
    card = page.locator(f"[data-refund]:has-text('{order['order_no']}')")
    await card.locator("textarea[name=address]").fill(ADDRESS)
    await card.locator("[data-agree-return] button").click()
    await expect(page.locator(".flash")).to_contain_text("已同意退货")

    refund_id = int(await card.get_attribute("data-refund") or 0)
    back = await client.post(
        f"/api/v1/refunds/{refund_id}/return-shipment",
        headers=shopper,
        json={"carrier": "中通快递", "tracking_no": "ZT5500001"},
    )
    assert back.status_code == 200, back.text
    await tab.open("/refunds?status=returning")
    card = page.locator(f"[data-refund-status=returning]:has-text('{order['order_no']}')")
    await expect(card.locator("[data-return-tracking]")).to_contain_text("中通快递 ZT5500001")
    await expect(card).to_contain_text(ADDRESS)
    await tab.screenshot("return-arrived-desktop")
    await card.locator("[data-receive]").click()  # the confirmation dialog is accepted
    await expect(page.locator(".flash")).to_contain_text("已确认收货并退款")
    assert any("确认已收到退货" in message for _, message in tab.dialogs)

    async def refunded_and_restocked() -> bool:
        detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
        refunds = await client.get(f"/api/v1/orders/{order['id']}/refunds", headers=shopper)
        return bool(refunds.json()[-1]["status"] == "succeeded" and detail["skus"][0]["stock"] == 9)

    await until(refunded_and_restocked, "the refund settled and one unit back", seconds=10)
    await tab.open(f"/orders/{order['id']}")
    await expect(page.locator("[data-refund-status=succeeded]")).to_contain_text("已退回库存")
    await tab.screenshot("return-refunded-order-desktop")
    assert tab.errors == []

    phone = await open_tab(browser, live_url, phone=True)
    await phone.login("owner")
    await phone.open("/refunds")
    await expect(phone.page.locator(f"[data-refund='{refund_id}']")).to_contain_text("ZT5500001")
    assert await phone.horizontal_overflow() == 0
    await phone.screenshot("return-refunds-phone")
    assert phone.errors == []
