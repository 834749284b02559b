"""A TCP proxy that a test can cut: `python tcp_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT`.

Between the shop's processes and MariaDB, so a test can make the database vanish (SIGUSR1:
every open connection is closed and new ones are refused, as when the database host goes away)
and come back (SIGUSR2) without touching the shared server. Prints `listening` when it accepts
connections and `cut` when it has closed everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys


async def main(listen_port: int, host: str, port: int) -> None:
    open_writers: set[asyncio.StreamWriter] = set()
    server: asyncio.Server | None = None

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            upstream_r, upstream_w = await asyncio.open_connection(host, port)
        except OSError:
            client_w.close()
            return
        open_writers.update((client_w, upstream_w))
        try:
            await asyncio.gather(pipe(client_r, upstream_w), pipe(upstream_r, client_w))
        finally:
            open_writers.discard(client_w)
            open_writers.discard(upstream_w)

    async def listen() -> None:
        nonlocal server
        server = await asyncio.start_server(handle, "127.0.0.1", listen_port, reuse_address=True)
        print("listening", flush=True)

    async def cut() -> None:
        nonlocal server
        if server is not None:
            server.close()
            server = None
        for writer in list(open_writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()  # a reset, as from a host that went away
        open_writers.clear()
        print("cut", flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, lambda: asyncio.ensure_future(cut()))
    loop.add_signal_handler(signal.SIGUSR2, lambda: asyncio.ensure_future(listen()))
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await listen()
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
