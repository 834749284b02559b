"""The catalog cache forgets one goods item at a time: a sale does not empty it for everyone."""

from __future__ import annotations

import httpx

from tests import factories
from xiaodian.catalog.cache import GOODS, NAMESPACE
from xiaodian.catalog.schemas import GoodsQuery
from xiaodian.context import AppContext

LIST_KEY = "goods:" + GoodsQuery().cache_key()


async def _order(client: httpx.AsyncClient, context: AppContext, sku_id: int, n: int) -> int:
    headers = await factories.shopper(client, context, "cache-buyer")
    address_id = await factories.address(client, headers)
    response = await client.post(
        "/api/v1/orders",
        headers=headers,
        json={"items": [{"sku_id": sku_id, "quantity": n}], "address_id": address_id},
    )
    return response.status_code


async def test_an_order_for_one_goods_item_leaves_the_others_and_the_lists_cached(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    apple = await factories.make_goods(context, title="苹果", stock=10)
    pear = await factories.make_goods(context, title="梨", stock=10)
    for goods in (apple, pear):
        await client.get(f"/api/v1/goods/{goods['id']}")
    await client.get("/api/v1/goods")
    cache = context.near_cache
    assert cache.get(GOODS, f"detail:{pear['id']}") is not None
    assert cache.get(NAMESPACE, LIST_KEY) is not None

    assert await _order(client, context, apple["sku_ids"][0], 4) == 201

    assert cache.get(GOODS, f"detail:{apple['id']}") is None
    assert cache.get(GOODS, f"card:{apple['id']}") is None
    assert cache.get(GOODS, f"detail:{pear['id']}") is not None
    assert cache.get(GOODS, f"card:{pear['id']}") is not None
    assert cache.get(NAMESPACE, LIST_KEY) is not None
    # …and what the lists and the detail show of the goods sold is fresh at once
    listed = (await client.get("/api/v1/goods")).json()["items"]
    assert {card["title"]: card["stock_left"] for card in listed} == {"苹果": 6, "梨": 10}
    detail = (await client.get(f"/api/v1/goods/{apple['id']}")).json()
    assert detail["skus"][0]["stock"] == 6


async def test_a_refused_order_forgets_nothing(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    apple = await factories.make_goods(context, title="苹果", stock=2)
    await client.get(f"/api/v1/goods/{apple['id']}")
    assert await _order(client, context, apple["sku_ids"][0], 3) == 409
    assert context.near_cache.get(GOODS, f"detail:{apple['id']}") is not None


async def test_a_price_change_forgets_the_lists_and_that_item(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    apple = await factories.make_goods(context, title="苹果", prices=[1500])
    pear = await factories.make_goods(context, title="梨")
    for goods in (apple, pear):
        await client.get(f"/api/v1/goods/{goods['id']}")
    await client.get("/api/v1/goods")
    patched = await client.patch(
        f"/api/admin/v1/skus/{apple['sku_ids'][0]}", headers=admin, json={"price_fen": 1200}
    )
    assert patched.status_code == 200, patched.text
    cache = context.near_cache
    assert cache.get(NAMESPACE, LIST_KEY) is None
    assert cache.get(GOODS, f"detail:{apple['id']}") is None
    assert cache.get(GOODS, f"detail:{pear['id']}") is not None
    listed = (await client.get("/api/v1/goods")).json()["items"]
    assert {card["title"]: card["price_fen"] for card in listed}["苹果"] == 1200


async def test_home_shows_fresh_stock_of_its_goods_from_the_cache(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    apple = await factories.make_goods(context, title="苹果", stock=10)
    first = (await client.get("/api/v1/home")).json()
    assert [card["stock_left"] for card in first["hot"]] == [10]
    assert await _order(client, context, apple["sku_ids"][0], 3) == 201
    assert context.near_cache.get(NAMESPACE, "home") is not None
    again = (await client.get("/api/v1/home")).json()
    assert [card["stock_left"] for card in again["hot"]] == [7]
    assert again["shop"] == first["shop"] and again["new"][0]["stock_left"] == 7


async def test_saving_the_shop_settings_forgets_home_and_every_goods_page_at_once(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """Through `ShopSettingsChanged` (shop no longer imports the catalog's cache)."""
    goods = await factories.make_goods(context, title="橙子")
    await client.get(f"/api/v1/goods/{goods['id']}")
    assert (await client.get("/api/v1/home")).json()["shop"]["name"] != "陈记果园"
    cache = context.near_cache
    assert cache.get(NAMESPACE, "home") is not None
    assert cache.get(GOODS, f"detail:{goods['id']}") is not None

    owner = await factories.merchant(client, context)
    saved = await client.patch("/api/admin/v1/shop", headers=owner, json={"name": "陈记果园"})
    assert saved.status_code == 200

    assert cache.get(NAMESPACE, "home") is None
    assert cache.get(GOODS, f"detail:{goods['id']}") is None
    assert (await client.get("/api/v1/home")).json()["shop"]["name"] == "陈记果园"


async def test_home_tells_the_cart_the_free_freight_threshold_the_merchant_set(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    assert (await client.get("/api/v1/home")).json()["shop"]["free_freight_threshold_fen"] == 9900
    owner = await factories.merchant(client, context)
    saved = await client.patch(
        "/api/admin/v1/shop", headers=owner, json={"free_freight_threshold_fen": 5900}
    )
    assert saved.status_code == 200, saved.text
    assert (await client.get("/api/v1/home")).json()["shop"]["free_freight_threshold_fen"] == 5900
