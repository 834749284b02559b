from __future__ import annotations

import asyncio

from xiaodian.core.bus import MemoryBus
from xiaodian.core.nearcache import NearCache


async def test_concurrent_misses_load_once() -> None:
    cache = NearCache(MemoryBus())
    calls = 0
    release = asyncio.Event()

    async def load() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return "answer"

    misses = [asyncio.create_task(cache.get_or_load("ns", "k", load)) for _ in range(10)]
    await asyncio.sleep(0)  # one turn of the loop: every miss is now waiting on the load
    release.set()
    results = await asyncio.gather(*misses)
    assert results == ["answer"] * 10
    assert calls == 1


async def test_an_answer_loaded_across_an_invalidation_is_not_kept() -> None:
    cache = NearCache(MemoryBus())
    release = asyncio.Event()

    async def slow_stale_load() -> str:
        await release.wait()
        return "stale"

    loading = asyncio.create_task(cache.get_or_load("ns", "k", slow_stale_load))
    await asyncio.sleep(0)
    await cache.invalidate("ns")
    release.set()
    assert await loading == "stale"

    async def fresh() -> str:
        return "fresh"

    assert await cache.get_or_load("ns", "k", fresh) == "fresh"


async def test_invalidation_reaches_other_processes_through_the_bus() -> None:
    bus = MemoryBus()
    here, there = NearCache(bus), NearCache(bus)

    async def value() -> int:
        return 1

    await there.get_or_load("catalog", "home", value)
    assert there.get("catalog", "home") == 1
    await here.invalidate("catalog")
    assert there.get("catalog", "home") is None


async def test_a_bus_reconnect_forgets_everything() -> None:
    cache = NearCache(MemoryBus())

    async def value() -> int:
        return 1

    await cache.get_or_load("a", "k", value)
    cache.clear()
    assert cache.get("a", "k") is None
