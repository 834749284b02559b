"""The per-address cap on live sockets counts every server process (through Redis), and the
sockets of a process that crashed stop counting once its heartbeat's expiry has passed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.live.conftest import free_port, server_env, start, stop
from tests.waiting import until
from xiaodian.config import Settings

CAP = 3


async def _open(port: int) -> ClientConnection | None:
    """A socket that the server took on (it answers a ping), or None when it was refused with
    4029 (too many connections from this address)."""
    socket = await connect(f"ws://127.0.0.1:{port}/api/v1/ws", open_timeout=10)
    try:
        await socket.send(json.dumps({"op": "ping"}))
        frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 4029, closed
        return None
    assert frame["type"] == "pong"
    return socket


def _admitted(port: int, kept: list[Any]) -> Any:
    async def check() -> bool:
        socket = await _open(port)
        if socket is not None:
            kept.append(socket)
        return socket is not None

    return check


async def test_the_cap_counts_both_processes_and_forgets_one_that_crashed(
    settings: Settings, migrated: str, workdir: Path
) -> None:
    if not settings.redis_url:
        pytest.skip("counting across processes needs Redis")
    ports = free_port(), free_port()
    servers = []
    for index, port in enumerate(ports):
        base = f"http://127.0.0.1:{port}"
        env = server_env(settings, sandbox_url="http://127.0.0.1:9", base_url=base)
        env["XIAODIAN_LIVE_MAX_CONNECTIONS_PER_IP"] = str(CAP)
        env["XIAODIAN_LIVE_ADDRESS_COUNT_TTL_SECONDS"] = "3"
        servers.append(
            start(
                ["serve", "--port", str(port)],
                env,
                f"{base}/healthz",
                workdir / f"serve-cap-{index}.log",
            )
        )
    a, b = ports
    kept: list[Any] = []
    try:
        # Two sockets on A and one on B make three from this address: a fourth is refused by
        # either process, though each holds fewer than three.
        for port in (a, a, b):
            socket = await _open(port)
            assert socket is not None
            kept.append(socket)
        assert await _open(b) is None
        assert await _open(a) is None
        # One closed on A: B takes one again.
        await kept.pop(0).close()
        await until(_admitted(b, kept), "B to take a socket once A had one fewer", seconds=10)
        assert await _open(a) is None
        # A crashes holding a socket: its heartbeat stops, and after its expiry (3 s) B takes
        # another socket although A's was never closed.
        servers[0].send_signal(signal.SIGKILL)
        servers[0].wait(timeout=15)
        await until(_admitted(b, kept), "B to stop counting the crashed A's socket", seconds=20)
        assert await _open(b) is None  # three on B now: the cap holds
    finally:
        for socket in kept:
            with contextlib.suppress(TimeoutError, ConnectionClosed, OSError):
                await asyncio.wait_for(socket.close(), 5)
        for server in servers:
            stop(server)
