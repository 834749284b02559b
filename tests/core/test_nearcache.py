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


async def test_what_is_asked_for_outlives_answers_asked_once() -> None:
    """Full, the cache forgets the least recently used answer: a hot one stays while a
    stream of one-off answers passes through."""
    cache = NearCache(MemoryBus(), max_entries=3)

    async def answer(value: str) -> str:
        return value

    await cache.get_or_load("ns", "hot", lambda: answer("hot"))
    for one_off in range(10):
        await cache.get_or_load("ns", f"once:{one_off}", lambda n=one_off: answer(f"{n}"))
        assert cache.get("ns", "hot") == "hot"
    assert cache.get("ns", "once:0") is None  # the oldest one-offs are gone
    assert cache.get("ns", "once:9") == "9"


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


async def test_concurrent_many_key_misses_load_each_key_once() -> None:
    cache = NearCache(MemoryBus())
    asked: list[list[str]] = []
    release = asyncio.Event()

    async def load(missing: list[str]) -> dict[str, str]:
        asked.append(missing)
        await release.wait()
        return {key: key.upper() for key in missing if key != "gone"}

    first = asyncio.create_task(cache.load_many("goods", ["a", "b"], load))
    await asyncio.sleep(0)  # the first caller's load of a and b is running
    second = asyncio.create_task(cache.load_many("goods", ["b", "c", "c", "gone"], load))
    await asyncio.sleep(0)
    release.set()
    assert await first == {"a": "A", "b": "B"}
    assert await second == {"b": "B", "c": "C"}
    assert asked == [["a", "b"], ["c", "gone"]]  # b was awaited, not loaded twice
    assert await cache.load_many("goods", ["a", "b", "c"], load) == {"a": "A", "b": "B", "c": "C"}
    assert len(asked) == 2


async def test_a_key_forgotten_while_loading_many_is_loaded_again_by_the_next_caller() -> None:
    cache = NearCache(MemoryBus())
    release = asyncio.Event()
    values = iter(["stale", "fresh"])

    async def load(missing: list[str]) -> dict[str, str]:
        value = next(values)
        if value == "stale":
            await release.wait()
        return {key: value for key in missing}

    loading = asyncio.create_task(cache.load_many("goods", ["card:1"], load))
    await asyncio.sleep(0)
    await cache.invalidate_keys("goods", ["card:1"])
    assert await cache.load_many("goods", ["card:1"], load) == {"card:1": "fresh"}
    release.set()
    assert await loading == {"card:1": "stale"}
    assert cache.get("goods", "card:1") == "fresh"


async def test_a_failed_many_key_load_fails_its_waiters_and_is_retried() -> None:
    cache = NearCache(MemoryBus())
    release = asyncio.Event()
    calls = 0

    async def load(missing: list[str]) -> dict[str, str]:
        nonlocal calls
        calls += 1
        if calls == 1:
            await release.wait()
            raise RuntimeError("database went away")
        return {key: "ok" for key in missing}

    first = asyncio.create_task(cache.load_many("goods", ["k"], load))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.load_many("goods", ["k"], load))
    await asyncio.sleep(0)
    release.set()
    for task in (first, second):
        try:
            await task
        except RuntimeError as error:
            assert str(error) == "database went away"
        else:
            raise AssertionError("the load's failure was swallowed")
    assert await cache.load_many("goods", ["k"], load) == {"k": "ok"}
