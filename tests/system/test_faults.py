"""Faults under the production topology, during a flash sale and during payments. After each:
zero oversold, zero lost paid orders, pool left + sold + held = what was put in, and every
payment notification applied exactly once."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter

import httpx
import pytest
import redis.asyncio as redis_asyncio
from sqlalchemy import text

from tests import factories
from tests.system import steps
from tests.system.topology import Service, Topology
from tests.waiting import until
from xiaodian.context import AppContext

pytestmark = pytest.mark.live

UNITS = 30
CROWD = 80


async def _crowd(
    http: httpx.AsyncClient,
    shop: Topology,
    item_id: int,
    crowd: list[steps.Shopper],
    *,
    during: asyncio.Event | None = None,
) -> list[httpx.Response]:
    """Every shopper tries twice, 16 at a time; `during` is set after the first quarter."""
    gate = asyncio.Semaphore(16)
    done = 0

    async def one(who: steps.Shopper) -> httpx.Response:
        nonlocal done
        async with gate:
            try:
                return await http.post(
                    f"/api/v1/flash-sales/items/{item_id}/orders",
                    headers=who.headers,
                    json={"quantity": 1, "address_id": who.address_id},
                )
            finally:
                done += 1
                if during is not None and done == len(crowd) // 2:
                    during.set()

    return list(await asyncio.gather(*(one(who) for who in crowd + crowd)))


async def _pay_winners(
    http: httpx.AsyncClient,
    shop: Topology,
    answers: list[httpx.Response],
    crowd: list[steps.Shopper],
    *,
    kill_halfway: Service | None = None,
) -> int:
    """Every winner pays (3 duplicate notifications each); with `kill_halfway`, that server
    is killed -9 after half of them, while their notifications are arriving."""
    by_token = {who.headers["Authorization"]: who for who in crowd}
    won = [
        (by_token[answer.request.headers["Authorization"]], _order_id(answer))
        for answer in answers
        if answer.status_code == 201
    ]
    for number, (who, order_id) in enumerate(won):
        if kill_halfway is not None and number == len(won) // 2:
            kill_halfway.signal(signal.SIGKILL)
            await asyncio.to_thread(kill_halfway.wait)
        await steps.pay(http, shop, who, order_id, duplicates=3)
    for who, order_id in won:
        await steps.paid(http, who, order_id)
    if kill_halfway is not None:
        await asyncio.to_thread(shop.restart, kill_halfway)
    return len(won)


def _order_id(answer: httpx.Response) -> int:
    body = answer.json()
    return int(body["order"]["id"] if "order" in body else body["id"])


async def _check_books(context: AppContext, item_id: int, *, sold: int) -> None:
    books = await steps.flash_books(context, item_id)
    assert books.allocated == UNITS
    assert books.units_left + books.sold + books.held == books.allocated, books
    assert books.sold + books.held <= UNITS, books  # never oversold
    assert books.sold == sold, books
    assert books.orders_over_limit == 0, books


async def test_kill_9_of_a_server_during_a_flash_sale_and_during_notifications_loses_nothing(
    topology: Topology, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    before = await steps.paid_trades(topology)
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    async with topology.client(limits=limits) as http:
        item_id = await steps.flash_item(http, admin, units=UNITS)
        crowd = await steps.shoppers(http, topology, CROWD, prefix="kill9")
        halfway = asyncio.Event()
        victim = topology.servers[0]

        async def kill_when_halfway() -> None:
            await halfway.wait()
            victim.signal(signal.SIGKILL)
            victim.wait()

        answers, _ = await asyncio.gather(
            _crowd(http, topology, item_id, crowd, during=halfway), kill_when_halfway()
        )
        codes = Counter(answer.status_code for answer in answers)
        # 502: a request that was on the killed server when it died (nginx does not resend a
        # POST it had sent); every other one was answered by the survivor
        assert set(codes) <= {201, 409, 429, 502}, codes
        topology.restart(victim)
        # and the other server dies while the winners' notifications are coming in
        winners = await _pay_winners(
            http, topology, answers, crowd, kill_halfway=topology.servers[1]
        )
    books = await steps.flash_books(context, item_id)
    # a 502'd order may have committed: it is held (waiting for payment), never lost or doubled
    assert books.held == books.allocated - books.units_left - winners
    await _check_books(context, item_id, sold=winners)
    assert winners == codes[201]
    assert await steps.notifications_applied_once(context, topology, before=before) == winners


async def test_redis_flushed_during_a_flash_sale_the_gate_rebuilds_and_sessions_survive(
    topology: Topology, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    before = await steps.paid_trades(topology)
    async with topology.client() as http:
        item_id = await steps.flash_item(http, admin, units=UNITS)
        crowd = await steps.shoppers(http, topology, CROWD, prefix="flush")
        shown = await http.get("/api/v1/goods")  # warms the caches
        assert shown.status_code == 200
        redis = redis_asyncio.Redis.from_url(topology.redis_url)
        try:
            first = await _crowd(http, topology, item_id, crowd[: CROWD // 2])
            assert await redis.dbsize() > 0
            await redis.flushdb()  # only the test's own Redis db
            assert await redis.dbsize() == 0  # caches, gate, counters: all gone
            me = await http.get("/api/v1/me", headers=crowd[0].headers)
            assert me.status_code == 200, me.text  # sessions live in the database
            second = await _crowd(http, topology, item_id, crowd)
        finally:
            await redis.aclose()
        answers = first + second
        codes = Counter(answer.status_code for answer in answers)
        assert set(codes) <= {201, 409, 429}, codes
        assert codes[201] == UNITS, codes  # the gate rebuilt from the database sold out exactly
        winners = await _pay_winners(http, topology, answers, crowd)
    await _check_books(context, item_id, sold=winners)
    assert winners == UNITS
    assert await steps.notifications_applied_once(context, topology, before=before) == UNITS


async def test_mariadb_cut_for_5_s_gives_503_with_retry_after_then_recovers_without_restart(
    topology: Topology, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    pids = [server.process.pid for server in topology.servers if server.process]
    async with topology.client() as http:
        made = await steps.goods(http, admin, stock=200)
        (buyer,) = await steps.shoppers(http, topology, 1, prefix="cut")
        order = {
            "items": [{"sku_id": made["sku_id"], "quantity": 1}],
            "address_id": buyer.address_id,
        }
        answers: list[httpx.Response] = []
        stop = asyncio.Event()

        async def keep_ordering() -> None:
            while not stop.is_set():
                answers.append(await http.post("/api/v1/orders", headers=buyer.headers, json=order))
                await asyncio.sleep(0.05)

        orderer = asyncio.create_task(keep_ordering())
        await until(lambda: _some(answers, 201), "orders before the cut")
        topology.database.cut()
        cut_at = time.monotonic()
        during = []
        while time.monotonic() - cut_at < 5:
            during.append(await http.get("/api/v1/orders", headers=buyer.headers))
        assert during and all(r.status_code == 503 for r in during), Counter(
            r.status_code for r in during
        )
        assert {r.headers.get("Retry-After") for r in during} == {"5"}
        assert {r.json()["error"] for r in during} == {"service_unavailable"}
        topology.database.restore()

        async def back() -> bool:
            return (await http.get("/api/v1/orders", headers=buyer.headers)).status_code == 200

        await until(back, "the shop to answer again", seconds=20)
        restored = len(answers)
        await until(lambda: _some(answers[restored:], 201), "orders after the cut")
        stop.set()
        await orderer
    assert [server.process.pid for server in topology.servers if server.process] == pids
    codes = Counter(answer.status_code for answer in answers)
    assert set(codes) <= {201, 503}, codes
    assert codes[503] > 0, codes
    created = {answer.json()["id"] for answer in answers if answer.status_code == 201}
    async with context.db.engine.connect() as connection:
        stock, orders, units = (
            await connection.execute(
                text(
                    "SELECT s.stock, COUNT(DISTINCT l.order_id), COALESCE(SUM(l.quantity), 0)"
                    " FROM skus s LEFT JOIN order_lines l ON l.sku_id = s.id"
                    " WHERE s.id = :sku GROUP BY s.stock"
                ),
                {"sku": made["sku_id"]},
            )
        ).one()
    assert stock + units == 200  # a 503 left nothing half-done
    assert orders >= len(created)  # every 201 is there (a 503 during COMMIT may have landed)


async def _some(answers: list[httpx.Response], status: int) -> bool:
    return any(answer.status_code == status for answer in answers)


async def test_the_payment_platform_answering_500s_and_timing_out_charges_once(
    topology: Topology, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    before = await steps.paid_trades(topology)
    async with topology.client() as http, httpx.AsyncClient(timeout=30) as plain:
        made = await steps.goods(http, admin, stock=10)
        people = await steps.shoppers(http, topology, 3, prefix="payfault")
        orders = []
        for who in people:
            placed = await http.post(
                "/api/v1/orders",
                headers=who.headers,
                json={
                    "items": [{"sku_id": made["sku_id"], "quantity": 1}],
                    "address_id": who.address_id,
                },
            )
            assert placed.status_code == 201, placed.text
            orders.append(placed.json()["id"])
        faults = f"{topology.sandbox_url}/wechat/pay/faults"
        # two 500s: the shop's third attempt gets the prepay
        await plain.post(faults, json={"endpoint": "v3.jsapi", "kind": "500", "count": 2})
        await steps.pay(http, topology, people[0], orders[0], duplicates=5)
        # a hang longer than the shop's 2 s timeout: given up on, asked again
        await plain.post(
            faults, json={"endpoint": "v3.jsapi", "kind": "timeout", "count": 1, "hang_seconds": 4}
        )
        started = time.monotonic()
        await steps.pay(http, topology, people[1], orders[1], duplicates=5)
        assert time.monotonic() - started < 15
        # 500s on every attempt: the shopper hears a clear error, nothing is charged
        await plain.post(faults, json={"endpoint": "v3.jsapi", "kind": "500", "count": 3})
        refused = await http.post(
            f"/api/v1/orders/{orders[2]}/pay", headers=people[2].headers, json={"channel": "wechat"}
        )
        assert 500 <= refused.status_code < 600 and refused.status_code != 500, refused.text
        assert "error" in refused.json()
        await plain.delete(faults)
        # and it can pay once the platform is back
        await steps.pay(http, topology, people[2], orders[2], duplicates=5)
        for who, order_id in zip(people, orders, strict=True):
            assert await steps.paid(http, who, order_id) == "paid"
    assert await steps.notifications_applied_once(context, topology, before=before) == 3
