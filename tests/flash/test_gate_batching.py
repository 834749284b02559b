"""The Redis gate sends the take calls of one turn of the event loop together (`Batched`):
every caller still gets its own answer, in the order the calls were made, and Redis losing
the script or the connection is handled for the whole batch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as redis_asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from tests.flash.helpers import gate_rule
from xiaodian.context import AppContext
from xiaodian.flash.gate import Batched, GateAnswer, Load, RedisGate, Rule, Snapshot

START_MS = 1_800_000_000_000
ITEM = 43


def _rule() -> Rule:
    return gate_rule(ITEM, starts_at_ms=START_MS)


@pytest.fixture
async def redis_client(context: AppContext) -> AsyncIterator[redis_asyncio.Redis]:
    if context.redis is None:
        pytest.skip("needs Redis")
    yield context.redis


async def test_a_crowd_in_one_turn_gets_one_answer_each_and_never_more_than_the_stock(
    redis_client: redis_asyncio.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = RedisGate(redis_client, prefix="test:batching:")
    await gate.forget(ITEM)
    await gate.load(ITEM, Snapshot(stock_left=5, users={}), ttl_ms=60_000, mode=Load.OVERWRITE)
    # a take elsewhere first, so Redis has the script (a flushed script costs one more send)
    await gate.take(gate_rule(ITEM + 1, starts_at_ms=START_MS), user_id=1, quantity=1, now_ms=1)
    pipelines = 0
    make_pipeline = redis_client.pipeline

    def counted(**options: Any) -> Any:
        nonlocal pipelines
        pipelines += 1
        return make_pipeline(**options)

    monkeypatch.setattr(redis_client, "pipeline", counted)
    shoppers = [*range(1, 21), 3, 4]  # two come twice
    answers = await asyncio.gather(
        *(gate.take(_rule(), user_id=u, quantity=1, now_ms=START_MS + 1) for u in shoppers)
    )
    # in the order made: the first five shoppers take the five units
    assert answers[:5] == [GateAnswer.TAKEN] * 5
    assert answers[5:20] == [GateAnswer.SOLD_OUT] * 15
    assert answers[20:] == [GateAnswer.LIMIT_REACHED] * 2
    assert pipelines == 1  # one write, one read for all 22
    assert await gate.stock_left(ITEM) == 0
    await gate.forget(ITEM)


async def test_a_lost_script_is_loaded_again_for_the_whole_batch(
    redis_client: redis_asyncio.Redis,
) -> None:
    script = "return tonumber(ARGV[1]) * 2"
    batched = Batched(redis_client, script)
    assert await batched(keys=[], args=[1]) == 2  # loads it (NOSCRIPT the first time)
    await redis_client.script_flush()
    answers = await asyncio.gather(*(batched(keys=[], args=[n]) for n in range(4)))
    assert answers == [0, 2, 4, 6]


async def test_a_calls_own_error_is_its_own(redis_client: redis_asyncio.Redis) -> None:
    batched = Batched(redis_client, "if ARGV[1] == 'bad' then error('no') end return 1")
    good, bad = await asyncio.gather(
        batched(keys=[], args=["fine"]), batched(keys=[], args=["bad"]), return_exceptions=True
    )
    assert good == 1
    assert isinstance(bad, ResponseError)


async def test_a_connection_error_reaches_every_caller_of_the_batch() -> None:
    unreachable = redis_asyncio.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    batched = Batched(unreachable, "return 1")
    answers: list[Any] = await asyncio.gather(
        *(batched(keys=[], args=[]) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(a, RedisConnectionError) for a in answers), answers
    await unreachable.aclose()


async def test_a_connection_cut_between_batches_fails_one_batch_and_is_made_again(
    context: AppContext,
) -> None:
    """As a single call would: the batch that meets the cut connection fails for each of its
    callers (the flash route then tries the slow way), and the next batch connects again."""
    if context.redis is None:
        pytest.skip("needs Redis")
    url = context.settings.redis_url
    assert url is not None
    own = redis_asyncio.Redis.from_url(url, client_name="xiaodian-batched-test")
    killer = redis_asyncio.Redis.from_url(url)
    batched = Batched(own, "return tonumber(ARGV[1]) + 1")
    try:
        assert await asyncio.gather(*(batched(keys=[], args=[n]) for n in range(3))) == [1, 2, 3]
        clients = await killer.client_list()
        cut = [c["id"] for c in clients if c.get("name") == "xiaodian-batched-test"]
        assert cut
        for client_id in cut:
            await killer.client_kill_filter(_id=client_id)
        failed = await asyncio.gather(
            *(batched(keys=[], args=[n]) for n in range(3)), return_exceptions=True
        )
        assert all(isinstance(one, RedisConnectionError) for one in failed), failed
        assert await asyncio.gather(*(batched(keys=[], args=[n]) for n in range(3))) == [1, 2, 3]
    finally:
        await own.aclose()
        await killer.aclose()
