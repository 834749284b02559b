"""PUT /api/admin/v1/goods/{id} from a stale read never gives back stock that orders took."""

from __future__ import annotations

from typing import Any

import httpx

from tests import factories
from xiaodian.context import AppContext


def put_body(read: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """What a client sends after reading the goods: the same values, `stock_was` per SKU."""
    body = {
        key: read[key]
        for key in ("category_id", "title", "subtitle", "unit", "description", "is_on_shelf")
    }
    body |= {"images": read["images"], "specs": read["specs"], "sort_order": read["sort_order"]}
    body["skus"] = [
        {
            "spec_values": sku["spec_values"],
            "price_fen": sku["price_fen"],
            "stock": sku["stock"],
            "stock_was": sku["stock"],
            "code": sku["code"],
            "is_active": sku["is_active"],
        }
        for sku in read["skus"]
    ]
    return body | changes


async def _goods_with_ten(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    category = await client.post("/api/admin/v1/categories", json={"name": "水果"}, headers=admin)
    created = await client.post(
        "/api/admin/v1/goods",
        headers=admin,
        json={
            "category_id": category.json()["id"],
            "title": "阳光玫瑰",
            "is_on_shelf": True,
            "skus": [{"price_fen": 2580, "stock": 10}],
        },
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def _buy(
    client: httpx.AsyncClient, context: AppContext, openid: str, sku_id: int, quantity: int
) -> httpx.Response:
    shopper = await factories.shopper(client, context, openid)
    address_id = await factories.address(client, shopper)
    return await client.post(
        "/api/v1/orders",
        headers=shopper,
        json={"items": [{"sku_id": sku_id, "quantity": quantity}], "address_id": address_id},
    )


async def test_a_stale_goods_put_never_restores_sold_stock(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    goods = await _goods_with_ten(client, admin)
    sku_id = goods["skus"][0]["id"]
    read = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=admin)).json()
    assert (await _buy(client, context, "first", sku_id, 4)).status_code == 201  # stock 6
    saved = await client.put(
        f"/api/admin/v1/goods/{goods['id']}", json=put_body(read, subtitle="无籽"), headers=admin
    )
    assert saved.status_code == 200, saved.text
    assert (saved.json()["subtitle"], saved.json()["skus"][0]["stock"]) == ("无籽", 6)
    second = await _buy(client, context, "second", sku_id, 10)
    assert (second.status_code, second.json()["error"]) == (409, "out_of_stock")


async def test_a_stale_goods_put_applies_only_the_stock_it_changed(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    goods = await _goods_with_ten(client, admin)
    sku_id = goods["skus"][0]["id"]
    read = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=admin)).json()
    await _buy(client, context, "first", sku_id, 4)
    body = put_body(read)
    body["skus"][0]["stock"] = 15  # five more than the client read: 6 + 5
    saved = await client.put(f"/api/admin/v1/goods/{goods['id']}", json=body, headers=admin)
    assert saved.json()["skus"][0]["stock"] == 11


async def test_a_stale_goods_put_cannot_take_more_stock_than_is_left(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    goods = await _goods_with_ten(client, admin)
    sku_id = goods["skus"][0]["id"]
    read = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=admin)).json()
    await _buy(client, context, "first", sku_id, 4)
    body = put_body(read, subtitle="改了")
    body["skus"][0]["stock"] = 2  # eight fewer than read, but only six are left
    refused = await client.put(f"/api/admin/v1/goods/{goods['id']}", json=body, headers=admin)
    assert (refused.status_code, refused.json()["error"]) == (409, "conflict")
    assert refused.json()["details"] == {"reason": "stock_negative", "field": "skus.0.stock"}
    after = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=admin)).json()
    assert (after["subtitle"], after["skus"][0]["stock"]) == ("", 6)  # nothing was saved


async def test_a_put_without_stock_was_sets_the_count_as_given(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """The stocktake: a client that counted the shelf says how many there are now."""
    admin = await factories.merchant(client, context)
    goods = await _goods_with_ten(client, admin)
    read = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=admin)).json()
    await _buy(client, context, "first", goods["skus"][0]["id"], 4)
    body = put_body(read)
    body["skus"][0] |= {"stock": 7, "stock_was": None}
    saved = await client.put(f"/api/admin/v1/goods/{goods['id']}", json=body, headers=admin)
    assert saved.json()["skus"][0]["stock"] == 7
