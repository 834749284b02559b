"""置顶热搜词: the merchant pins hot keywords; `GET /search/hot` lists them first, in the
merchant's order, then the most searched ones (a pinned word is not listed twice)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from tests import factories
from tests.catalog.test_search_hot import _hot, _search
from tests.conftest import wipe
from tests.console.helpers import signed_in
from xiaodian.catalog import hot
from xiaodian.context import AppContext
from xiaodian.models import OperationLog

URL = "/api/admin/v1/search/pinned"


@pytest.fixture(autouse=True)
async def _no_searches_from_earlier_tests(client: httpx.AsyncClient, context: AppContext) -> None:
    await hot.flush(context)
    await wipe(context)


async def test_pinned_words_come_first_in_the_merchants_order_then_the_searched_ones(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    await _search(client, "苹果", 3)
    await _search(client, "橙子", 2)
    assert (await _hot(client))[:2] == ["苹果", "橙子"]

    pinned = await client.put(
        URL, json={"words": [" 车厘子 ", "橙子", "车厘子", ""]}, headers=owner
    )
    assert pinned.status_code == 200, pinned.text
    assert pinned.json() == {"words": ["车厘子", "橙子"]}  # trimmed, duplicates and blanks dropped
    assert (await _hot(client))[:3] == ["车厘子", "橙子", "苹果"]  # the cache was forgotten
    assert (await client.get(URL, headers=owner)).json() == {"words": ["车厘子", "橙子"]}

    await client.put(URL, json={"words": []}, headers=owner)
    assert (await _hot(client))[:2] == ["苹果", "橙子"]
    async with context.db.transaction(write=False) as session:
        entries = list(
            await session.scalars(
                select(OperationLog)
                .where(OperationLog.action == "search.pinned")
                .order_by(OperationLog.id)
            )
        )
    assert [entry.changes for entry in entries] == [
        [{"field": "pinned", "old": [], "new": ["车厘子", "橙子"]}],
        [{"field": "pinned", "old": ["车厘子", "橙子"], "new": []}],
    ]


async def test_pinning_needs_marketing_and_at_most_ten_short_words(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    service = await factories.merchant(client, context, username="kefu", role="service")
    refused = await client.put(URL, json={"words": ["西瓜"]}, headers=service)
    assert refused.status_code == 403
    too_many = await client.put(URL, json={"words": [f"词{i}" for i in range(11)]}, headers=owner)
    too_long = await client.put(URL, json={"words": ["长" * 21]}, headers=owner)
    assert (too_many.status_code, too_long.status_code) == (422, 422)
    assert (await client.get(URL, headers=owner)).json() == {"words": []}


async def test_the_banners_page_pins_words_typed_on_one_line(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    saved = await console.post("/search-words", [("pinned_words", "车厘子， 鲜牛奶 草莓")])
    assert saved.status_code == 303, saved.text
    assert (await _hot(client))[:3] == ["车厘子", "鲜牛奶", "草莓"]
    page = (await console.get("/banners")).text
    assert 'value="车厘子 鲜牛奶 草莓"' in page
    refused = await console.post(
        "/search-words", [("pinned_words", " ".join(f"词{i}" for i in range(11)))]
    )
    assert refused.status_code == 422
    assert "最多 10 个热搜词，每个不超过 20 个字" in refused.text
    assert (await _hot(client))[:3] == ["车厘子", "鲜牛奶", "草莓"]
