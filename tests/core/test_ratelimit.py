from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as redis_asyncio

from tests.conftest import redis_url
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.cache import RedisCache
from xiaodian.core.errors import RateLimited
from xiaodian.core.ratelimit import Rate, RateLimiter

# 15 s into a minute, so a one-minute window has 45 s left.
WINDOW_START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


async def test_a_limiter_allows_the_limit_then_answers_the_seconds_left_in_the_window(
    context: AppContext,
) -> None:
    await context.cache.clear()
    clock.freeze(WINDOW_START + timedelta(seconds=15))
    limiter = RateLimiter(context.cache, name="test", rate=Rate(limit=3, per_seconds=60))
    assert [await limiter.hit("ip:1.2.3.4") for _ in range(3)] == [0, 0, 0]
    assert await limiter.hit("ip:1.2.3.4") == 45
    clock.advance(timedelta(seconds=44.5))
    assert await limiter.hit("ip:1.2.3.4") == 1  # never "0 seconds" while still refused
    clock.advance(timedelta(seconds=0.5))
    assert await limiter.hit("ip:1.2.3.4") == 0  # a new window


async def test_check_raises_rate_limited_with_the_seconds_to_wait(context: AppContext) -> None:
    await context.cache.clear()
    clock.freeze(WINDOW_START + timedelta(seconds=50))
    limiter = RateLimiter(context.cache, name="test", rate=Rate(limit=1, per_seconds=60))
    await limiter.check("k")
    with pytest.raises(RateLimited) as refused:
        await limiter.check("k", message="太快了")
    assert (refused.value.retry_after_seconds, refused.value.message) == (10, "太快了")
    assert refused.value.to_dict()["error"] == "rate_limited"


async def test_keys_and_limit_names_are_counted_apart(context: AppContext) -> None:
    await context.cache.clear()
    clock.freeze(WINDOW_START)
    rate = Rate(limit=1, per_seconds=60)
    orders = RateLimiter(context.cache, name="orders", rate=rate)
    logins = RateLimiter(context.cache, name="logins", rate=rate)
    assert [await orders.hit("a"), await orders.hit("b"), await logins.hit("a")] == [0, 0, 0]
    assert [await orders.hit("a"), await orders.hit("b"), await logins.hit("a")] == [60, 60, 60]


async def test_a_rate_that_is_off_never_limits(context: AppContext) -> None:
    limiter = RateLimiter(context.cache, name="test", rate=Rate.parse("off"))
    assert {await limiter.hit("k") for _ in range(50)} == {0}


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/minute", Rate(10, 60)),
        ("5/10s", Rate(5, 10)),
        ("100 / hour", Rate(100, 3600)),
        ("3/2d", Rate(3, 2 * 86400)),
        ("off", Rate(0, 1)),
    ],
)
def test_rates_are_written_as_hits_per_window(text: str, rate: Rate) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["10", "ten/minute", "5/fortnight", "5/0s", "-1/minute"])
def test_a_malformed_rate_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="rate"):
        Rate.parse(text)


def test_rates_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XIAODIAN_ORDER_RATE_PER_IP", "30/minute")
    monkeypatch.setenv("XIAODIAN_LOGIN_RATE_PER_IP", "off")
    settings = Settings()
    assert (settings.order_rate_per_ip, settings.login_rate_per_ip.is_off) == (Rate(30, 60), True)
    assert settings.order_rate_per_shopper == Rate(10, 60)  # the default


@pytest.mark.skipif(redis_url() is None, reason="needs XIAODIAN_TEST_REDIS_URL")
async def test_processes_sharing_one_redis_share_one_allowance(context: AppContext) -> None:
    """Two clients with their own connections (as two server processes have) count together."""
    await context.cache.clear()
    clock.freeze(WINDOW_START)
    first = RedisCache(redis_asyncio.Redis.from_url(redis_url() or ""))
    second = RedisCache(redis_asyncio.Redis.from_url(redis_url() or ""))
    rate = Rate(limit=4, per_seconds=60)
    try:
        one = RateLimiter(first, name="shared", rate=rate)
        other = RateLimiter(second, name="shared", rate=rate)
        answers = [await (one if n % 2 else other).hit("user:7") for n in range(5)]
    finally:
        await first.close()
        await second.close()
    assert answers == [0, 0, 0, 0, 60]
