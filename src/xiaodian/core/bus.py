"""Publish/subscribe between processes: in-process by default, Redis pub/sub when configured.

Messages are small JSON objects. Delivery is at-most-once (pub/sub); anything that must not be
lost lives in the database, and the bus only says "look again".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import redis.asyncio as redis_asyncio

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class Bus(Protocol):
    def subscribe(self, channel: str, handler: Handler) -> None: ...

    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    def on_reconnect(self, handler: Callable[[], None]) -> None:
        """Called after a lost connection is back (messages may have been missed)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class _Handlers:
    def __init__(self) -> None:
        self.by_channel: dict[str, list[Handler]] = defaultdict(list)
        self.reconnect: list[Callable[[], None]] = []

    async def deliver(self, channel: str, message: dict[str, Any]) -> None:
        for handler in list(self.by_channel.get(channel, ())):
            try:
                await handler(message)
            except Exception:
                log.exception("bus handler for %s failed", channel)


class MemoryBus:
    """Delivers to the handlers of this process only."""

    def __init__(self) -> None:
        self._handlers = _Handlers()

    def subscribe(self, channel: str, handler: Handler) -> None:
        self._handlers.by_channel[channel].append(handler)

    def on_reconnect(self, handler: Callable[[], None]) -> None:
        self._handlers.reconnect.append(handler)

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self._handlers.deliver(channel, message)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class RedisBus:
    """Fans messages out to every process through Redis pub/sub."""

    def __init__(self, client: redis_asyncio.Redis, *, prefix: str = "xiaodian:bus:") -> None:
        self.client = client
        # Pub/sub channels belong to the server, not to a numbered database: two shops (or
        # test runs) on one Redis with different `/N` would hear each other's messages. The
        # database number in the channel keeps each to its own.
        database = int(client.connection_pool.connection_kwargs.get("db", 0) or 0)
        self.prefix = f"{prefix}{database}:"
        self._handlers = _Handlers()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def subscribe(self, channel: str, handler: Handler) -> None:
        self._handlers.by_channel[channel].append(handler)

    def on_reconnect(self, handler: Callable[[], None]) -> None:
        self._handlers.reconnect.append(handler)

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self.client.publish(self.prefix + channel, json.dumps(message, ensure_ascii=False))

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="redis-bus")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=5)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self) -> None:
        first = True
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self.prefix + "*")
                if not first:
                    for handler in self._handlers.reconnect:
                        handler()
                first = False
                self._ready.set()
                async for raw in pubsub.listen():
                    channel = raw["channel"].decode()[len(self.prefix) :]
                    try:
                        message = json.loads(raw["data"])
                    except (ValueError, TypeError):
                        continue
                    await self._handlers.deliver(channel, message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("redis bus connection lost; reconnecting", exc_info=True)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
