"""A small key-value cache with two implementations: in-process (default) and Redis.

One process needs no Redis; several processes share one. Values are bytes; counters and
set-if-absent cover rate limits and one-time codes.
"""

from __future__ import annotations

import time
from typing import Protocol

import redis.asyncio as redis_asyncio


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None: ...

    async def add(self, key: str, value: bytes, *, ttl_seconds: float) -> bool:
        """Set only if absent; True when this call set it."""
        ...

    async def pop(self, key: str) -> bytes | None:
        """Get and delete in one step (a single-use code is used once)."""
        ...

    async def delete(self, *keys: str) -> None: ...

    async def incr(self, key: str, *, ttl_seconds: float) -> int:
        """Add one; the first increment starts the expiry window."""
        ...

    async def clear(self) -> None: ...

    async def close(self) -> None: ...


class MemoryCache:
    """A dict with expiry, for a single process."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, bytes]] = {}

    def _live(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires_at, value = item
        if expires_at <= time.monotonic():
            del self._data[key]
            return None
        return value

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        self._data[key] = (time.monotonic() + ttl_seconds, value)
        if len(self._data) > 100_000:
            self._sweep()

    async def add(self, key: str, value: bytes, *, ttl_seconds: float) -> bool:
        if self._live(key) is not None:
            return False
        await self.set(key, value, ttl_seconds=ttl_seconds)
        return True

    async def pop(self, key: str) -> bytes | None:
        value = self._live(key)
        self._data.pop(key, None)
        return value

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._data.pop(key, None)

    async def incr(self, key: str, *, ttl_seconds: float) -> int:
        item = self._data.get(key)
        current = self._live(key)
        count = int(current) + 1 if current is not None else 1
        expires_at = (
            item[0]
            if item is not None and current is not None
            else (time.monotonic() + ttl_seconds)
        )
        self._data[key] = (expires_at, str(count).encode())
        return count

    async def clear(self) -> None:
        self._data.clear()

    async def close(self) -> None:
        return None

    def _sweep(self) -> None:
        moment = time.monotonic()
        for key in [k for k, (expires_at, _) in self._data.items() if expires_at <= moment]:
            del self._data[key]


class RedisCache:
    """The same operations on a shared Redis, under a key prefix."""

    def __init__(self, client: redis_asyncio.Redis, *, prefix: str = "xiaodian:") -> None:
        self.client = client
        self.prefix = prefix

    async def get(self, key: str) -> bytes | None:
        value = await self.client.get(self.prefix + key)
        return value if value is None or isinstance(value, bytes) else value.encode()

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        await self.client.set(self.prefix + key, value, px=max(1, int(ttl_seconds * 1000)))

    async def add(self, key: str, value: bytes, *, ttl_seconds: float) -> bool:
        done = await self.client.set(
            self.prefix + key, value, px=max(1, int(ttl_seconds * 1000)), nx=True
        )
        return bool(done)

    async def pop(self, key: str) -> bytes | None:
        value = await self.client.getdel(self.prefix + key)
        return value if value is None or isinstance(value, bytes) else value.encode()

    async def delete(self, *keys: str) -> None:
        if keys:
            await self.client.delete(*(self.prefix + key for key in keys))

    async def incr(self, key: str, *, ttl_seconds: float) -> int:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(self.prefix + key)
            pipe.pexpire(self.prefix + key, max(1, int(ttl_seconds * 1000)), nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def clear(self) -> None:
        cursor = 0
        while True:
            cursor, keys = await self.client.scan(cursor, match=self.prefix + "*", count=500)
            if keys:
                await self.client.delete(*keys)
            if cursor == 0:
                break

    async def close(self) -> None:
        await self.client.aclose()
