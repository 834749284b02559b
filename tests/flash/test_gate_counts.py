"""The flash order route's rate limits are counted by the gate itself, in its one step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests import factories
from tests.flash.helpers import buyer, flash_session, gate_rule, grab
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.errors import RateLimited
from xiaodian.core.ratelimit import Rate
from xiaodian.flash import runtime
from xiaodian.flash import service as flash
from xiaodian.flash.gate import Count, MemoryGate, Rule

START = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)


def _rule(item_id: int = 1, *, ended: bool = False) -> Rule:
    return gate_rule(item_id, starts_at_ms=int(START.timestamp() * 1000), ended=ended)


async def _item(client: httpx.AsyncClient, context: AppContext) -> int:
    clock.freeze(START - timedelta(minutes=10))
    goods = await factories.make_goods(context, stock=20, prices=[2990])
    admin = await factories.merchant(client, context)
    created = await flash_session(client, admin, sku_id=goods["sku_ids"][0], starts_at=START)
    clock.freeze(START)
    return int(created["item_ids"][0])


def test_counts_follow_the_settings_windows(
    context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = context.settings
    monkeypatch.setattr(settings, "flash_rate_per_ip", Rate(limit=600, per_seconds=10))
    monkeypatch.setattr(settings, "flash_rate_per_shopper", Rate(limit=5, per_seconds=10))
    moment = START + timedelta(seconds=3)
    counts = flash.rate_counts(settings, user_id=7, address="10.0.0.1", now=moment)
    window = int(moment.timestamp() // 10)
    assert counts == [
        Count(name=f"ip:10.0.0.1:{window}", limit=600, ttl_ms=11_000, retry_after_seconds=7),
        Count(name=f"user:7:{window}", limit=5, ttl_ms=11_000, retry_after_seconds=7),
    ]
    monkeypatch.setattr(settings, "flash_rate_per_ip", Rate.parse("off"))
    names = [c.name for c in flash.rate_counts(settings, user_id=7, address="x", now=moment)]
    assert names == [f"user:7:{window}"]
    assert flash.rate_counts(settings, user_id=None, address=None, now=moment) == []


async def test_the_gate_counts_before_it_looks_at_the_window_or_the_stock(
    context: AppContext,
) -> None:
    """Every request counts, even one for an ended item or before the start; the first
    counter over its limit is the one that answers."""
    gate = runtime.runtime(context).gate
    counts = [
        Count(name="ip:a:1", limit=3, ttl_ms=60_000, retry_after_seconds=9),
        Count(name="user:1:1", limit=2, ttl_ms=60_000, retry_after_seconds=4),
    ]
    too_early = int(START.timestamp() * 1000) - 1
    for gate_under_test in (gate, MemoryGate()):
        await gate_under_test.forget(41)
        await gate_under_test.take(
            _rule(41), user_id=1, quantity=1, now_ms=too_early, counts=counts
        )
        await gate_under_test.take(
            _rule(41, ended=True), user_id=1, quantity=1, now_ms=too_early, counts=counts
        )
        with pytest.raises(RateLimited) as refused:
            await gate_under_test.take(
                _rule(41), user_id=1, quantity=1, now_ms=too_early, counts=counts
            )
        assert refused.value.retry_after_seconds == 4  # the shopper's counter (limit 2)
        # count() alone counts the same counters: the address is now at 4 > 3
        with pytest.raises(RateLimited) as by_address:
            await gate_under_test.count(41, counts[:1])
        assert by_address.value.retry_after_seconds == 9
        # another item has counters of its own
        await gate_under_test.count(42, counts)


async def test_a_crowd_behind_one_address_is_held_to_the_address_limit(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per address: new tokens are counted before the database is asked who they are, known
    tokens in the gate's step; both in one counter."""
    item_id = await _item(client, context)
    monkeypatch.setattr(context.settings, "flash_rate_per_ip", Rate(limit=4, per_seconds=60))
    shoppers = [await buyer(client, context, f"crowd-{n}") for n in range(3)]
    answers = []
    for headers, address_id in shoppers + shoppers:
        answers.append(await grab(client, headers, item_id, address_id))
    codes = [a.status_code for a in answers]
    assert codes[:4] == [201, 201, 201, 409]  # the fourth is a known shopper's second try
    assert codes[4:] == [429, 429]
    assert answers[4].json()["error"] == "rate_limited"
    assert 1 <= int(answers[4].headers["Retry-After"]) <= 60


async def test_a_bad_token_is_counted_per_address_and_never_reaches_the_gate_twice(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id = await _item(client, context)
    monkeypatch.setattr(context.settings, "flash_rate_per_ip", Rate(limit=2, per_seconds=60))
    bad = {"Authorization": "Bearer not-a-token"}
    codes = []
    for _ in range(3):
        answer = await client.post(
            f"/api/v1/flash-sales/items/{item_id}/orders",
            headers=bad,
            json={"quantity": 1, "address_id": 1},
        )
        codes.append(answer.status_code)
    assert codes == [401, 401, 429]
