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
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import Order, OrderEvent, Sku


async def _buyers(http: httpx.AsyncClient, shop: LiveShop, count: int) -> list[dict[str, str]]:
    async def one(number: int) -> dict[str, str]:
        minted = await http.post(
            f"{shop.sandbox_url}/wechat/codes", json={"openid": f"racer-{number}"}
        )
        login = await http.post(
            f"{shop.base_url}/api/v1/auth/wx-login", json={"code": minted.json()["code"]}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        address = await http.post(
            f"{shop.base_url}/api/v1/me/addresses",
            headers=headers,
            json={
                "name": f"买家{number}",
                "phone": "13800000000",
                "province": "上海市",
                "city": "上海市",
                "district": "徐汇区",
                "detail": f"{number} 号",
            },
        )
        assert address.status_code == 201, address.text
        return {**headers, "X-Address": str(address.json()["id"])}

    return [await one(number) for number in range(count)]


async def _goods_with_stock(
    http: httpx.AsyncClient, shop: LiveShop, admin: dict[str, str], stock: int
) -> int:
    category = await http.post(
        f"{shop.base_url}/api/admin/v1/categories", headers=admin, json={"name": "抢购"}
    )
    goods = await http.post(
        f"{shop.base_url}/api/admin/v1/goods",
        headers=admin,
        json={
            "category_id": category.json()["id"],
            "title": "限量草莓",
            "is_on_shelf": True,
            "skus": [{"price_fen": 990, "stock": stock}],
        },
    )
    assert goods.status_code == 201, goods.text
    return int(goods.json()["skus"][0]["id"])


async def test_fifty_buyers_for_ten_units_make_exactly_ten_orders(
    live_shop: LiveShop, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    limits = httpx.Limits(max_connections=60, max_keepalive_connections=60)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        sku_id = await _goods_with_stock(http, live_shop, admin, stock=10)
        buyers = await _buyers(http, live_shop, 50)
        start = asyncio.Event()

        async def buy(headers: dict[str, str]) -> httpx.Response:
            await start.wait()
            return await http.post(
                f"{live_shop.base_url}/api/v1/orders",
                headers={"Authorization": headers["Authorization"]},
                json={
                    "items": [{"sku_id": sku_id, "quantity": 1}],
                    "address_id": int(headers["X-Address"]),
                },
            )

        attempts = [asyncio.create_task(buy(headers)) for headers in buyers]
        await asyncio.sleep(0.1)
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
        sku_id = await _goods_with_stock(http, live_shop, admin, stock=40)
        (buyer,) = await _buyers(http, live_shop, 1)
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
