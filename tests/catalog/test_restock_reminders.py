"""到货提醒: a shopper waits for a sold-out SKU and is told once, through a subscribe message
queued in the outbox, when the merchant puts stock back; the merchant sees who waits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select

from tests import factories
from tests.wechat.conftest import platform
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.events import outbox
from xiaodian.models import SubscribeMessage


@pytest.fixture(autouse=True)
def _clean_platform(app: FastAPI) -> Iterator[None]:
    platform(app).clear()
    yield
    platform(app).clear()


FIELDS = {"thing1": "goods_title", "phrase2": "status", "thing3": "note"}


async def _setup(client: httpx.AsyncClient, context: AppContext) -> dict[str, Any]:
    merchant = await factories.merchant(client, context)
    response = await client.put(
        "/api/admin/v1/wechat/templates/restocked",
        json={"template_id": "TPL_BACK", "fields": FIELDS},
        headers=merchant,
    )
    assert response.status_code == 200, response.text
    goods = await factories.make_goods(
        context, title="阳光玫瑰葡萄", specs={"规格": ["1斤", "2斤"]}, stock=0
    )
    return {"merchant": merchant, "goods": goods}


async def _shopper(
    client: httpx.AsyncClient, context: AppContext, openid: str, *, grants: int = 1
) -> dict[str, str]:
    headers = await factories.shopper(client, context, openid=openid)
    for _ in range(grants):
        answer = await client.post(
            "/api/v1/me/subscriptions", json={"TPL_BACK": "accept"}, headers=headers
        )
        assert answer.status_code == 200, answer.text
    return headers


async def _remind(client: httpx.AsyncClient, headers: dict[str, str], sku_id: int) -> Any:
    return await client.post("/api/v1/restock-reminders", json={"sku_id": sku_id}, headers=headers)


async def _put_stock(
    client: httpx.AsyncClient, merchant: dict[str, str], sku_id: int, stock: int
) -> None:
    response = await client.post(
        "/api/admin/v1/skus/stock",
        json={"items": [{"sku_id": sku_id, "stock": stock}]},
        headers=merchant,
    )
    assert response.status_code == 200, response.text


async def _waiting(client: httpx.AsyncClient, merchant: dict[str, str]) -> Any:
    response = await client.get("/api/admin/v1/restock-reminders", headers=merchant)
    assert response.status_code == 200, response.text
    return response.json()


async def _messages(context: AppContext) -> list[tuple[str, int, str]]:
    async with context.db.transaction(write=False) as session:
        rows = await session.execute(
            select(SubscribeMessage.event, SubscribeMessage.user_id, SubscribeMessage.status)
        )
        return sorted((event, user_id, status) for event, user_id, status in rows)


async def test_waiting_shoppers_are_told_once_when_stock_returns(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    setup = await _setup(client, context)
    sku, other_sku = setup["goods"]["sku_ids"]
    first = await _shopper(client, context, "back-1")
    second = await _shopper(client, context, "back-2", grants=2)
    assert (await _remind(client, first, sku)).json() == {"sku_ids": [sku]}
    assert (await _remind(client, second, sku)).status_code == 201
    assert (await _remind(client, second, sku)).status_code == 201  # asking twice: one wait
    await _remind(client, second, other_sku)

    waiting = (
        await client.get("/api/admin/v1/restock-reminders", headers=setup["merchant"])
    ).json()
    assert [(row["sku_id"], row["waiting"]) for row in waiting] == [(sku, 2), (other_sku, 1)]
    assert waiting[0]["goods_title"] == "阳光玫瑰葡萄"

    await _put_stock(client, setup["merchant"], sku, 5)
    await outbox.drain(context)
    messages = await _messages(context)
    assert [(event, status) for event, _, status in messages] == [("restocked", "sent")] * 2
    assert platform(app).calls["subscribe_send"] == 2

    # stock moving again (a sale, more stock) tells nobody a second time
    await _put_stock(client, setup["merchant"], sku, 9)
    await outbox.drain(context)
    assert platform(app).calls["subscribe_send"] == 2
    waiting = (
        await client.get("/api/admin/v1/restock-reminders", headers=setup["merchant"])
    ).json()
    assert [(row["sku_id"], row["waiting"]) for row in waiting] == [(other_sku, 1)]
    mine = await client.get(
        "/api/v1/restock-reminders",
        params={"goods_id": setup["goods"]["id"]},
        headers=second,
    )
    assert mine.json() == {"sku_ids": [other_sku]}


async def test_a_busy_wechat_is_retried_and_the_reminder_kept_until_sent(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    setup = await _setup(client, context)
    sku = setup["goods"]["sku_ids"][0]
    shopper = await _shopper(client, context, "back-3")
    await _remind(client, shopper, sku)
    platform(app).faults["subscribe_send"] = [-1]
    await _put_stock(client, setup["merchant"], sku, 3)
    await outbox.drain(context)
    assert await _messages(context) == []
    clock.freeze(clock.now() + timedelta(minutes=1))
    await outbox.drain(context)
    assert [status for _, _, status in await _messages(context)] == ["sent"]
    assert platform(app).calls["subscribe_send"] == 2


async def test_without_a_grant_nothing_is_sent_but_the_reminder_is_used(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    setup = await _setup(client, context)
    sku = setup["goods"]["sku_ids"][0]
    shopper = await _shopper(client, context, "back-4", grants=0)
    await _remind(client, shopper, sku)
    await _put_stock(client, setup["merchant"], sku, 3)
    await outbox.drain(context)
    assert [status for _, _, status in await _messages(context)] == ["no_grant"]
    assert platform(app).calls.get("subscribe_send", 0) == 0


async def test_a_sku_in_stock_or_unknown_is_refused_and_strangers_are_turned_away(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, title="有货的", stock=5)
    shopper = await factories.shopper(client, context, openid="back-5")
    in_stock = await _remind(client, shopper, goods["sku_ids"][0])
    assert in_stock.status_code == 409
    assert in_stock.json()["error"] == "sku_in_stock"
    unknown = await _remind(client, shopper, 999_999)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "sku_not_found"
    anonymous = await client.post("/api/v1/restock-reminders", json={"sku_id": goods["sku_ids"][0]})
    assert anonymous.status_code == 401
    merchant_only = await client.get("/api/admin/v1/restock-reminders", headers=shopper)
    assert merchant_only.status_code == 401


async def test_only_a_change_that_can_raise_stock_looks_for_waiting_shoppers(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """An order only takes units: its transaction (inside the SKU rows' lock) never looks for
    reminders. Giving units back (the order closed) does."""
    setup = await _setup(client, context)
    sku = setup["goods"]["sku_ids"][0]
    await _put_stock(client, setup["merchant"], sku, 5)
    buyer = await factories.shopper(client, context, openid="back-buyer")
    address_id = await factories.address(client, buyer)
    looked: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "restock_reminders" in statement:
            looked.append(statement)

    engine = context.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        order = await factories.place_order(client, buyer, sku_id=sku, address_id=address_id)
        assert looked == []
        cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer)
        assert cancelled.status_code == 200, cancelled.text
        assert len(looked) == 1
    finally:
        event.remove(engine, "before_cursor_execute", note)
