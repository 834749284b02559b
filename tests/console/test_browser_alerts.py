"""The new-order alert in Chromium: an order paid elsewhere shows up on an open console page
as a count in the title and the bell, a browser notification and a sound; muting keeps it quiet;
the orders page clears the count."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from playwright.async_api import expect

from tests.console.browser import open_tab
from tests.console.helpers import make_admin, signed_in
from tests.orders.test_bulk import _orders
from tests.orders.test_lifecycle import _paid
from tests.waiting import until
from xiaodian.context import AppContext

# Counts the notifications and sounds the page makes (headless Chromium shows neither).
RECORD = """
window.__notes = []; window.__beeps = 0;
window.Notification = class {
  constructor(title, options) { window.__notes.push(options.body) }
  static get permission() { return 'granted' }
  static requestPermission() { return Promise.resolve('granted') }
};
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  createOscillator() { window.__beeps += 1; return super.createOscillator() }
};
"""


async def test_alerts_over_http_announce_only_what_came_after_the_cursor(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    first = (await console.get("/alerts")).json()
    assert (first["paid"], first["refunds"]) == ([], [])
    (order,) = await _orders(client, context, 1, paid=False)
    await _paid(context, order["id"])
    later = (await console.get("/alerts", params={"since": first["cursor"]})).json()
    assert [item["order_no"] for item in later["paid"]] == [order["order_no"]]
    again = (await console.get("/alerts", params={"since": later["cursor"]})).json()
    assert again["paid"] == []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as stranger:
        refused = await stranger.get("/console/alerts", params={"since": first["cursor"]})
        assert refused.status_code in (303, 401), refused.status_code


async def test_a_paid_order_alerts_an_open_page_until_muted(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    unpaid = await _orders(client, context, 2, paid=False)
    tab = await open_tab(browser, live_url)
    await tab.page.context.add_init_script(RECORD)
    await tab.login("owner")
    await tab.open("/goods")
    bell = tab.page.locator("[data-alerts]")
    await expect(bell).to_have_attribute("data-cursor", re.compile(r".+"))
    await _paid(context, unpaid[0]["id"])
    poll_now = "document.dispatchEvent(new Event('xd:poll-alerts'))"
    await tab.page.evaluate(poll_now)

    async def title_counts() -> bool:
        return str(await tab.page.title()).startswith("(1) ")

    await until(title_counts, "the title to count the paid order", seconds=5)
    await expect(tab.page.locator("[data-alert-count]")).to_have_text("1")
    assert await tab.page.evaluate("window.__notes") == ["1 笔新订单已支付"]
    assert await tab.page.evaluate("window.__beeps") == 1
    await tab.screenshot("alert-new-order", full_page=False)

    await bell.click()  # permission granted already: the click mutes
    await expect(bell).to_have_class("icon-btn alert-bell is-muted")
    await _paid(context, unpaid[1]["id"])
    await tab.page.evaluate(poll_now)
    await until(title_counts, "the second order counted", seconds=5)
    assert await tab.page.evaluate("window.__beeps") == 1  # muted: no sound, no notification
    assert await tab.page.evaluate("window.__notes") == ["1 笔新订单已支付"]

    await tab.open("/orders")
    await expect(tab.page.locator("[data-alert-count]")).to_be_hidden()
    assert not (await tab.page.title()).startswith("(")
    assert not tab.errors
