"""What an order reads outside its transaction: who is asking (a short read that commits
nothing), the shop's checkout terms and the running promotions (the near cache)."""

from __future__ import annotations

import httpx

from tests import factories
from tests.coupons.helpers import promotion
from tests.statements import statements
from xiaodian.context import AppContext


async def test_an_order_commits_once_and_reads_the_shop_terms_and_promotions_from_the_cache(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    await promotion(client, admin)
    goods = await factories.make_goods(context, prices=[3000])
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    # The shop's settings row is made by the first checkout, and cached from the next on.
    first = await factories.place_order(
        client, headers, sku_id=goods["sku_ids"][0], quantity=2, address_id=address_id
    )
    await factories.place_order(
        client, headers, sku_id=goods["sku_ids"][0], quantity=2, address_id=address_id
    )
    with statements(context, every_pool=True) as seen:
        second = await factories.place_order(
            client, headers, sku_id=goods["sku_ids"][0], quantity=2, address_id=address_id
        )
    # 6000 reaches 满59减5 and stays under the free-freight threshold, both times.
    for order in (first, second):
        assert order["discount_fen"] == 500
        assert order["freight_fen"] == context.settings.freight_fen
    assert seen.count("COMMIT") == 1, seen
    assert not [s for s in seen if "FROM shop_settings" in s or "FROM promotions" in s], seen
    assert sum("FROM users" in s and "auth_tokens" in s for s in seen) == 1, seen


async def test_the_short_read_of_who_is_asking_refuses_a_token_logged_out(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context)
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    body = {"items": [{"sku_id": goods["sku_ids"][0], "quantity": 1}], "address_id": address_id}
    assert (await client.post("/api/v1/orders", json=body, headers=headers)).status_code == 201
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    refused = await client.post("/api/v1/orders", json=body, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"] == "unauthorized"
