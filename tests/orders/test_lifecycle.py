from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests import factories
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.orders import jobs


async def _setup(
    client: httpx.AsyncClient, context: AppContext, *, stock: int = 10, quantity: int = 2
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    goods = await factories.make_goods(context, stock=stock, prices=[1000])
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    order = await factories.place_order(
        client, headers, sku_id=goods["sku_ids"][0], quantity=quantity, address_id=address_id
    )
    return goods, headers, order


async def _stock(client: httpx.AsyncClient, goods_id: int) -> int:
    return int((await client.get(f"/api/v1/goods/{goods_id}")).json()["skus"][0]["stock"])


async def _paid(context: AppContext, order_id: int) -> None:
    """Payment arrives (the payments domain calls exactly this)."""
    from xiaodian.core.actors import Actor
    from xiaodian.orders import actions, service

    async with context.db.transaction() as session:
        order = await service.order_for_update(session, order_id=order_id)
        assert await actions.mark_paid(session, order=order, by=Actor.system("test"))


async def test_cancelling_gives_the_stock_back_once(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, headers, order = await _setup(client, context)
    assert await _stock(client, goods["id"]) == 8
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert (cancelled.json()["status"], cancelled.json()["close_reason"]) == ("closed", "买家取消")
    again = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert (again.status_code, again.json()["error"]) == (409, "order_not_pending")
    assert await _stock(client, goods["id"]) == 10


async def test_the_unpaid_sweep_closes_late_orders_and_returns_stock(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, headers, order = await _setup(client, context)
    assert await jobs.close_unpaid_orders(context) == 0
    clock.advance(timedelta(minutes=31))
    assert await jobs.close_unpaid_orders(context) == 1
    assert await jobs.close_unpaid_orders(context) == 0
    detail = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert (detail["status"], detail["close_reason"], detail["can_pay"]) == (
        "closed",
        "超时未支付",
        False,
    )
    assert await _stock(client, goods["id"]) == 10


async def test_a_cancel_racing_the_sweep_returns_stock_exactly_once(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Eight unpaid orders of one shopper: more than a shop allows by default (five).
    monkeypatch.setattr(context.settings, "max_unpaid_orders_per_shopper", 8)
    goods = await factories.make_goods(context, stock=100, prices=[1000])
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    orders = [
        await factories.place_order(
            client, headers, sku_id=goods["sku_ids"][0], quantity=3, address_id=address_id
        )
        for _ in range(8)
    ]
    assert await _stock(client, goods["id"]) == 76
    clock.advance(timedelta(hours=1))
    cancels = [client.post(f"/api/v1/orders/{o['id']}/cancel", headers=headers) for o in orders]
    results = await asyncio.gather(jobs.close_unpaid_orders(context), *cancels)
    swept, responses = results[0], results[1:]
    cancelled = sum(1 for r in responses if r.status_code == 200)
    assert all(r.status_code in (200, 409) for r in responses)
    assert swept + cancelled == 8
    assert await _stock(client, goods["id"]) == 100


async def test_a_paid_order_is_shipped_confirmed_and_reviewed(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, headers, order = await _setup(client, context)
    admin = await factories.merchant(client, context)
    early = await client.post(
        f"/api/admin/v1/orders/{order['id']}/ship",
        headers=admin,
        json={"carrier": "顺丰", "tracking_no": "SF1234567890"},
    )
    assert (early.status_code, early.json()["error"]) == (409, "order_state_conflict")
    await _paid(context, order["id"])
    paid = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert (paid["status_text"], paid["can_refund"], paid["can_cancel"]) == ("待发货", True, False)
    shipped = (
        await client.post(
            f"/api/admin/v1/orders/{order['id']}/ship",
            headers=admin,
            json={"carrier": "顺丰", "tracking_no": "SF1234567890"},
        )
    ).json()
    assert (shipped["status"], shipped["tracking_no"]) == ("shipped", "SF1234567890")
    premature = await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        headers=headers,
        json={"reviews": [{"line_id": shipped["lines"][0]["id"], "score": 5}]},
    )
    assert (premature.status_code, premature.json()["error"]) == (409, "not_reviewable")
    done = (await client.post(f"/api/v1/orders/{order['id']}/confirm", headers=headers)).json()
    assert (done["status"], done["can_review"]) == ("completed", True)
    assert [step["status"] for step in done["timeline"]] == [
        "pending_payment",
        "paid",
        "shipped",
        "completed",
    ]
    line_id = done["lines"][0]["id"]
    review = {"line_id": line_id, "score": 4, "content": "新鲜 🍎", "images": ["/media/x.webp"]}
    written = await client.post(
        f"/api/v1/orders/{order['id']}/reviews", headers=headers, json={"reviews": [review]}
    )
    assert written.status_code == 201
    twice = await client.post(
        f"/api/v1/orders/{order['id']}/reviews", headers=headers, json={"reviews": [review]}
    )
    assert (twice.status_code, twice.json()["error"]) == (409, "already_reviewed")
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert detail["review_summary"] == {"count": 1, "average_score": 4.0}
    assert detail["recent_reviews"][0]["content"] == "新鲜 🍎"
    assert detail["sales"] == 2
    reviews = (await client.get(f"/api/v1/goods/{goods['id']}/reviews")).json()
    assert reviews["total"] == 1


async def test_shipped_orders_complete_by_themselves_after_the_confirm_window(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _, headers, order = await _setup(client, context)
    admin = await factories.merchant(client, context)
    await _paid(context, order["id"])
    await client.post(
        f"/api/admin/v1/orders/{order['id']}/ship",
        headers=admin,
        json={"carrier": "门店配送", "tracking_no": "MD0001"},
    )
    assert await jobs.auto_confirm_orders(context) == 0
    clock.advance(timedelta(days=11))
    assert await jobs.auto_confirm_orders(context) == 1
    detail = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert detail["status"] == "completed"


async def test_order_tabs_and_counts_follow_the_status(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=50)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    sku_id = goods["sku_ids"][0]
    unpaid = await factories.place_order(client, headers, sku_id=sku_id, address_id=address_id)
    paid = await factories.place_order(client, headers, sku_id=sku_id, address_id=address_id)
    await _paid(context, paid["id"])
    closed = await factories.place_order(client, headers, sku_id=sku_id, address_id=address_id)
    await client.post(f"/api/v1/orders/{closed['id']}/cancel", headers=headers)

    async def ids(tab: str) -> list[int]:
        page = (await client.get("/api/v1/orders", params={"status": tab}, headers=headers)).json()
        return [order["id"] for order in page["items"]]

    assert await ids("pending_payment") == [unpaid["id"]]
    assert await ids("paid") == [paid["id"]]
    assert await ids("closed") == [closed["id"]]
    assert await ids("all") == [closed["id"], paid["id"], unpaid["id"]]
    counts = (await client.get("/api/v1/me", headers=headers)).json()["order_counts"]
    assert counts == {
        "pending_payment": 1,
        "paid": 1,
        "shipped": 0,
        "to_review": 0,
        "after_sale": 0,
    }
    assert (
        await client.get("/api/v1/orders", params={"status": "nope"}, headers=headers)
    ).status_code == 422


async def test_another_shoppers_order_is_404_for_every_action(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _, _, order = await _setup(client, context)
    stranger = await factories.shopper(client, context, "stranger")
    for method, suffix in [("GET", ""), ("POST", "/cancel"), ("POST", "/confirm")]:
        response = await client.request(
            method, f"/api/v1/orders/{order['id']}{suffix}", headers=stranger
        )
        assert (response.status_code, response.json()["error"]) == (404, "order_not_found")


async def test_merchant_can_close_an_unpaid_order_and_find_orders(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, _, order = await _setup(client, context)
    admin = await factories.merchant(client, context)
    found = (
        await client.get(
            "/api/admin/v1/orders", headers=admin, params={"q": order["order_no"][-6:]}
        )
    ).json()
    assert [o["id"] for o in found["items"]] == [order["id"]]
    by_phone = (
        await client.get(
            "/api/admin/v1/orders",
            headers=admin,
            params={"q": "13800000000", "status": "pending_payment"},
        )
    ).json()
    assert by_phone["total"] == 1
    closed = (
        await client.post(
            f"/api/admin/v1/orders/{order['id']}/close", headers=admin, json={"reason": "缺货"}
        )
    ).json()
    assert (closed["status"], closed["close_reason"]) == ("closed", "缺货")
    assert await _stock(client, goods["id"]) == 10


@pytest.mark.parametrize(
    "shipment",
    [
        {"carrier": "", "tracking_no": "SF123456"},
        {"carrier": "顺丰", "tracking_no": "1"},
        {"carrier": "顺丰", "tracking_no": "SF 123 456"},
        {"carrier": "顺丰"},
    ],
)
async def test_bad_shipments_are_422(
    client: httpx.AsyncClient, context: AppContext, shipment: dict[str, str]
) -> None:
    admin = await factories.merchant(client, context)
    response = await client.post("/api/admin/v1/orders/1/ship", headers=admin, json=shipment)
    assert response.status_code == 422
