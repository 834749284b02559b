"""The Redis bus keeps to its own database number: pub/sub channels belong to the whole
Redis server, so two shops (or two test runs) on one server with different `/N` must not hear
each other's messages."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as redis_asyncio

from tests.conftest import redis_url
from tests.waiting import until
from xiaodian.core.bus import RedisBus


async def test_two_databases_on_one_server_do_not_hear_each_other() -> None:
    url = redis_url()
    if url is None:
        pytest.skip("needs Redis (XIAODIAN_TEST_REDIS_URL)")
    base, _, number = url.rpartition("/")
    other_number = (int(number or 0) + 1) % 16
    ours = redis_asyncio.Redis.from_url(url)
    theirs = redis_asyncio.Redis.from_url(f"{base}/{other_number}")
    our_bus, their_bus = RedisBus(ours), RedisBus(theirs)
    heard_here: list[dict[str, Any]] = []
    heard_there: list[dict[str, Any]] = []

    async def here(message: dict[str, Any]) -> None:
        heard_here.append(message)

    async def there(message: dict[str, Any]) -> None:
        heard_there.append(message)

    our_bus.subscribe("stock", here)
    their_bus.subscribe("stock", there)
    await our_bus.start()
    await their_bus.start()
    try:
        await their_bus.publish("stock", {"from": "the other shop"})
        await our_bus.publish("stock", {"from": "us"})

        async def ours_arrived() -> bool:
            return bool(heard_here) and bool(heard_there)

        await until(ours_arrived, "each bus to hear its own message")
        # the other shop published first: had its message crossed over, it would have reached
        # this bus (on one Redis connection, in order) before ours did
        assert heard_here == [{"from": "us"}]
        assert heard_there == [{"from": "the other shop"}]
    finally:
        await our_bus.stop()
        await their_bus.stop()
        await ours.aclose()
        await theirs.aclose()
