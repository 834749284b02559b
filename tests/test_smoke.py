from __future__ import annotations

import httpx

from tests import factories
from xiaodian.context import AppContext


async def test_buyer_can_go_from_login_to_an_order_waiting_for_payment(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=5, prices=[1990])
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    order = await factories.place_order(
        client, headers, sku_id=goods["sku_ids"][0], quantity=2, address_id=address_id
    )
    assert order["status"] == "pending_payment"
    assert order["goods_total_fen"] == 3980
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert detail["skus"][0]["stock"] == 3
