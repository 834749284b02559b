"""How the database's numbers meet a warm gate (`gate.Load`): a refusal only tightens it, a
process's first serve leaves a gate a sibling loaded after it started, the sweep overwrites.

The database does not count units in flight (taken at the gate, their order not committed),
so an overwrite during a sale hands them out again; these tests hold each mode to what it
may change, on the in-process gate and (with Redis) the Lua one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests import factories
from tests.flash.helpers import buyer, flash_session, gate_rule, grab
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.flash import runtime
from xiaodian.flash import service as flash
from xiaodian.flash.errors import FlashItemNotFound
from xiaodian.flash.gate import Gate, GateAnswer, Load, MemoryGate, RedisGate, Rule, Snapshot

START = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)
START_MS = int(START.timestamp() * 1000)
TTL_MS = 60_000
ITEM = 41


def _rule() -> Rule:
    return gate_rule(ITEM, starts_at_ms=START_MS)


@pytest.fixture(params=["memory", "redis"])
async def gate(request: pytest.FixtureRequest, context: AppContext) -> AsyncIterator[Gate]:
    if request.param == "memory":
        yield MemoryGate()
        return
    if context.redis is None:
        pytest.skip("needs Redis")
    redis_gate = RedisGate(context.redis, prefix="test:gate-loads:")
    await redis_gate.forget(ITEM)
    yield redis_gate
    await redis_gate.forget(ITEM)


async def _running_item(client: httpx.AsyncClient, context: AppContext, *, flash_stock: int) -> int:
    """A session's item made through the merchant API, the clock at its start."""
    clock.freeze(START - timedelta(minutes=10))
    goods = await factories.make_goods(context, stock=20, prices=[2990])
    admin = await factories.merchant(client, context)
    created = await flash_session(
        client, admin, sku_id=goods["sku_ids"][0], starts_at=START, flash_stock=flash_stock
    )
    clock.freeze(START)
    return int(created["item_ids"][0])


async def _take(gate: Gate, user_id: int) -> GateAnswer:
    return await gate.take(_rule(), user_id=user_id, quantity=1, now_ms=START_MS + 1)


async def test_tightening_lowers_the_stock_and_raises_counts_but_never_loosens(
    gate: Gate,
) -> None:
    await gate.load(ITEM, Snapshot(stock_left=5, users={1: 1}), ttl_ms=TTL_MS, mode=Load.OVERWRITE)
    assert await _take(gate, 2) == GateAnswer.TAKEN  # in flight: the database does not know
    more = Snapshot(stock_left=10, users={1: 0, 3: 1})
    assert await gate.load(ITEM, more, ttl_ms=TTL_MS, mode=Load.TIGHTEN)
    assert await gate.stock_left(ITEM) == 4
    assert await _take(gate, 1) == GateAnswer.LIMIT_REACHED  # kept its count
    assert await _take(gate, 2) == GateAnswer.LIMIT_REACHED  # the one in flight too
    assert await _take(gate, 3) == GateAnswer.LIMIT_REACHED  # learnt from the database
    fewer = Snapshot(stock_left=2, users={})
    assert await gate.load(ITEM, fewer, ttl_ms=TTL_MS, mode=Load.TIGHTEN)
    assert await gate.stock_left(ITEM) == 2


async def test_a_refused_order_is_given_back_before_the_gate_is_tightened(gate: Gate) -> None:
    await gate.load(ITEM, Snapshot(stock_left=1, users={}), ttl_ms=TTL_MS, mode=Load.OVERWRITE)
    assert await _take(gate, 7) == GateAnswer.TAKEN
    # the database refused shopper 7 (its pool was empty after all): the unit does not come
    # back, but shopper 7 is not counted as having bought
    empty = Snapshot(stock_left=0, users={})
    await gate.load(ITEM, empty, ttl_ms=TTL_MS, mode=Load.TIGHTEN, release=(7, 1))
    assert await gate.stock_left(ITEM) == 0
    assert await _take(gate, 7) == GateAnswer.SOLD_OUT
    # refused for a reason of its own (say its limit, which the database knew): the unit is
    # the database's to sell again, and the shopper keeps the count the database has
    await gate.load(ITEM, Snapshot(stock_left=1, users={}), ttl_ms=TTL_MS, mode=Load.OVERWRITE)
    assert await _take(gate, 8) == GateAnswer.TAKEN
    truth = Snapshot(stock_left=1, users={8: 1})
    await gate.load(ITEM, truth, ttl_ms=TTL_MS, mode=Load.TIGHTEN, release=(8, 1))
    assert await gate.stock_left(ITEM) == 1
    assert await _take(gate, 8) == GateAnswer.LIMIT_REACHED
    assert await _take(gate, 9) == GateAnswer.TAKEN


async def test_a_cold_gate_takes_the_databases_numbers_in_every_mode(gate: Gate) -> None:
    for mode in Load:
        await gate.forget(ITEM)
        assert await gate.load(ITEM, Snapshot(stock_left=3, users={5: 1}), ttl_ms=TTL_MS, mode=mode)
        assert await gate.stock_left(ITEM) == 3
        assert await _take(gate, 5) == GateAnswer.LIMIT_REACHED
    warm = Snapshot(stock_left=9, users={})
    assert not await gate.load(ITEM, warm, ttl_ms=TTL_MS, mode=Load.IF_COLD)
    assert await gate.stock_left(ITEM) == 3


