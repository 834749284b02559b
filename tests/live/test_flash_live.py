"""Flash sales against real server processes: a crowd over real HTTP, and a server killed
between the gate and the commit."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from tests import factories
from tests.flash.helpers import crowd_in_database
from tests.live.conftest import LiveShop, free_port, payment_env, server_env, start, stop
from tests.live.shop import goods_with_stock
from tests.waiting import until
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.models import FlashPurchase, Order, OrderLine, Sku, StockQuota

CROWD_ENV = {
    # 500 buyers from one loopback address: the per-address allowance is for real crowds
    "XIAODIAN_FLASH_RATE_PER_IP": "off",
    "XIAODIAN_FLASH_RATE_PER_SHOPPER": "20/10s",
}


@pytest.fixture(scope="module")
def flash_shop(live_shop: LiveShop, settings: Settings, workdir: Path) -> Iterator[LiveShop]:
    """`xiaodian serve` (2 workers with Redis) sharing the live simulator."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(settings, sandbox_url=live_shop.sandbox_url, base_url=base)
    env.update(payment_env(workdir / "live-keys", sandbox_url=live_shop.sandbox_url, base_url=base))
    env.update(CROWD_ENV)
    workers = 2 if settings.redis_url else 1
    server = start(
        ["serve", "--port", str(port), "--workers", str(workers)],
        env,
        f"{base}/healthz",
        workdir / "flash-serve.log",
    )
    try:
        yield LiveShop(base_url=base, sandbox_url=live_shop.sandbox_url, env=env, workers=workers)
    finally:
        stop(server)


async def _crowd(http: httpx.AsyncClient, shop: LiveShop, count: int, tag: str) -> list[Any]:
    """`count` shoppers logged in through the simulator, each with an address."""
    gate = asyncio.Semaphore(16)

    async def one(number: int) -> tuple[dict[str, str], int]:
        async with gate:
            minted = await http.post(
                f"{shop.sandbox_url}/wechat/codes", json={"openid": f"{tag}-{number}"}
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
                    "name": "抢购者",
                    "phone": "13800000000",
                    "province": "上海市",
                    "city": "上海市",
                    "district": "徐汇区",
                    "detail": f"{number} 号",
                },
            )
            assert address.status_code == 201, address.text
            return headers, int(address.json()["id"])

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def _session(
    http: httpx.AsyncClient, shop: LiveShop, admin: dict[str, str], sku_id: int, units: int
) -> int:
    now = datetime.now(UTC)
    created = await http.post(
        f"{shop.base_url}/api/admin/v1/flash-sales",
        headers=admin,
        json={
            "title": "限时1元购",
            "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
            "items": [{"sku_id": sku_id, "flash_price_fen": 100, "flash_stock": units}],
        },
    )
    assert created.status_code == 201, created.text
    return int(created.json()["item_ids"][0])


def _grab(
    http: httpx.AsyncClient, shop: LiveShop, item_id: int, buyer: tuple[dict[str, str], int]
) -> Any:
    headers, address_id = buyer
    return http.post(
        f"{shop.base_url}/api/v1/flash-sales/items/{item_id}/orders",
        headers=headers,
        json={"quantity": 1, "address_id": address_id},
    )


async def _pool(context: AppContext, item_id: int) -> tuple[int, int, int, int]:
    """(pool units left, flash orders not closed, most units one shopper holds, sku stock)."""
    async with context.db.transaction(write=False) as session:
        quota = await session.scalar(
            select(StockQuota).where(
                StockQuota.activity == "flash", StockQuota.activity_id == item_id
            )
        )
        assert quota is not None
        held = await session.scalar(
            select(func.count(Order.id))
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(OrderLine.quota_id == quota.id, Order.status != "closed")
        )
        most = await session.scalar(
            select(func.max(FlashPurchase.units)).where(FlashPurchase.item_id == item_id)
        )
        stock = await session.scalar(select(Sku.stock).where(Sku.id == quota.sku_id))
        return quota.units_left, int(held or 0), int(most or 0), int(stock or 0)


