from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update

from tests import factories
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import AuthToken, CartItem, User


async def test_adding_the_same_sku_twice_joins_the_line(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, prices=[500], stock=10)
    headers = await factories.shopper(client, context)
    sku_id = goods["sku_ids"][0]
    await client.post("/api/v1/cart/items", json={"sku_id": sku_id, "quantity": 2}, headers=headers)
    cart = (
        await client.post(
            "/api/v1/cart/items", json={"sku_id": sku_id, "quantity": 3}, headers=headers
        )
    ).json()
    assert [(line["quantity"], line["line_total_fen"]) for line in cart["items"]] == [(5, 2500)]
    assert (cart["selected_quantity"], cart["selected_total_fen"], cart["all_selected"]) == (
        5,
        2500,
        True,
    )


async def test_more_than_the_stock_cannot_go_in_the_cart(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=2)
    headers = await factories.shopper(client, context)
    response = await client.post(
        "/api/v1/cart/items", json={"sku_id": goods["sku_ids"][0], "quantity": 3}, headers=headers
    )
    assert response.status_code == 409
    assert response.json()["error"] == "out_of_stock"
    assert response.json()["details"]["stock"] == 2


async def test_the_cart_flags_short_stock_and_goods_off_the_shelf(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    short = await factories.make_goods(context, title="紧俏", stock=5)
    gone = await factories.make_goods(context, title="下架", stock=5)
    headers = await factories.shopper(client, context)
    admin = await factories.merchant(client, context)
    for goods in (short, gone):
        await client.post(
            "/api/v1/cart/items",
            json={"sku_id": goods["sku_ids"][0], "quantity": 4},
            headers=headers,
        )
    await client.patch(
        f"/api/admin/v1/skus/{short['sku_ids'][0]}", json={"stock": 1}, headers=admin
    )
    await client.post(
        f"/api/admin/v1/goods/{gone['id']}/shelf", json={"on_shelf": False}, headers=admin
    )
    cart = (await client.get("/api/v1/cart", headers=headers)).json()
    lines = {line["title"]: line for line in cart["items"]}
    assert (lines["紧俏"]["stock_short"], lines["紧俏"]["is_available"]) == (True, True)
    assert lines["下架"]["is_available"] is False
    assert cart["selected_quantity"] == 4


async def test_lines_can_be_changed_selected_and_removed(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, specs={"规格": ["小", "大"]}, prices=[100, 200])
    headers = await factories.shopper(client, context)
    for sku_id in goods["sku_ids"]:
        cart = (
            await client.post(
                "/api/v1/cart/items", json={"sku_id": sku_id, "quantity": 1}, headers=headers
            )
        ).json()
    first, second = cart["items"]
    cart = (
        await client.patch(
            f"/api/v1/cart/items/{first['id']}",
            headers=headers,
            json={"quantity": 3, "selected": False},
        )
    ).json()
    assert (cart["selected_total_fen"], cart["all_selected"]) == (second["price_fen"], False)
    cart = (
        await client.post("/api/v1/cart/select", json={"selected": True}, headers=headers)
    ).json()
    assert cart["all_selected"] is True
    cart = (await client.delete(f"/api/v1/cart/items/{second['id']}", headers=headers)).json()
    assert [line["id"] for line in cart["items"]] == [first["id"]]


async def test_another_shoppers_cart_line_is_404(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context)
    alice = await factories.shopper(client, context, "alice")
    bob = await factories.shopper(client, context, "bob")
    line = (
        await client.post("/api/v1/cart/items", json={"sku_id": goods["sku_ids"][0]}, headers=alice)
    ).json()["items"][0]
    assert (
        await client.patch(f"/api/v1/cart/items/{line['id']}", json={"quantity": 2}, headers=bob)
    ).status_code == 404
    assert (await client.delete(f"/api/v1/cart/items/{line['id']}", headers=bob)).status_code == 404
    assert (await client.get("/api/v1/cart", headers=alice)).json()["items"][0]["quantity"] == 1


async def test_the_cart_holds_at_most_100_lines(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, specs={"号": [str(n) for n in range(101)]})
    headers = await factories.shopper(client, context)
    for sku_id in goods["sku_ids"][:100]:
        response = await client.post("/api/v1/cart/items", json={"sku_id": sku_id}, headers=headers)
        assert response.status_code == 201
    full = await client.post(
        "/api/v1/cart/items", json={"sku_id": goods["sku_ids"][100]}, headers=headers
    )
    assert full.status_code == 400
    assert full.json()["error"] == "cart_full"


@pytest.mark.parametrize(
    "body",
    [
        {"sku_id": 1, "quantity": 0},
        {"sku_id": 1, "quantity": -3},
        {"sku_id": 1, "quantity": 1000},
        {"sku_id": 1, "quantity": 10**30},
        {"sku_id": "one"},
        {"quantity": 1},
        {"sku_id": 0},
    ],
)
async def test_bad_cart_requests_are_422(
    client: httpx.AsyncClient, context: AppContext, body: dict[str, object]
) -> None:
    headers = await factories.shopper(client, context)
    response = await client.post("/api/v1/cart/items", json=body, headers=headers)
    assert response.status_code == 422


async def test_unknown_or_off_shelf_skus_cannot_be_added(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    off = await factories.make_goods(context, on_shelf=False)
    headers = await factories.shopper(client, context)
    unknown = await client.post("/api/v1/cart/items", json={"sku_id": 987654}, headers=headers)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "sku_not_found")
    gone = await client.post(
        "/api/v1/cart/items", json={"sku_id": off["sku_ids"][0]}, headers=headers
    )
    assert (gone.status_code, gone.json()["error"]) == (409, "goods_off_shelf")


async def test_the_cart_answers_only_a_live_token_of_an_unblocked_shopper(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, prices=[500], stock=10)
    headers = await factories.shopper(client, context)
    body = {"sku_id": goods["sku_ids"][0], "quantity": 1}
    added = await client.post("/api/v1/cart/items", json=body, headers=headers)
    assert added.status_code == 201
    line_id = added.json()["items"][0]["id"]
    anonymous = await client.get("/api/v1/cart")
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "unauthorized")
    forged = await client.get("/api/v1/cart", headers={"Authorization": "Bearer nope"})
    assert (forged.status_code, forged.json()["message"]) == (401, "登录已过期，请重新登录")
    async with context.db.transaction() as session:
        await session.execute(update(AuthToken).values(expires_at=clock.now()))
    expired = await client.get("/api/v1/cart", headers=headers)
    assert (expired.status_code, expired.json()["message"]) == (401, "登录已过期，请重新登录")
    # Adding and changing a line check the caller in their own first statement: the same
    # refusals, for a well-formed request (a merchant's token is no shopper's).
    owner = await factories.merchant(client, context)
    for caller, refusal in (
        ({}, (401, "请先登录")),
        ({"Authorization": "Bearer nope"}, (401, "登录已过期，请重新登录")),
        (owner, (401, "登录已过期，请重新登录")),
        (headers, (401, "登录已过期，请重新登录")),  # expired above
    ):
        added = await client.post("/api/v1/cart/items", json=body, headers=caller)
        changed = await client.patch(
            f"/api/v1/cart/items/{line_id}", json={"quantity": 3}, headers=caller
        )
        for refused in (added, changed):
            assert (refused.status_code, refused.json()["message"]) == refusal, refused.text
    headers = await factories.shopper(client, context)
    async with context.db.transaction() as session:
        await session.execute(update(User).values(is_blocked=True))
    blocked = await client.patch("/api/v1/cart/items/1", json={"quantity": 2}, headers=headers)
    assert (blocked.status_code, blocked.json()["error"]) == (403, "forbidden")
    blocked = await client.post("/api/v1/cart/items", json=body, headers=headers)
    assert (blocked.status_code, blocked.json()["error"]) == (403, "forbidden")
    async with context.db.transaction() as session:
        lines = await session.scalar(select(func.count()).select_from(CartItem))
        units = await session.scalar(select(CartItem.quantity))
    assert (lines, units) == (1, 1)
