"""An order number drawn twice: the unique key refuses the second, which draws again, and the
order is placed whole (its lines, timeline and units), with nothing of the refused insert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from tests import factories
from xiaodian.context import AppContext
from xiaodian.orders import checkout
from xiaodian.orders.numbers import new_order_no


async def test_an_order_number_in_use_is_drawn_again_and_the_order_placed_whole(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    goods = await factories.make_goods(context, stock=10, prices=[1200])
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers)
    sku_id = goods["sku_ids"][0]
    first = await factories.place_order(client, headers, sku_id=sku_id, address_id=address_id)
    taken: Iterator[str] = iter([first["order_no"]])

    def draw(moment: datetime) -> str:
        return next(taken, None) or new_order_no(moment)

    monkeypatch.setattr(checkout, "new_order_no", draw)
    second = await factories.place_order(
        client, headers, sku_id=sku_id, quantity=2, address_id=address_id
    )
    assert second["order_no"] != first["order_no"]
    read = (await client.get(f"/api/v1/orders/{second['id']}", headers=headers)).json()
    assert read == second
    assert [(line["sku_id"], line["quantity"]) for line in read["lines"]] == [(sku_id, 2)]
    listed = (await client.get("/api/v1/orders", headers=headers)).json()
    assert listed["total"] == 2
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert detail["skus"][0]["stock"] == 7
