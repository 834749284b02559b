"""Live stock across real server processes: an order placed through one server reaches a socket
held by another, through one MariaDB and one Redis."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests import factories
from tests.live.conftest import LiveShop, free_port, start, stop
from tests.live.shop import buyers, goods_with_stock
from xiaodian.config import Settings
from xiaodian.context import AppContext


async def test_an_order_through_one_server_reaches_a_socket_on_another(
    live_shop: LiveShop,
    client: httpx.AsyncClient,
    context: AppContext,
    settings: Settings,
    workdir: Path,
) -> None:
    if not settings.redis_url:
        pytest.skip("several servers share live pushes through Redis")
    admin = await factories.merchant(client, context)
    port = free_port()
    other_url = f"http://127.0.0.1:{port}"
    env = {**live_shop.env, "XIAODIAN_PUBLIC_BASE_URL": other_url}
    other = start(
        ["serve", "--port", str(port)], env, f"{other_url}/healthz", workdir / "serve-live.log"
    )
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            sku_id = await goods_with_stock(http, live_shop, admin, 12)
            listed = (await http.get(f"{live_shop.base_url}/api/v1/goods")).json()["items"]
            (goods_id,) = [int(item["id"]) for item in listed]  # the database was wiped
            (buyer,) = await buyers(http, live_shop, 1)
            async with connect(f"ws://127.0.0.1:{port}/api/v1/ws", open_timeout=10) as socket:
                await socket.send(json.dumps({"op": "subscribe", "goods_ids": [goods_id]}))
                snapshot = json.loads(await asyncio.wait_for(socket.recv(), 10))
                assert (snapshot["type"], snapshot["skus"][0]["stock"]) == ("snapshot", 12)
                # Through the other server (its 2 workers): the socket here hears of each.
                for quantity in (2, 3):
                    placed = await http.post(
                        f"{live_shop.base_url}/api/v1/orders",
                        headers={"Authorization": buyer["Authorization"]},
                        json={
                            "items": [{"sku_id": sku_id, "quantity": quantity}],
                            "address_id": int(buyer["X-Address"]),
                        },
                    )
                    assert placed.status_code == 201, placed.text
                first = json.loads(await asyncio.wait_for(socket.recv(), 10))
                second = json.loads(await asyncio.wait_for(socket.recv(), 10))
                assert [(f["type"], f["stock"]) for f in (first, second)] == [
                    ("stock", 10),
                    ("stock", 7),
                ]
                assert [first["seq"], second["seq"]] == [snapshot["seq"] + 1, snapshot["seq"] + 2]
    finally:
        stop(other)
