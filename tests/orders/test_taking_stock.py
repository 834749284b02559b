"""An order's units are taken from all its SKUs in one conditional UPDATE: every line or none,
the short one named, and checkouts over the same SKUs at once neither deadlock nor oversell."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select, update

from tests import factories
from tests.statements import statements
from xiaodian.context import AppContext
from xiaodian.core.ratelimit import Rate
from xiaodian.inventory import service as inventory
from xiaodian.inventory.errors import OutOfStock
from xiaodian.inventory.service import Units
from xiaodian.models import Sku


async def _stock(context: AppContext, sku_ids: list[int]) -> list[int]:
    async with context.db.transaction(write=False) as session:
        rows = await session.execute(select(Sku.id, Sku.stock).where(Sku.id.in_(sku_ids)))
        left = {sku_id: stock for sku_id, stock in rows}
    return [left[sku_id] for sku_id in sku_ids]


async def _three(context: AppContext, stock: list[int]) -> list[int]:
    return [
        (await factories.make_goods(context, title=f"苹果{i}", stock=units))["sku_ids"][0]
        for i, units in enumerate(stock)
    ]


async def _shopper(client: httpx.AsyncClient, context: AppContext) -> tuple[dict[str, str], int]:
    """A signed-in shopper's headers and their address."""
    headers = await factories.shopper(client, context)
    return headers, await factories.address(client, headers)


def _body(address_id: int, lines: list[tuple[int, int]]) -> dict[str, object]:
    return {
        "items": [{"sku_id": sku, "quantity": quantity} for sku, quantity in lines],
        "address_id": address_id,
    }


async def test_a_three_line_order_takes_its_units_in_one_statement(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    skus = await _three(context, [10, 10, 10])
    headers, address_id = await _shopper(client, context)
    with statements(context) as seen:
        placed = await client.post(
            "/api/v1/orders",
            json=_body(address_id, [(skus[2], 3), (skus[0], 1), (skus[1], 2)]),
            headers=headers,
        )
    assert placed.status_code == 201, placed.text
    assert len([s for s in seen if s.startswith("UPDATE skus")]) == 1, seen
    assert await _stock(context, skus) == [9, 8, 7]


async def test_one_short_sku_refuses_the_whole_take_naming_it(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    skus = await _three(context, [10, 2, 10])
    wanted = [Units(skus[0], 1), Units(skus[1], 3), Units(skus[2], 1)]
    with pytest.raises(OutOfStock) as short:
        async with context.db.transaction() as session:
            await inventory.take(session, wanted)
    assert short.value.details == {"sku_id": skus[1]}
    assert await _stock(context, skus) == [10, 2, 10]
    async with context.db.transaction() as session:
        await session.execute(update(Sku).where(Sku.id == skus[2]).values(is_active=False))
    with pytest.raises(OutOfStock) as off:
        async with context.db.transaction() as session:
            await inventory.take(session, [Units(skus[0], 1), Units(skus[2], 1)])
    assert off.value.details == {"sku_id": skus[2]}
    # Enough of each: taken, all of them.
    async with context.db.transaction() as session:
        await inventory.take(session, [Units(skus[0], 4), Units(skus[1], 2), Units(skus[0], 1)])
    assert await _stock(context, skus) == [5, 0, 10]


async def test_a_short_line_at_checkout_refuses_the_order_and_takes_nothing(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    skus = await _three(context, [10, 2, 10])
    headers, address_id = await _shopper(client, context)
    refused = await client.post(
        "/api/v1/orders",
        json=_body(address_id, [(skus[0], 1), (skus[1], 3), (skus[2], 1)]),
        headers=headers,
    )
    assert (refused.status_code, refused.json()["error"]) == (409, "out_of_stock")
    assert await _stock(context, skus) == [10, 2, 10]


async def test_checkouts_over_the_same_skus_at_once_neither_deadlock_nor_oversell(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = context.settings
    for name, value in (
        ("max_unpaid_orders_per_shopper", 100),
        ("order_rate_per_shopper", Rate(0, 1)),
        ("order_rate_per_ip", Rate(0, 1)),
    ):
        monkeypatch.setattr(settings, name, value)
    skus = await _three(context, [30, 30, 30])
    shoppers = []
    for i in range(4):
        headers = await factories.shopper(client, context, openid=f"racer-{i}")
        shoppers.append((headers, await factories.address(client, headers)))
    # Each order wants two units of every SKU, its lines in a different order: 15 fit.
    orders = [
        _body(shoppers[n % 4][1], [(skus[(n + k) % 3], 2) for k in range(3)]) for n in range(24)
    ]
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/orders", json=body, headers=shoppers[n % 4][0])
            for n, body in enumerate(orders)
        )
    )
    outcomes = sorted((a.status_code, a.json().get("error")) for a in answers)
    assert outcomes == [(201, None)] * 15 + [(409, "out_of_stock")] * 9, outcomes
    assert await _stock(context, skus) == [0, 0, 0]
