"""Races over real HTTP against a running server: stock is never oversold or returned twice."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from tests import factories
from tests.live.conftest import LiveShop
from tests.live.shop import buyers, goods_with_stock
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import Order, OrderEvent, Sku


async def test_fifty_buyers_for_ten_units_make_exactly_ten_orders(
    live_shop: LiveShop, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    limits = httpx.Limits(max_connections=60, max_keepalive_connections=60)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        sku_id = await goods_with_stock(http, live_shop, admin, stock=10)
        racers = await buyers(http, live_shop, 50)
        start, all_waiting = asyncio.Event(), asyncio.Event()
        waiting = 0

        async def buy(headers: dict[str, str]) -> httpx.Response:
            nonlocal waiting
            waiting += 1
            if waiting == len(racers):
                all_waiting.set()
            await start.wait()
            return await http.post(
                f"{live_shop.base_url}/api/v1/orders",
                headers={"Authorization": headers["Authorization"]},
                json={
                    "items": [{"sku_id": sku_id, "quantity": 1}],
                    "address_id": int(headers["X-Address"]),
                },
            )

        attempts = [asyncio.create_task(buy(headers)) for headers in racers]
        await all_waiting.wait()  # every buyer is at the line
        start.set()
        responses = await asyncio.gather(*attempts)
    outcomes = Counter((r.status_code, r.json().get("error")) for r in responses)
    assert outcomes == {(201, None): 10, (409, "out_of_stock"): 40}, outcomes
    async with context.db.transaction(write=False) as session:
        stock = await session.scalar(select(Sku.stock).where(Sku.id == sku_id))
        orders = await session.scalar(select(func.count(Order.id)))
    assert (stock, orders) == (0, 10)


async def test_cancels_racing_the_unpaid_sweep_return_stock_once(
    live_shop: LiveShop, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    async with httpx.AsyncClient(timeout=60) as http:
        sku_id = await goods_with_stock(http, live_shop, admin, stock=40)
        (buyer,) = await buyers(http, live_shop, 1)
        auth = {"Authorization": buyer["Authorization"]}
        order_ids = []
        for _ in range(12):
            placed = await http.post(
                f"{live_shop.base_url}/api/v1/orders",
                headers=auth,
                json={
                    "items": [{"sku_id": sku_id, "quantity": 3}],
                    "address_id": int(buyer["X-Address"]),
                },
            )
            assert placed.status_code == 201, placed.text
            order_ids.append(placed.json()["id"])
        async with context.db.transaction() as session:
            await session.execute(
                update(Order).values(expires_at=clock.now() - timedelta(seconds=1))
            )
        sweeper = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "xiaodian",
            "worker",
            "--once",
            env=live_shop.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        cancels = await asyncio.gather(
            *(
                http.post(f"{live_shop.base_url}/api/v1/orders/{order_id}/cancel", headers=auth)
                for order_id in order_ids
            )
        )
        _, errors = await sweeper.communicate()
        assert sweeper.returncode == 0, errors.decode()[-2000:]
    assert {r.status_code for r in cancels} <= {200, 409}
    async with context.db.transaction(write=False) as session:
        stock = await session.scalar(select(Sku.stock).where(Sku.id == sku_id))
        statuses = set((await session.execute(select(Order.status))).scalars())
        closes = await session.scalar(
            select(func.count(OrderEvent.id)).where(OrderEvent.to_status == "closed")
        )
    assert (stock, statuses, closes) == (40, {"closed"}, 12)
