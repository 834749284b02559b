from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests import factories
from xiaodian.context import AppContext


def goods_body(category_id: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category_id": category_id,
        "title": "阳光玫瑰",
        "subtitle": "无籽",
        "unit": "盒",
        "images": ["/media/images/aa/a-800.webp"],
        "is_on_shelf": True,
        "specs": [
            {"name": "重量", "values": ["500g", "1kg"]},
            {"name": "产地", "values": ["云南", "浙江"]},
        ],
        "skus": [
            {"spec_values": ["500g", "云南"], "price_fen": 2580, "stock": 10},
            {"spec_values": ["500g", "浙江"], "price_fen": 2680, "stock": 10},
            {"spec_values": ["1kg", "云南"], "price_fen": 4980, "stock": 5},
            {"spec_values": ["1kg", "浙江"], "price_fen": 5180, "stock": 5},
        ],
    }
    body.update(changes)
    return body


async def test_merchant_creates_goods_with_a_two_by_two_sku_matrix(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    category = (
        await client.post("/api/admin/v1/categories", json={"name": "水果"}, headers=admin)
    ).json()
    created = await client.post(
        "/api/admin/v1/goods", json=goods_body(category["id"]), headers=admin
    )
    assert created.status_code == 201, created.text
    goods = created.json()
    assert (goods["price_fen"], goods["stock_left"], len(goods["skus"])) == (2580, 30, 4)
    shopper_view = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert len(shopper_view["skus"]) == 4
    assert shopper_view["images"] == ["http://testserver/media/images/aa/a-800.webp"]


@pytest.mark.parametrize(
    "change",
    [
        {"skus": [{"spec_values": ["2kg", "云南"], "price_fen": 1}]},
        {"skus": [{"spec_values": ["500g"], "price_fen": 1}]},
        {
            "skus": [
                {"spec_values": ["500g", "云南"], "price_fen": 1},
                {"spec_values": ["500g", "云南"], "price_fen": 2},
            ]
        },
        {"skus": []},
        {"skus": [{"spec_values": ["500g", "云南"], "price_fen": 0}]},
        {"skus": [{"spec_values": ["500g", "云南"], "price_fen": 100, "stock": -1}]},
        {"specs": [{"name": "重量", "values": ["500g", "500g"]}]},
        {"title": ""},
        {"images": ["javascript:alert(1)"]},
    ],
)
async def test_an_inconsistent_sku_matrix_is_refused(
    client: httpx.AsyncClient, context: AppContext, change: dict[str, Any]
) -> None:
    admin = await factories.merchant(client, context)
    category_id = await factories.make_category(context)
    response = await client.post(
        "/api/admin/v1/goods", json=goods_body(category_id, **change), headers=admin
    )
    assert response.status_code == 422


async def test_replacing_goods_keeps_sku_ids_for_kept_combinations(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    category_id = await factories.make_category(context)
    goods = (
        await client.post("/api/admin/v1/goods", json=goods_body(category_id), headers=admin)
    ).json()
    ids = {tuple(s["spec_values"]): s["id"] for s in goods["skus"]}
    body = goods_body(
        category_id,
        specs=[{"name": "重量", "values": ["500g", "1kg"]}, {"name": "产地", "values": ["云南"]}],
        skus=[
            {"spec_values": ["500g", "云南"], "price_fen": 1990, "stock": 3},
            {"spec_values": ["1kg", "云南"], "price_fen": 3990, "stock": 3},
        ],
    )
    replaced = (
        await client.put(f"/api/admin/v1/goods/{goods['id']}", json=body, headers=admin)
    ).json()
    active = {tuple(s["spec_values"]): s["id"] for s in replaced["skus"] if s["is_active"]}
    assert active == {
        ("500g", "云南"): ids[("500g", "云南")],
        ("1kg", "云南"): ids[("1kg", "云南")],
    }
    assert replaced["price_fen"] == 1990
    shopper_view = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert len(shopper_view["skus"]) == 2


async def test_editing_a_sku_shows_at_once_on_the_shopper_side(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, prices=[1000], stock=5)
    admin = await factories.merchant(client, context)
    before = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert before["skus"][0]["price_fen"] == 1000
    sku_id = goods["sku_ids"][0]
    response = await client.patch(
        f"/api/admin/v1/skus/{sku_id}", json={"price_fen": 800, "stock": 42}, headers=admin
    )
    assert response.status_code == 200
    after = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert (after["skus"][0]["price_fen"], after["skus"][0]["stock"], after["price_fen"]) == (
        800,
        42,
        800,
    )
    listed = (await client.get("/api/v1/goods")).json()["items"][0]
    assert (listed["price_fen"], listed["stock_left"]) == (800, 42)


async def test_stock_deltas_never_take_stock_below_zero(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=3)
    admin = await factories.merchant(client, context)
    sku_id = goods["sku_ids"][0]
    refused = await client.patch(
        f"/api/admin/v1/skus/{sku_id}", json={"stock_delta": -4}, headers=admin
    )
    assert refused.status_code == 409
    added = await client.patch(
        f"/api/admin/v1/skus/{sku_id}", json={"stock_delta": 7}, headers=admin
    )
    assert added.json()["stock"] == 10


async def test_bulk_stock_edit_sets_every_sku(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, specs={"规格": ["小", "大"]}, stock=1)
    admin = await factories.merchant(client, context)
    items = [{"sku_id": sku_id, "stock": 50 + n} for n, sku_id in enumerate(goods["sku_ids"])]
    response = await client.post("/api/admin/v1/skus/stock", json={"items": items}, headers=admin)
    assert [s["stock"] for s in response.json()] == [50, 51]
    missing = await client.post(
        "/api/admin/v1/skus/stock", json={"items": [{"sku_id": 999999, "stock": 1}]}, headers=admin
    )
    assert missing.status_code == 404


async def test_shelf_off_hides_goods_from_lists(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context)
    admin = await factories.merchant(client, context)
    assert (await client.get("/api/v1/goods")).json()["total"] == 1
    await client.post(
        f"/api/admin/v1/goods/{goods['id']}/shelf", json={"on_shelf": False}, headers=admin
    )
    assert (await client.get("/api/v1/goods")).json()["total"] == 0


async def test_deleted_goods_disappear_for_shoppers(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context)
    admin = await factories.merchant(client, context)
    assert (
        await client.delete(f"/api/admin/v1/goods/{goods['id']}", headers=admin)
    ).status_code == 204
    assert (await client.get(f"/api/v1/goods/{goods['id']}")).status_code == 404
    assert (
        await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=admin)
    ).status_code == 404


async def test_categories_stay_two_levels_and_only_empty_ones_are_deleted(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    top = (
        await client.post("/api/admin/v1/categories", json={"name": "一级"}, headers=admin)
    ).json()
    child = (
        await client.post(
            "/api/admin/v1/categories", json={"name": "二级", "parent_id": top["id"]}, headers=admin
        )
    ).json()
    third = await client.post(
        "/api/admin/v1/categories", json={"name": "三级", "parent_id": child["id"]}, headers=admin
    )
    assert third.status_code == 422
    assert (
        await client.delete(f"/api/admin/v1/categories/{top['id']}", headers=admin)
    ).status_code == 409
    await factories.make_goods(context, category_id=child["id"])
    assert (
        await client.delete(f"/api/admin/v1/categories/{child['id']}", headers=admin)
    ).status_code == 409
    tree = (await client.get("/api/admin/v1/categories", headers=admin)).json()
    assert tree[0]["children"][0]["goods_count"] == 1


async def test_banners_show_on_home_only_while_active(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    banner = (
        await client.post(
            "/api/admin/v1/banners",
            headers=admin,
            json={
                "title": "水果节",
                "image_url": "/media/images/bb/b-800.webp",
                "link_type": "url",
                "link_value": "https://example.com",
            },
        )
    ).json()
    assert [b["title"] for b in (await client.get("/api/v1/home")).json()["banners"]] == ["水果节"]
    await client.patch(
        f"/api/admin/v1/banners/{banner['id']}", json={"is_active": False}, headers=admin
    )
    assert (await client.get("/api/v1/home")).json()["banners"] == []


async def test_merchant_routes_need_a_merchant(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/api/admin/v1/goods"),
        ("POST", "/api/admin/v1/categories"),
        ("PATCH", "/api/admin/v1/skus/1"),
        ("GET", "/api/admin/v1/orders"),
    ]:
        response = await client.request(method, path, json={})
        assert response.status_code == 401, path
