"""Through nginx with TLS, as a phone reaches the shop: redirects, HSTS, the full purchase
flow, a flash sale burst, a group filled, and live frames crossing server processes."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from websockets.asyncio.client import connect

from tests import factories
from tests.system import steps
from tests.system.topology import Topology
from tests.waiting import until
from xiaodian.context import AppContext
from xiaodian.core import clock

pytestmark = pytest.mark.live


async def test_http_is_redirected_to_https_and_https_carries_hsts(topology: Topology) -> None:
    async with httpx.AsyncClient() as plain:
        moved = await plain.get(f"{topology.http_url}/api/v1/goods?page=2")
    assert moved.status_code == 301
    assert moved.headers["Location"].startswith("https://127.0.0.1")
    assert moved.headers["Location"].endswith("/api/v1/goods?page=2")
    async with topology.client() as http:
        ping = await http.get("/api/v1/ping")
    assert ping.status_code == 200
    assert ping.headers.get_list("Strict-Transport-Security") == [
        "max-age=63072000; includeSubDomains"
    ]


async def test_the_full_purchase_flow_through_nginx(
    topology: Topology, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    before = await steps.paid_trades(topology)
    async with topology.client() as http:
        made = await steps.goods(http, admin, stock=10)
        (buyer,) = await steps.shoppers(http, topology, 1, prefix="flow")
        added = await http.post(
            "/api/v1/cart/items",
            headers=buyer.headers,
            json={"sku_id": made["sku_id"], "quantity": 2},
        )
        assert added.status_code in (200, 201), added.text
        placed = await http.post(
            "/api/v1/orders",
            headers=buyer.headers,
            json={
                "items": [{"sku_id": made["sku_id"], "quantity": 2}],
                "address_id": buyer.address_id,
            },
        )
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["id"]
        await steps.pay(http, topology, buyer, order_id)

        assert await steps.paid(http, buyer, order_id) == "paid"
        assert await steps.notifications_applied_once(context, topology, before=before) == 1


async def test_a_flash_sale_burst_through_nginx_sells_exactly_the_units(
    topology: Topology, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    limits = httpx.Limits(max_connections=60, max_keepalive_connections=60)
    async with topology.client(limits=limits) as http:
        item_id = await steps.flash_item(http, admin, units=20)
        crowd = await steps.shoppers(http, topology, 60, prefix="burst")
        answers = await asyncio.gather(
            *(
                http.post(
                    f"/api/v1/flash-sales/items/{item_id}/orders",
                    headers=who.headers,
                    json={"quantity": 1, "address_id": who.address_id},
                )
                for who in crowd
                for _ in range(2)
            )
        )
    codes = Counter(answer.status_code for answer in answers)
    assert codes[201] == 20, codes
    assert set(codes) <= {201, 409, 429}, codes
    books = await steps.flash_books(context, item_id)
    assert books.units_left + books.sold + books.held == books.allocated == 20
    assert books.held == 20 and books.orders_over_limit == 0


async def test_a_group_is_filled_through_nginx(
    topology: Topology, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    before = await steps.paid_trades(topology)
    async with topology.client() as http:
        made = await steps.goods(http, admin, stock=50)
        campaign = await http.post(
            "/api/admin/v1/group-buys",
            headers=admin,
            json={
                "goods_id": made["goods_id"],
                "group_size": 3,
                "price_percent": 80,
                "fill_minutes": 10,
                "ends_at": (clock.now() + timedelta(days=1)).isoformat(),
            },
        )
        assert campaign.status_code == 201, campaign.text
        people = await steps.shoppers(http, topology, 3, prefix="group")

        def seat(who: steps.Shopper) -> dict[str, int]:
            return {"sku_id": made["sku_id"], "quantity": 1, "address_id": who.address_id}

        opened = await http.post(
            f"/api/v1/group-buys/{campaign.json()['id']}/groups",
            headers=people[0].headers,
            json=seat(people[0]),
        )
        assert opened.status_code == 201, opened.text
        group_id = opened.json()["group"]["id"]
        await steps.pay(http, topology, people[0], opened.json()["order"]["id"])
        await steps.paid(http, people[0], opened.json()["order"]["id"])
        for who in people[1:]:
            joined = await http.post(
                f"/api/v1/groups/{group_id}/join", headers=who.headers, json=seat(who)
            )
            assert joined.status_code == 201, joined.text
            await steps.pay(http, topology, who, joined.json()["order"]["id"])
            await steps.paid(http, who, joined.json()["order"]["id"])

        async def filled() -> bool:
            shown = await http.get(f"/api/v1/groups/{group_id}")
            body = shown.json()
            return bool([m["paid"] for m in body["members"]] == [True, True, True])

        await until(filled, "the group to be filled and paid", seconds=20)
        assert await steps.notifications_applied_once(context, topology, before=before) == 3


async def test_a_stock_change_made_through_one_server_reaches_sockets_on_both(
    topology: Topology, client: httpx.AsyncClient, context: AppContext
) -> None:
    """Sockets opened through nginx (round robin spreads them) and one straight on each server's
    port; an order placed on server 1 and one on server 2: every socket hears both."""
    admin = await factories.merchant(client, context)
    async with topology.client() as http:
        made = await steps.goods(http, admin, stock=30)
        (buyer,) = await steps.shoppers(http, topology, 1, prefix="live")
        sockets = [
            await connect(topology.ws_url, ssl=topology.ssl_context, open_timeout=10)
            for _ in range(4)
        ]
        sockets += [
            await connect(f"ws://127.0.0.1:{port}/api/v1/ws", open_timeout=10)
            for port in topology.server_ports
        ]
        try:
            for socket in sockets:
                await socket.send(json.dumps({"op": "subscribe", "goods_ids": [made["goods_id"]]}))
                snapshot = json.loads(await asyncio.wait_for(socket.recv(), 10))
                assert snapshot["type"] == "snapshot", snapshot
            for port in topology.server_ports:
                placed = await http.post(
                    f"http://127.0.0.1:{port}/api/v1/orders",
                    headers=buyer.headers,
                    json={
                        "items": [{"sku_id": made["sku_id"], "quantity": 1}],
                        "address_id": buyer.address_id,
                    },
                )
                assert placed.status_code == 201, placed.text
            for socket in sockets:
                seen: list[int] = []
                while 28 not in seen:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
                    if frame["type"] == "stock":
                        seen.append(frame["stock"])
                assert seen == [29, 28]
        finally:
            for socket in sockets:
                await socket.close()
