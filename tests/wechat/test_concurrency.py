"""The rules that must hold under concurrency: grants counted exactly, one upload per attempt,
one share code made once."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests import factories
from tests.payments.helpers import settle
from tests.wechat.conftest import platform
from tests.wechat.helpers import admin, paid_order, ship
from xiaodian.context import AppContext
from xiaodian.wechat import shipping


async def test_twenty_grant_reports_at_once_count_twenty(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context, "many-taps")
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/me/subscriptions", json={"TPL_X": "accept"}, headers=headers)
            for _ in range(20)
        )
    )
    assert [a.status_code for a in answers] == [200] * 20
    final = (await client.get("/api/v1/me/subscriptions", headers=headers)).json()
    assert final["grants"] == {"TPL_X": 20}


async def test_two_retries_at_once_upload_once(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, _ = await paid_order(app, client, context)
    merchant = await admin(client, context)
    platform(app).faults["upload_shipping_info"] = [-1]
    await ship(client, merchant, order["id"])
    await settle(app)
    assert len(platform(app).received["upload_shipping_info"]) == 1
    results = await asyncio.gather(
        *(shipping.attempt(context, order_id=order["id"]) for _ in range(5))
    )
    assert "uploaded" in results
    assert len(platform(app).received["upload_shipping_info"]) == 2  # one more, not five


async def test_a_share_code_asked_for_at_once_is_made_once(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context)
    headers = await factories.shopper(client, context, "sharers")
    answers = await asyncio.gather(
        *(
            client.get(f"/api/v1/share-codes/goods/{goods['id']}", headers=headers)
            for _ in range(10)
        )
    )
    assert [a.status_code for a in answers] == [200] * 10
    assert len({a.content for a in answers}) == 1
    assert platform(app).calls["getwxacodeunlimit"] == 1