async def test_a_first_serve_keeps_a_gate_overwritten_after_the_process_started(
    context: AppContext,
) -> None:
    if context.redis is None:
        pytest.skip("needs Redis (the in-process gate has no siblings)")
    gate = RedisGate(context.redis, prefix="test:gate-loads:")
    await gate.forget(ITEM)
    started = await gate.now_ms()
    await gate.load(ITEM, Snapshot(stock_left=5, users={}), ttl_ms=TTL_MS, mode=Load.OVERWRITE)
    assert await _take(gate, 1) == GateAnswer.TAKEN  # a sibling's order in flight
    stale = Snapshot(stock_left=5, users={})
    assert not await gate.load(ITEM, stale, ttl_ms=TTL_MS, mode=Load.UNLESS_SINCE, since_ms=started)
    assert await gate.stock_left(ITEM) == 4
    # a process that started after the last overwrite (its predecessor may have crashed
    # with units taken) overwrites
    later = await gate.now_ms() + 1
    assert await gate.load(ITEM, stale, ttl_ms=TTL_MS, mode=Load.UNLESS_SINCE, since_ms=later)
    assert await gate.stock_left(ITEM) == 5
    # tightening is no overwrite: it does not count as one for a later first serve
    assert await gate.load(ITEM, stale, ttl_ms=TTL_MS, mode=Load.TIGHTEN)
    after_tightening = await gate.now_ms() + 1
    assert await gate.load(
        ITEM, stale, ttl_ms=TTL_MS, mode=Load.UNLESS_SINCE, since_ms=after_tightening
    )
    users_ttl = await context.redis.pttl(gate.keys(ITEM)[1])
    assert users_ttl == -2 or 0 < users_ttl <= TTL_MS  # never a hash that outlives the sale
    await gate.forget(ITEM)


async def test_a_refusal_in_a_crowd_does_not_hand_out_units_in_flight_again(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    item_id = await _running_item(client, context, flash_stock=3)
    headers, address_id = await buyer(client, context, "crowd-first")
    assert (await grab(client, headers, item_id, address_id)).status_code == 201
    gate = runtime.runtime(context).gate
    # a stale overwrite (what a sibling's first serve once did): the gate no longer knows
    # the first buyer; then two orders get past it and are still in flight
    stale = Snapshot(stock_left=3, users={})
    await gate.load(item_id, stale, ttl_ms=TTL_MS, mode=Load.OVERWRITE)
    assert await gate.stock_left(item_id) == 3
    flash_rule = await flash.rule_of(context, item_id)
    for in_flight in (900, 901):
        taken = await gate.take(flash_rule, user_id=in_flight, quantity=1, now_ms=START_MS + 1)
        assert taken == GateAnswer.TAKEN
    again = await grab(client, headers, item_id, address_id)
    assert again.json()["error"] == "flash_limit_reached"
    # the database has 2 unsold (it cannot see the 2 in flight); an overwrite would have
    # opened both again, the tightened gate holds what it had plus the refused unit
    assert await gate.stock_left(item_id) == 1


async def test_a_process_serving_an_item_first_keeps_what_a_sibling_started(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    if context.redis is None:
        pytest.skip("needs Redis (siblings share the gate there)")
    item_id = await _running_item(client, context, flash_stock=3)
    state = runtime.reset(context)
    await runtime.note_start(context)
    assert state.started_ms is not None
    # a sibling started the sale: it loaded the gate, and one of its orders is in flight
    await state.gate.load(
        item_id, Snapshot(stock_left=3, users={}), ttl_ms=TTL_MS, mode=Load.OVERWRITE
    )
    rule = await flash.rule_of(context, item_id)
    assert await state.gate.take(rule, user_id=900, quantity=1, now_ms=START_MS + 1) == (
        GateAnswer.TAKEN
    )
    headers, address_id = await buyer(client, context, "first-serve")
    assert (await grab(client, headers, item_id, address_id)).status_code == 201
    assert await state.gate.stock_left(item_id) == 1  # an overwrite would say 2


async def test_a_crowd_meeting_an_expired_rule_reads_it_once(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id = await _running_item(client, context, flash_stock=3)
    state = runtime.reset(context)
    reads = 0
    load = flash._load_rule

    async def counted(context: AppContext, item_id: int) -> Rule:
        nonlocal reads
        reads += 1
        return await load(context, item_id)

    monkeypatch.setattr(flash, "_load_rule", counted)
    rules = await asyncio.gather(*(flash.rule_of(context, item_id) for _ in range(50)))
    assert reads == 1
    assert {rule.item_id for rule in rules} == {item_id}
    assert not state.loading
    state.forget([item_id])  # as an edit does: the next one reads again
    await flash.rule_of(context, item_id)
    assert reads == 2
    missing = await asyncio.gather(
        *(flash.rule_of(context, 999_999) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(one, FlashItemNotFound) for one in missing)
    assert reads == 3
