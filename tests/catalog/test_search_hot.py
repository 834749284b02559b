from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import wipe
from xiaodian.catalog import hot
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import SearchCount


@pytest.fixture(autouse=True)
async def _no_searches_from_earlier_tests(client: httpx.AsyncClient, context: AppContext) -> None:
    # Searches earlier tests made may still wait in this process's tally.
    await hot.flush(context)
    await wipe(context)


async def _search(client: httpx.AsyncClient, keyword: str, times: int = 1) -> None:
    for _ in range(times):
        assert (await client.get("/api/v1/goods", params={"q": keyword})).status_code == 200


async def _hot(client: httpx.AsyncClient) -> list[str]:
    answer = await client.get("/api/v1/search/hot")
    assert answer.status_code == 200
    keywords: list[str] = answer.json()["keywords"]
    return keywords


async def test_most_searched_keywords_come_first_counted_casefolded(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await _search(client, "苹果", 3)
    await _search(client, " Kiwi ", 1)
    await _search(client, "kiwi", 1)
    await _search(client, "橙子", 1)
    assert (await _hot(client))[:3] == ["苹果", "kiwi", "橙子"]


async def test_later_pages_and_suggestions_are_not_counted_as_searches(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await _search(client, "橙子", 1)
    for _ in range(3):
        await client.get("/api/v1/goods", params={"q": "苹果", "page": 2})
        await client.get("/api/v1/search/suggestions", params={"q": "苹果"})
    assert await _hot(client) == ["橙子"]


async def test_best_sellers_fill_the_list_while_searches_are_few(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await factories.make_goods(context, title="阳光玫瑰 葡萄 2斤", sales=90)
    await factories.make_goods(context, title="赣南脐橙", sales=50)
    await factories.make_goods(context, title="下架的", sales=999, on_shelf=False)
    await _search(client, "赣南脐橙", 2)
    assert await _hot(client) == ["赣南脐橙", "阳光玫瑰"]


async def test_searches_older_than_a_week_no_longer_count(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await _search(client, "粽子", 5)
    assert await _hot(client) == ["粽子"]
    clock.advance(timedelta(days=hot.HOT_DAYS))
    context.near_cache.clear()
    await _search(client, "月饼", 1)
    assert await _hot(client) == ["月饼"]


async def test_hot_keywords_are_kept_in_the_near_cache_until_it_forgets_them(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await _search(client, "苹果", 1)
    assert await _hot(client) == ["苹果"]
    await _search(client, "橙子", 2)
    assert await _hot(client) == ["苹果"]
    context.near_cache.clear()
    assert await _hot(client) == ["橙子", "苹果"]


async def test_a_busy_process_writes_its_tally_without_anyone_asking_for_hot_words(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await _search(client, "苹果", 2)
    clock.advance(hot.FLUSH_AFTER)
    await _search(client, "苹果", 1)
    async with context.db.transaction(write=False) as session:
        counted = await session.scalar(select(func.sum(SearchCount.searches)))
    assert counted == 3


async def test_suggestions_are_matching_titles_best_sellers_first(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await factories.make_goods(context, title="青苹果", sales=1)
    await factories.make_goods(context, title="红富士苹果", sales=9)
    await factories.make_goods(context, title="橙子", sales=50)
    answer = await client.get("/api/v1/search/suggestions", params={"q": "苹果"})
    assert answer.json() == {"keywords": ["红富士苹果", "青苹果"]}


async def test_an_empty_or_overlong_suggestion_keyword_is_refused_with_a_code(
    client: httpx.AsyncClient,
) -> None:
    for q in ("", "苹" * 21):
        answer = await client.get("/api/v1/search/suggestions", params={"q": q})
        assert answer.status_code == 422
        assert answer.json()["error"]
