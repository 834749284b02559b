"""Orders in bulk in real Chromium: tick orders and print receipts or A4 slips with barcodes,
ship a batch from a CSV after its preview, read the operation log (desktop and phone)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import expect

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin
from tests.orders.test_bulk import _orders
from xiaodian.context import AppContext


def _decode(widths: list[int]) -> list[int]:
    """Symbol values read back from Code 128 element widths (6 per symbol, the stop has 7)."""
    from xiaodian.console.barcode import PATTERNS

    lookup = {pattern: value for value, pattern in enumerate(PATTERNS)}
    values = []
    i = 0
    while i < len(widths):
        size = 7 if i + 7 == len(widths) else 6
        values.append(lookup["".join(str(w) for w in widths[i : i + size])])
        i += size
    return values


def test_order_number_barcodes_read_back_with_a_valid_check_symbol() -> None:
    from xiaodian.console.barcode import START_B, START_C, STOP, modules, symbols

    number = "20261201093015123456"
    values = _decode(modules(number))
    assert values[0] == START_C and values[-1] == STOP
    data = values[1:-2]
    assert "".join(f"{v:02d}" for v in data) == number
    check = (values[0] + sum(v * i for i, v in enumerate(data, start=1))) % 103
    assert values[-2] == check
    # by hand (set B): 104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5 + 19·6 + 35·7 = 879 ≡ 55 (mod 103)
    assert symbols("PJJ123C") == [START_B, 48, 42, 42, 17, 18, 19, 35, 55, STOP]


async def test_batch_print_and_batch_ship_in_chromium(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    orders = await _orders(client, context, 3)
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/orders?status=paid")
    await expect(tab.page.locator("[data-count='paid']")).to_have_text("3")
    await tab.page.check("[data-pick-all]")
    await expect(tab.page.locator("[data-selected-count]")).to_have_text("已选 3 单：")
    async with tab.page.context.expect_page() as opened:
        await tab.page.click("button[value='58']")
    receipts = await opened.value
    await receipts.wait_for_load_state()
    await expect(receipts.locator("[data-receipt-order]")).to_have_count(3)
    await expect(receipts.locator("svg.barcode")).to_have_count(3)
    for order in orders:
        await expect(receipts.locator(f"[data-barcode='{order['order_no']}']")).to_have_count(1)
    await expect(receipts.locator("[data-sku-code]").first).to_have_text("GRAPE-500")
    width = await receipts.evaluate(
        "document.querySelector('.receipt').getBoundingClientRect().width"
    )
    assert 170 < width < 200  # 48 mm of printable width at 96 dpi ≈ 181 px
    await receipts.screenshot(path=str(_artifact("orders-receipts-58mm")), full_page=True)
    await receipts.close()
    async with tab.page.context.expect_page() as opened:
        await tab.page.click("button[value='a4']")
    slips = await opened.value
    await slips.wait_for_load_state()
    await expect(slips.locator("[data-slip-order]")).to_have_count(3)
    await slips.screenshot(path=str(_artifact("orders-slips-a4")), full_page=True)
    await slips.close()

    await tab.open("/orders/ship-import")
    lines = [f"{o['order_no']},顺丰速运,SF300{n}" for n, o in enumerate(orders)]
    await tab.page.fill("#f-csv", "\n".join([*lines, "12345678901234567890,顺丰速运,SF3009"]))
    await tab.page.click("[data-import-form] button[type=submit]")
    await expect(tab.page.locator("[data-bad-lines]")).to_have_attribute("data-bad-lines", "1")
    await expect(tab.page.locator("[data-line='4'] [data-line-error]")).to_have_text("订单不存在")
    await expect(tab.page.locator("[data-apply]")).to_have_count(0)
    await tab.screenshot("orders-ship-import-errors")
    await tab.page.fill("#f-csv", "\n".join(lines))
    await tab.page.click("[data-import-form] button[type=submit]")
    await expect(tab.page.locator("[data-apply]")).to_contain_text("确认发货 3 单")
    await tab.screenshot("orders-ship-import-preview")
    async with tab.page.expect_navigation():
        await tab.page.click("[data-apply]")
    assert any("确定发货这 3 单吗" in message for _, message in tab.dialogs)
    await expect(tab.page.locator("body")).to_contain_text("已发货 3 单")
    await expect(tab.page.locator("[data-count='shipped']")).to_have_text("3")
    for n, order in enumerate(orders):
        detail = await client.get(
            f"/api/admin/v1/orders/{order['id']}",
            headers=await factories.merchant(client, context, username=f"reader{n}"),
        )
        assert detail.json()["tracking_no"] == f"SF300{n}"

    await tab.open("/oplog")
    await expect(tab.page.locator("[data-log='order.ship']")).to_have_count(3)
    await tab.screenshot("oplog-desktop")
    phone = await open_tab(browser, live_url, phone=True)
    await phone.login("owner")
    await phone.open("/oplog")
    await expect(phone.page.locator("[data-log='order.ship']")).to_have_count(3)
    assert await phone.horizontal_overflow() == 0
    await phone.screenshot("oplog-phone")
    await phone.open("/orders")
    assert await phone.horizontal_overflow() == 0
    await phone.screenshot("orders-bulk-phone")
    assert not tab.errors and not phone.errors


def _artifact(name: str) -> Any:
    from tests.console.conftest import ARTIFACTS

    return ARTIFACTS / f"{name}.png"


async def test_the_reports_page_draws_its_chart_in_chromium(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    orders = await _orders(client, context, 2)
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/reports")
    await expect(tab.page.locator("[data-report-chart][data-drawn]")).to_have_count(1)
    net = sum(order["total_fen"] for order in orders)
    await expect(tab.page.locator("[data-total-net]")).to_have_text(
        f"¥{net // 100}.{net % 100:02d}"
    )
    await tab.screenshot("reports-by-day")
    await tab.page.click("[data-report-tab='sku']")
    await expect(tab.page.locator("[data-report='sku'] tbody tr")).to_have_count(1)
    await expect(tab.page.locator("[data-report-chart][data-drawn]")).to_have_count(1)
    await tab.screenshot("reports-by-sku")
    async with tab.page.expect_download() as download:
        await tab.page.click("[data-report-export]")
    saved = await (await download.value).path()
    assert saved is not None
    assert "GRAPE-500" in Path(saved).read_text(encoding="utf-8-sig")
    assert not tab.errors
