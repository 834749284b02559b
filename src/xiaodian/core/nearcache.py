"""A per-process cache of ready answers, invalidated across processes through the bus.

Hot catalog reads are served from this process's memory without touching the database or
Redis. Every write that changes what those answers show calls `invalidate(namespace)` (or
`invalidate_keys(namespace, keys)` for single answers, such as one goods item's) after it
commits; the bus carries that to every process. Each namespace and each key has a generation
number: an answer computed while an invalidation arrives is never stored, so a slow reader
cannot put stale data back. A lost bus connection clears everything on reconnect, and a TTL
bounds the rest.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

from xiaodian.core.bus import Bus

T = TypeVar("T")
CHANNEL = "cache.invalidate"


class NearCache:
    def __init__(self, bus: Bus, *, ttl_seconds: float = 60, max_entries: int = 4096) -> None:
        self._bus = bus
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[tuple[int, int], float, Any]] = (
            OrderedDict()
        )
        self._generations: dict[str, int] = {}
        self._key_generations: dict[tuple[str, str], int] = {}
        self._epoch = 0
        self._loading: dict[tuple[str, str], asyncio.Future[Any]] = {}
        self.origin = uuid.uuid4().hex
        bus.subscribe(CHANNEL, self._on_message)
        bus.on_reconnect(self.clear)

    def _generation(self, namespace: str, key: str) -> tuple[int, int]:
        return (
            self._epoch + self._generations.get(namespace, 0),
            self._key_generations.get((namespace, key), 0),
        )

    def get(self, namespace: str, key: str) -> Any | None:
        entry = self._entries.get((namespace, key))
        if entry is None:
            return None
        generation, expires_at, value = entry
        if generation != self._generation(namespace, key) or expires_at <= time.monotonic():
            del self._entries[(namespace, key)]
            return None
        # least recently used goes first: a burst of answers asked once (a different search
        # each request) must not push out the home page and the cards every page shows
        self._entries.move_to_end((namespace, key))
        return value

    def _put(self, namespace: str, key: str, value: Any, generation: tuple[int, int]) -> None:
        if generation != self._generation(namespace, key):
            return
        self._entries[(namespace, key)] = (generation, time.monotonic() + self._ttl, value)
        self._entries.move_to_end((namespace, key))
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def get_or_load(self, namespace: str, key: str, loader: Callable[[], Awaitable[T]]) -> T:
        """The cached answer, or `loader()`'s; concurrent misses for one key load once."""
        value = self.get(namespace, key)
        if value is not None:
            return cast(T, value)
        pending = self._loading.get((namespace, key))
        if pending is not None:
            return await asyncio.shield(pending)
        generation = self._generation(namespace, key)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._loading[(namespace, key)] = future
        try:
            loaded = await loader()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # mark retrieved: waiters, if any, re-raise it themselves
            raise
        else:
            future.set_result(loaded)
            self._put(namespace, key, loaded, generation)
            return loaded
        finally:
            if self._loading.get((namespace, key)) is future:
                del self._loading[(namespace, key)]

    async def load_many(
        self,
        namespace: str,
        keys: Iterable[str],
        loader: Callable[[list[str]], Awaitable[Mapping[str, T]]],
    ) -> dict[str, T]:
        """Answers for many keys: the cached ones, and `loader(missing)` for the rest in one
        call (each stored unless its key was invalidated while loading). A key another caller
        is already loading is awaited, not loaded again, so a hot card forgotten under load
        costs one query, not one per waiting request."""
        found: dict[str, T] = {}
        missing: list[str] = []
        waiting: dict[str, asyncio.Future[Any]] = {}
        for key in dict.fromkeys(keys):
            value = self.get(namespace, key)
            if value is not None:
                found[key] = value
            elif (pending := self._loading.get((namespace, key))) is not None:
                waiting[key] = pending
            else:
                missing.append(key)
        if missing:
            generations = {key: self._generation(namespace, key) for key in missing}
            loop = asyncio.get_running_loop()
            futures = {key: loop.create_future() for key in missing}
            for key, future in futures.items():
                self._loading[(namespace, key)] = future
            try:
                loaded = await loader(missing)
            except BaseException as error:
                for future in futures.values():
                    future.set_exception(error)
                    future.exception()  # mark retrieved: waiters re-raise it themselves
                raise
            else:
                for key, future in futures.items():
                    value = loaded.get(key)
                    future.set_result(value)
                    if value is not None:
                        found[key] = value
                        self._put(namespace, key, value, generations[key])
            finally:
                for key, future in futures.items():
                    if self._loading.get((namespace, key)) is future:
                        del self._loading[(namespace, key)]
        for key, pending in waiting.items():
            value = await asyncio.shield(pending)
            if value is not None:
                found[key] = value
        return found

    def bump_keys(self, namespace: str, keys: Iterable[str]) -> None:
        for key in keys:
            self._key_generations[(namespace, key)] = (
                self._key_generations.get((namespace, key), 0) + 1
            )
            self._entries.pop((namespace, key), None)
            self._loading.pop((namespace, key), None)

    async def invalidate_keys(self, namespace: str, keys: Iterable[str]) -> None:
        """Forget these answers of one namespace here and in every other process."""
        wanted = list(keys)
        if not wanted:
            return
        self.bump_keys(namespace, wanted)
        await self._bus.publish(
            CHANNEL, {"namespace": namespace, "keys": wanted, "origin": self.origin}
        )

    def bump(self, *namespaces: str) -> None:
        for namespace in namespaces:
            self._generations[namespace] = self._generations.get(namespace, 0) + 1
            # Loads already running will finish for their callers but are not stored, and new
            # callers must not wait on them.
            for pending_key in [k for k in self._loading if k[0] == namespace]:
                del self._loading[pending_key]

    async def invalidate(self, *namespaces: str) -> None:
        """Forget answers in these namespaces here and in every other process."""
        self.bump(*namespaces)
        await self._bus.publish(CHANNEL, {"namespaces": list(namespaces), "origin": self.origin})

    def clear(self) -> None:
        self._epoch += 1_000_000
        self._entries.clear()
        self._loading.clear()

    async def _on_message(self, message: dict[str, Any]) -> None:
        if message.get("origin") == self.origin:
            return
        namespaces = message.get("namespaces")
        if isinstance(namespaces, list):
            self.bump(*(str(namespace) for namespace in namespaces))
        keys, namespace = message.get("keys"), message.get("namespace")
        if isinstance(keys, list) and isinstance(namespace, str):
            self.bump_keys(namespace, (str(key) for key in keys))