async def test_five_hundred_buyers_for_fifty_units_make_exactly_fifty_orders(
    flash_shop: LiveShop, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        sku_id = await goods_with_stock(http, flash_shop, admin, stock=80)
        item_id = await _session(http, flash_shop, admin, sku_id, units=50)
        crowd = await crowd_in_database(context, 500, "flash-racer")
        start_line = asyncio.Event()

        async def buy(buyer: tuple[dict[str, str], int]) -> list[httpx.Response]:
            await start_line.wait()
            # each buyer taps twice at once: the second must never be a second unit
            return list(
                await asyncio.gather(*(_grab(http, flash_shop, item_id, buyer) for _ in "ab"))
            )

        attempts = [asyncio.create_task(buy(buyer)) for buyer in crowd]
        await asyncio.sleep(0)  # every task is waiting at the line
        start_line.set()
        answers = [r for pair in await asyncio.gather(*attempts) for r in pair]
    outcomes = Counter((r.status_code, r.json().get("error")) for r in answers)
    assert outcomes[(201, None)] == 50, outcomes
    assert set(outcomes) <= {
        (201, None),
        (409, "flash_sold_out"),
        (409, "flash_limit_reached"),
    }, outcomes
    buyers_with_orders = Counter(
        r.request.headers["Authorization"] for r in answers if r.status_code == 201
    )
    assert max(buyers_with_orders.values()) == 1
    assert await _pool(context, item_id) == (0, 50, 1, 30)


async def test_a_server_killed_between_the_gate_and_the_commit_sells_nothing_twice(
    live_shop: LiveShop,
    client: httpx.AsyncClient,
    context: AppContext,
    settings: Settings,
    workdir: Path,
) -> None:
    if context.redis is None or context.db.dialect not in ("mysql", "mariadb"):
        pytest.skip("needs MariaDB (a row lock to hold the order) and Redis (a gate to observe)")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(settings, sandbox_url=live_shop.sandbox_url, base_url=base)
    env.update(payment_env(workdir / "live-keys", sandbox_url=live_shop.sandbox_url, base_url=base))
    args = ["serve", "--port", str(port)]
    server = start(args, env, f"{base}/healthz", workdir / "flash-crash-a.log")
    shop = LiveShop(base_url=base, sandbox_url=live_shop.sandbox_url, env=env, workers=1)
    admin = await factories.merchant(client, context)
    async with httpx.AsyncClient(timeout=60) as http:
        try:
            sku_id = await goods_with_stock(http, shop, admin, stock=10)
            item_id = await _session(http, shop, admin, sku_id, units=3)
            crowd = await _crowd(http, shop, 4, "flash-crash")
            stock_key = f"xiaodian:flash:{{{item_id}}}:stock"
            async with context.db.engine.connect() as blocker:
                # hold the pool's row: the order gets past the gate and waits inside its
                # transaction, at the pool's conditional update (on MariaDB, the statement
                # that also commits)
                await blocker.execute(
                    text("SELECT id FROM stock_quotas WHERE activity = 'flash' FOR UPDATE")
                )
                pending = asyncio.ensure_future(_grab(http, shop, item_id, crowd[0]))

                async def waiting_on_the_pool() -> bool:
                    rows = await blocker.execute(
                        text(
                            "SELECT COUNT(*) FROM information_schema.processlist"
                            " WHERE info LIKE 'UPDATE stock_quotas%'"
                            " OR info LIKE 'BEGIN NOT ATOMIC UPDATE stock_quotas%'"
                        )
                    )
                    gate = await context.redis.get(stock_key) if context.redis else None
                    return bool(rows.scalar()) and gate == b"2"

                await until(waiting_on_the_pool, "the order to pass the gate and wait on the pool")
                server.send_signal(signal.SIGKILL)
                server.wait()
                await blocker.rollback()
            with pytest.raises(httpx.HTTPError):
                await pending
        finally:
            stop(server)
        assert await context.redis.get(stock_key) == b"2"
        if getattr(context.db.engine.dialect, "is_mariadb", False):
            # The pool's update and the commit are one statement, which the database runs to
            # its end once the row is free, client or no client: the order is kept whole (its
            # unit taken, counted against the shopper), as the gate already has it.
            async def kept() -> bool:
                return await _pool(context, item_id) == (2, 1, 1, 7)

            await until(kept, "the order's statement to finish inside the database")
            expected = [(409, "flash_limit_reached"), (201, None), (201, None)]
        else:
            # The commit never came: the gate took a unit that the database never sold.
            assert await _pool(context, item_id) == (3, 0, 0, 7)
            expected = [(201, None), (201, None), (201, None)]
        restarted = start(args, env, f"{base}/healthz", workdir / "flash-crash-b.log")
        try:
            answers = [await _grab(http, shop, item_id, buyer) for buyer in crowd]
        finally:
            stop(restarted)
    seen = [(a.status_code, a.json().get("error")) for a in answers]
    assert seen == [*expected, (409, "flash_sold_out")], seen
    assert await _pool(context, item_id) == (0, 3, 1, 7)
