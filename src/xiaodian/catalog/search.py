"""The goods search index (`goods_search_terms`): one- and two-character pieces of the title,
subtitle and SKU codes, casefolded.

A keyword of one character is looked up as itself; a longer one by its two-character pieces:
the goods holding every piece are the candidates (index seeks, no scan of the goods), and
LIKE on just those decides (the pieces may sit apart). The same tables and statements on
SQLite and MariaDB (MariaDB's FULLTEXT has no ngram parser; MySQL's is not portable).

The index follows every ORM write: an `after_flush` listener (installed by
`xiaodian.receivers.install`) re-indexes the goods whose title or subtitle, or whose SKUs'
codes, the flush changed. Bulk writes that bypass the ORM call `reindex` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, delete, event, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from xiaodian.models import Goods, GoodsSearchTerm, Sku

_terms = cast(Table, GoodsSearchTerm.__table__)
_goods = cast(Table, Goods.__table__)
_skus = cast(Table, Sku.__table__)


def pieces(text: str) -> set[str]:
    """The index's pieces of one field: every character and every pair of neighbours
    (casefolded; whitespace is no piece and pairs do not span it)."""
    found: set[str] = set()
    for word in text.casefold().split():
        found.update(word)
        found.update(word[i : i + 2] for i in range(len(word) - 1))
    return found


def keyword_pieces(keyword: str) -> set[str]:
    """What a keyword is looked up by: itself if one character, else its pairs."""
    found: set[str] = set()
    for word in keyword.casefold().split():
        if len(word) == 1:
            found.add(word)
        else:
            found.update(word[i : i + 2] for i in range(len(word) - 1))
    return found


def terms_of(title: str, subtitle: str, codes: Iterable[str]) -> set[str]:
    found = pieces(title) | pieces(subtitle)
    for code in codes:
        found |= pieces(code)
    return found


def reindex_on(connection: Connection, goods_ids: Iterable[int]) -> None:
    """Rebuild these goods items' pieces (on a sync connection, inside its transaction)."""
    wanted = sorted(set(goods_ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        connection.execute(delete(_terms).where(_terms.c.goods_id.in_(chunk)))
        codes: dict[int, list[str]] = {}
        for goods_id, code in connection.execute(
            select(_skus.c.goods_id, _skus.c.code).where(
                _skus.c.goods_id.in_(chunk), _skus.c.code != ""
            )
        ):
            codes.setdefault(goods_id, []).append(code)
        rows: list[dict[str, Any]] = []
        for goods_id, title, subtitle in connection.execute(
            select(_goods.c.id, _goods.c.title, _goods.c.subtitle).where(_goods.c.id.in_(chunk))
        ):
            rows += [
                {"goods_id": goods_id, "term": term}
                for term in sorted(terms_of(title, subtitle, codes.get(goods_id, [])))
            ]
        if rows:
            connection.execute(insert(_terms), rows)


async def reindex(session: AsyncSession, goods_ids: Iterable[int]) -> None:
    wanted = list(goods_ids)
    connection = await session.connection()
    await connection.run_sync(lambda sync: reindex_on(sync, wanted))


async def reindex_all(session: AsyncSession) -> None:
    ids = list((await session.execute(select(_goods.c.id))).scalars())
    await reindex(session, ids)


_PENDING = "search_reindex"


def _collect(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Before a flush: which goods will need new pieces (ids of new goods are not known yet,
    so the objects themselves are kept)."""
    pending: list[Any] = session.info.setdefault(_PENDING, [])
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, Goods):
            if obj in session.new or _changed(obj, "title", "subtitle"):
                pending.append(obj)
        elif isinstance(obj, Sku) and (obj in session.new or _changed(obj, "code")):
            pending.append(obj)


def _changed(obj: object, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _apply(session: Session, _flush: UOWTransaction) -> None:
    pending: list[Any] = session.info.pop(_PENDING, [])
    goods_ids = {obj.id if isinstance(obj, Goods) else obj.goods_id for obj in pending}
    goods_ids.discard(None)
    if goods_ids:
        reindex_on(session.connection(), goods_ids)


def install() -> None:
    """Keep the index in step with every ORM flush (idempotent)."""
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_flush_postexec", _apply)
