"""The merchant channel: new orders, payments, refund requests and low stock pushed to the
console dashboard (console session, same origin) and to merchant clients (a merchant token)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests import factories


async def _frame(socket: Any, kind: str) -> dict[str, Any]:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=5))
        if frame["type"] == kind:
            return dict(frame)


async def test_a_merchant_socket_hears_new_orders_and_low_stock(
    client: httpx.AsyncClient, context: Any, ws_url: str
) -> None:
    admin = await factories.merchant(client, context)
    token = admin["Authorization"].removeprefix("Bearer ")
    base = ws_url.removesuffix("/api/v1/ws")
    goods = await factories.make_goods(context, stock=12)
    shopper = await factories.shopper(client, context, "merchant-channel")
    address = await factories.address(client, shopper)
    async with connect(f"{base}/api/admin/v1/ws?token={token}") as socket:
        await socket.send('{"op":"ping"}')
        assert (await _frame(socket, "pong")) == {"type": "pong"}
        order = await factories.place_order(
            client, shopper, sku_id=goods["sku_ids"][0], quantity=4, address_id=address
        )
        placed = await _frame(socket, "order_placed")
        assert (placed["order_id"], placed["total_fen"]) == (order["id"], order["total_fen"])
        low = await _frame(socket, "low_stock")
        assert (low["sku_id"], low["stock"]) == (goods["sku_ids"][0], 8)


async def test_the_console_socket_takes_the_session_from_its_own_origin_only(
    client: httpx.AsyncClient, context: Any, ws_url: str
) -> None:
    admin = await factories.merchant(client, context)
    token = admin["Authorization"].removeprefix("Bearer ")
    base = ws_url.removesuffix("/api/v1/ws")
    host = base.removeprefix("ws://")
    url = f"{base}/console/dashboard/socket"
    cookie = {"Cookie": f"xd_admin={token}"}
    async with connect(url, additional_headers={**cookie, "Origin": f"http://{host}"}) as socket:
        await socket.send('{"op":"ping"}')
        assert (await _frame(socket, "pong")) == {"type": "pong"}
    for headers in (
        {**cookie, "Origin": "http://evil.test"},  # another site riding on the cookie
        {"Origin": f"http://{host}"},  # no session
    ):
        async with connect(url, additional_headers=headers) as refused:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(refused.recv(), timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
    shopper = await factories.shopper(client, context, "not-a-merchant")
    shopper_token = shopper["Authorization"].removeprefix("Bearer ")
    async with connect(f"{base}/api/admin/v1/ws?token={shopper_token}") as refused:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(refused.recv(), timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
