"""The session's app served by uvicorn on a real port (WebSockets need a real server), and a
small client that speaks the live channel."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from tests.waiting import until
from xiaodian.context import AppContext
from xiaodian.live.hub import hub_of


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
async def ws_url(app: FastAPI) -> AsyncIterator[str]:
    """ws://127.0.0.1:<port>/api/v1/ws of the session's app, for as long as the module runs."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def up() -> bool:
        return bool(server.started or task.done())

    await until(up, "the live test server to start", seconds=5, every=0.01)
    assert server.started
    yield f"ws://127.0.0.1:{port}/api/v1/ws"
    server.should_exit = True
    await task


@pytest.fixture(autouse=True)
def _fresh_hub(context: AppContext) -> None:
    """The database is wiped between tests (SQLite reuses ids): forget versions and seqs."""
    hub_of(context).forget()


class Live:
    """One client socket: send ops, read frames with a deadline."""

    def __init__(self, connection: ClientConnection) -> None:
        self.socket = connection

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.socket.send(message if isinstance(message, str) else json.dumps(message))

    async def frame(self, seconds: float = 5) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.socket.recv(), timeout=seconds)
        return dict(json.loads(raw))

    async def frame_of(self, kind: str, seconds: float = 5) -> dict[str, Any]:
        """The next frame of this type (others, such as pongs, are skipped)."""
        while True:
            frame = await self.frame(seconds)
            if frame["type"] == kind:
                return frame

    async def subscribe(self, *goods_ids: int) -> list[dict[str, Any]]:
        await self.send({"op": "subscribe", "goods_ids": list(goods_ids)})
        return [await self.frame_of("snapshot") for _ in goods_ids]


@pytest.fixture
async def live(ws_url: str) -> AsyncIterator[Any]:
    """Open sockets with `await live()`; all are closed after the test."""
    opened: list[ClientConnection] = []

    async def open_one(query: str = "") -> Live:
        connection = await connect(ws_url + query, open_timeout=5)
        opened.append(connection)
        return Live(connection)

    yield open_one
    for connection in opened:
        await connection.close()
