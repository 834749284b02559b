"""In real Chromium: the dashboard's live numbers follow the merchant channel (a new order shows
at once, no 5-second poll, no request at all while nothing happens), and polling takes over only
while the socket is down."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import expect

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin
from tests.waiting import until
from xiaodian.context import AppContext


async def test_a_new_order_reaches_the_open_dashboard_through_its_socket(
    client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    goods = await factories.make_goods(context, stock=50)
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await tab.open("/")
    await expect(page.locator("body")).to_have_attribute("data-live-socket", "open")
    pending = page.locator("a[href$='status=pending_payment'] strong")
    await expect(pending).to_have_text("0")
    shopper = await factories.shopper(client, context)
    address = await factories.address(client, shopper)
    await factories.place_order(client, shopper, sku_id=goods["sku_ids"][0], address_id=address)
    # Well within the 5 s poll: the push made the panel refresh.
    await expect(pending).to_have_text("1", timeout=3000)
    await expect(page.locator("body")).to_have_attribute("data-live-events", "1")
    assert tab.errors == []


# Counts, in the page and at the moment each call is made, the HTTP requests its scripts make
# (htmx uses XMLHttpRequest, the alert bell fetch).
COUNT_REQUESTS = """
window.__requests = []
window.__answered = 0
const open = XMLHttpRequest.prototype.open
XMLHttpRequest.prototype.open = function (method, url, ...rest) {
  window.__requests.push(String(url))
  this.addEventListener('loadend', () => { window.__answered += 1 })
  return open.call(this, method, url, ...rest)
}
const fetched = window.fetch
window.fetch = function (resource, ...rest) {
  window.__requests.push(String(resource instanceof Request ? resource.url : resource))
  return fetched.call(this, resource, ...rest).finally(() => { window.__answered += 1 })
}
"""


async def _requests(page: Any) -> list[str]:
    urls: list[str] = await page.evaluate("window.__requests.slice()")
    return urls


async def _live_refreshes(page: Any) -> int:
    return sum("/dashboard/live" in url for url in await _requests(page))


async def _more_than(page: Any, count: int) -> bool:
    return await _live_refreshes(page) > count


async def _no_request_open(page: Any) -> bool:
    done: bool = await page.evaluate("window.__requests.length === window.__answered")
    return done


async def test_with_the_socket_up_nothing_polls_and_while_it_is_refused_the_panel_polls(
    context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context, username="watcher")
    tab = await open_tab(browser, live_url)
    page = tab.page
    refuse = False
    sockets: list[Any] = []

    async def socket_route(socket: Any) -> None:
        sockets.append(socket)
        if refuse:
            await socket.close(code=1011)
        else:
            socket.connect_to_server()

    await page.route_web_socket(re.compile(r"/console/dashboard/socket$"), socket_route)
    await page.clock.install()
    await tab.login("watcher")
    await page.add_init_script(COUNT_REQUESTS)
    await tab.open("/")
    body = page.locator("body")
    await expect(body).to_have_attribute("data-live-socket", "open")

    # Socket up: two minutes of the page's time (Playwright's clock) make no request at all,
    # neither the panel's poll nor the alert bell's.
    before = await _requests(page)
    for _ in range(24):
        await page.clock.run_for(5000)
    assert await _requests(page) == before
    assert await body.get_attribute("data-live-polling") is None

    # The socket drops and every reconnect is refused: the panel polls every 5 s.
    refuse = True
    await sockets[-1].close(code=1011)
    await expect(body).not_to_have_attribute("data-live-socket", "open")
    await expect(body).to_have_attribute("data-live-polling", "")
    for step in range(1, 7):
        polled = await _live_refreshes(page)
        await page.clock.run_for(5000)
        await until(
            lambda polled=polled: _more_than(page, polled),
            f"poll {step} of the panel while the socket is down",
        )
    assert len(sockets) > 2, "it kept trying to reconnect"

    # Reconnecting is allowed again: once the socket is open the poll stops.
    refuse = False
    tried = len(sockets)
    for _ in range(12):
        await page.clock.run_for(5000)
        if len(sockets) > tried:
            break
    await expect(body).to_have_attribute("data-live-socket", "open")
    assert await body.get_attribute("data-live-polling") is None
    await page.clock.run_for(1000)  # the one catch-up refresh after the reconnect
    await until(lambda: _no_request_open(page), "the catch-up refresh")
    after_reconnect = await _requests(page)
    for _ in range(24):
        await page.clock.run_for(5000)
    assert await _requests(page) == after_reconnect
    assert tab.errors == []
