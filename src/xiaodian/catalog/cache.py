"""The catalog's near-cache namespaces and what invalidates them.

- `catalog`: home, the category tree and list pages (which goods, in which order, how many).
- `goods`: each goods item's card (`card:{id}`, what lists show of it) and detail
  (`detail:{id}`), invalidated one goods item at a time.

A list page stores only its goods ids and total; its cards come from `goods`. So a stock
change or a sale (the busiest writes) forgets just that goods item's card and detail, and the
lists stay cached; what they show of it is fresh at once. The order of a list sorted by sales
may lag by up to the cache TTL; merchant edits that change what lists contain or how they sort
(titles, prices, shelf, categories, banners, settings) forget the `catalog` namespace too.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core.db import after_commit
from xiaodian.core.nearcache import NearCache

NAMESPACE = "catalog"
GOODS = "goods"
_QUEUED = "catalog_invalidation"


def goods_keys(goods_ids: Iterable[int]) -> list[str]:
    keys: list[str] = []
    for goods_id in sorted(set(goods_ids)):
        keys += [f"card:{goods_id}", f"detail:{goods_id}"]
    return keys


def invalidate_after_commit(
    session: AsyncSession, near_cache: NearCache, *, goods_ids: Iterable[int] | None = None
) -> None:
    """Once this commits, forget lists, home and categories in every process, and the named
    goods items' cards and details (all of them when `goods_ids` is None)."""
    pending: dict[str, set[int] | None] | None = session.info.get(_QUEUED)
    if pending is None:
        pending = session.info[_QUEUED] = {"goods": set()}

        async def forget() -> None:
            which = pending["goods"]
            await near_cache.invalidate(NAMESPACE)
            if which is None:
                await near_cache.invalidate(GOODS)
            elif which:
                await near_cache.invalidate_keys(GOODS, goods_keys(which))

        after_commit(session, forget)
    if goods_ids is None:
        pending["goods"] = None
    elif pending["goods"] is not None:
        pending["goods"].update(goods_ids)


def forget_goods_after_commit(session: AsyncSession, goods_ids: Iterable[int]) -> None:
    """Only these goods items' cards and details (a review, a reply): lists stay."""
    wanted = set(goods_ids)
    near_cache = AppContext.of(session).near_cache

    async def forget() -> None:
        await near_cache.invalidate_keys(GOODS, goods_keys(wanted))

    after_commit(session, forget)


async def forget_everything(context: AppContext) -> None:
    """Forget lists, home, categories and every goods item's card and detail, in every
    process (what the shop's settings change shows everywhere)."""
    await context.near_cache.invalidate(NAMESPACE)
    await context.near_cache.invalidate(GOODS)


async def forget_goods(context: AppContext, goods_ids: Iterable[int]) -> None:
    """Forget these goods items' cards and details now, in every process."""
    await context.near_cache.invalidate_keys(GOODS, goods_keys(goods_ids))
