"""The search page's hot keywords (`GET /api/v1/search/hot`) and suggestions while typing.

Searches are counted per keyword and shop-local day in `search_counts`. Counting must not
slow the goods list (the busiest read): each process adds a search to an in-memory tally after
the answer has been sent, and writes the tally in one short transaction at most every
`FLUSH_AFTER` (or before it answers the hot keywords). A crash loses at most that much of a
tally, which a popularity list can afford. The hot list is the most searched keywords of the
last `HOT_DAYS` days, topped up with the best sellers' names while searches are few, kept in
the catalog's near cache (a minute at most, forgotten with the catalog).
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from xiaodian.catalog import service
from xiaodian.catalog.cache import NAMESPACE, invalidate_after_commit
from xiaodian.catalog.queries import on_sale
from xiaodian.catalog.schemas import GoodsQuery
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import upsert
from xiaodian.core.nearcache import NearCache
from xiaodian.models import Goods, PinnedSearchWord, SearchCount

HOT_DAYS = 7
HOT_SIZE = 10
FLUSH_AFTER = timedelta(seconds=10)
FLUSH_TERMS = 500
KEEP_DAYS = 30
TERM_LENGTH = 20
SUGGESTIONS = 8


@dataclass
class _Tally:
    counts: Counter[tuple[str, date]] = field(default_factory=Counter)
    since: datetime | None = None


_tallies: dict[int, _Tally] = {}


def _tally(context: AppContext) -> _Tally:
    key = id(context)
    tally = _tallies.get(key)
    if tally is None:
        tally = _tallies[key] = _Tally()
        weakref.finalize(context, _tallies.pop, key, None)
    return tally


def normalize(keyword: str | None) -> str | None:
    """The form a search is counted under: trimmed, inner spaces collapsed, casefolded."""
    if keyword is None:
        return None
    term = " ".join(keyword.split()).casefold()
    if not term or len(term) > TERM_LENGTH:
        return None
    return term


def _shop_day(moment: datetime) -> date:
    return clock.to_shop_time(moment).date()


async def note_search(context: AppContext, keyword: str | None) -> None:
    """Count one search of `keyword` (ignored when empty or longer than 20 characters)."""
    term = normalize(keyword)
    if term is None:
        return
    now = clock.now()
    tally = _tally(context)
    tally.counts[(term, _shop_day(now))] += 1
    if tally.since is None:
        tally.since = now
    if now - tally.since >= FLUSH_AFTER or len(tally.counts) >= FLUSH_TERMS:
        await flush(context)


def _add_searches(dialect: str, *, term: str, day: date, searches: int) -> Any:
    """One upsert, so processes flushing the same keyword at once never take gap locks on a
    missing row (the way subscribe grants are counted)."""
    values = {"term": term, "day": day, "searches": searches}
    more = {"searches": SearchCount.searches + searches}
    return upsert(dialect, SearchCount, values, key=["term", "day"], update=more)


async def flush(context: AppContext) -> None:
    """Write this process's tally (rows in key order) and drop days past `KEEP_DAYS`."""
    tally = _tally(context)
    counts, tally.counts, tally.since = tally.counts, Counter(), None
    if not counts:
        return
    async with context.db.transaction() as session:
        dialect = session.get_bind().dialect.name
        for (term, day), searches in sorted(counts.items()):
            await session.execute(_add_searches(dialect, term=term, day=day, searches=searches))
        oldest = _shop_day(clock.now()) - timedelta(days=KEEP_DAYS)
        await session.execute(delete(SearchCount).where(SearchCount.day < oldest))


def _best_seller_name(title: str) -> str:
    # A title's first word is what a shopper would type ("阳光玫瑰 葡萄 2斤装" → "阳光玫瑰").
    return title.split()[0][:TERM_LENGTH] if title.split() else ""


async def pinned_words(session: AsyncSession) -> list[str]:
    """The merchant's pinned hot keywords, in their order."""
    rows = await session.scalars(
        select(PinnedSearchWord.word).order_by(PinnedSearchWord.sort_order, PinnedSearchWord.id)
    )
    return list(rows)


async def set_pinned_words(
    session: AsyncSession, *, words: Sequence[str], near_cache: NearCache
) -> list[str]:
    """Replace the pinned keywords with `words` (trimmed, the first of duplicates kept)."""
    kept: list[str] = []
    for word in words:
        if word.strip() and word.strip().casefold() not in {k.casefold() for k in kept}:
            kept.append(word.strip())
    await session.execute(delete(PinnedSearchWord))
    session.add_all(PinnedSearchWord(word=word, sort_order=i) for i, word in enumerate(kept))
    await session.flush()
    invalidate_after_commit(session, near_cache, goods_ids=())  # lists and hot words only
    return kept


async def _hot_terms(connection: AsyncConnection) -> list[str]:
    pinned = await connection.execute(
        select(PinnedSearchWord.word).order_by(PinnedSearchWord.sort_order, PinnedSearchWord.id)
    )
    terms = list(pinned.scalars())[:HOT_SIZE]
    since = _shop_day(clock.now()) - timedelta(days=HOT_DAYS - 1)
    total = func.sum(SearchCount.searches)
    searched = await connection.execute(
        select(SearchCount.term)
        .where(SearchCount.day >= since)
        .group_by(SearchCount.term)
        .order_by(total.desc(), SearchCount.term)
        .limit(HOT_SIZE * 2)
    )
    for term in searched.scalars():
        if len(terms) == HOT_SIZE:
            break
        if term.casefold() not in {known.casefold() for known in terms}:
            terms.append(term)
    if len(terms) < HOT_SIZE:
        sellers = await connection.execute(
            select(Goods.title)
            .where(on_sale())
            .order_by(Goods.sales.desc(), Goods.id)
            .limit(HOT_SIZE * 2)
        )
        for title in sellers.scalars():
            name = _best_seller_name(title)
            if name and name.casefold() not in {term.casefold() for term in terms}:
                terms.append(name)
            if len(terms) == HOT_SIZE:
                break
    return terms


async def hot_json(context: AppContext) -> bytes:
    """`{"keywords": [...]}`: at most 10, most searched first, then best sellers."""

    async def load() -> bytes:
        await flush(context)
        return orjson.dumps({"keywords": await context.db.read(_hot_terms)})

    return await context.near_cache.get_or_load(NAMESPACE, "search:hot", load)


async def suggestions_json(context: AppContext, keyword: str) -> bytes:
    """`{"keywords": [...]}`: titles of the best-selling goods matching what is typed so far
    (served from the goods list's cache; not counted as a search)."""
    query = GoodsQuery(q=keyword, sort="sales", page_size=SUGGESTIONS)
    page = orjson.loads(await service.goods_page_json(context, query))
    return orjson.dumps({"keywords": [card["title"] for card in page["items"]]})
