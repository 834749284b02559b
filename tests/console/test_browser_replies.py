"""Clearing a published review reply in the console asks first (real Chromium).

Kept apart from the other everyday fixes: its paid, shipped and reviewed order runs the whole
after-sale machinery, and the next module's dashboard test must not start right after it."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin, paid_order
from tests.payments.helpers import settle
from tests.waiting import until
from xiaodian.context import AppContext
from xiaodian.models import Review


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


async def test_saving_an_empty_reply_asks_before_it_deletes_the_published_one(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    review_id = await _reviewed(client, context)
    await settle(app)  # what paying and shipping set going (notifications, the outbox) ends here
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
    await until(tab.asked(), "the page's question")
    assert "删除已发布的回复" in tab.dialogs[0][1]
    async with context.db.transaction(write=False) as session:
        kept = await session.get(Review, review_id)
        assert kept is not None and kept.reply == "感谢支持"
    assert not tab.errors
