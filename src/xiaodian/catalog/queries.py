"""Catalog query pieces shared by the shopper and merchant sides.

The shopper's hot reads (`goods_page`, `card_rows`) are Core statements built once per shape
with bound parameters and run on a plain connection (`Database.read`): no ORM objects, one
round trip, and SQLAlchemy's compiled-statement cache is hit without rebuilding the clauses.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any, Literal, NamedTuple, cast

from sqlalchemy import Integer, Select, String, Table, bindparam, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from xiaodian.catalog.hints import stock_hint
from xiaodian.catalog.schemas import GoodsCard, GoodsQuery
from xiaodian.catalog.search import keyword_pieces
from xiaodian.core import urls
from xiaodian.core.pagination import offset_of
from xiaodian.models import Category, Goods, GoodsImage, GoodsSearchTerm, Sku

CARD_IMAGE_WIDTH = 480
_goods = cast(Table, Goods.__table__)
_skus = cast(Table, Sku.__table__)
_images = cast(Table, GoodsImage.__table__)
_categories = cast(Table, Category.__table__)
_terms = cast(Table, GoodsSearchTerm.__table__)


def stock_left_subquery() -> Any:
    return (
        select(Sku.goods_id, func.sum(Sku.stock).label("stock_left"))
        .where(Sku.is_active.is_(True))
        .group_by(Sku.goods_id)
        .subquery()
    )


def cover_subquery() -> Any:
    return (
        select(GoodsImage.url)
        .where(GoodsImage.goods_id == Goods.id)
        .order_by(GoodsImage.sort_order, GoodsImage.id)
        .limit(1)
        .correlate(Goods)
        .scalar_subquery()
    )


def card_select() -> tuple[Select[Any], Any]:
    """SELECT goods + stock_left + cover for building cards; returns (statement, stock column)."""
    stock = stock_left_subquery()
    stock_left = func.coalesce(stock.c.stock_left, 0).label("stock_left")
    statement = select(Goods, stock_left, cover_subquery().label("cover")).outerjoin(
        stock, stock.c.goods_id == Goods.id
    )
    return statement, stock_left


def card_from_row(goods: Goods, stock_left: int | None, cover: str | None) -> GoodsCard:
    return GoodsCard(
        id=goods.id,
        title=goods.title,
        subtitle=goods.subtitle,
        cover_url=urls.sized(cover, CARD_IMAGE_WIDTH) if cover else "",
        price_fen=goods.price_fen,
        market_price_fen=goods.market_price_fen,
        sales=goods.sales,
        stock_left=int(stock_left or 0),
        stock_hint=stock_hint(int(stock_left or 0)),
        unit=goods.unit,
        category_id=goods.category_id,
    )


def cards_from_rows(rows: Iterable[Any]) -> list[GoodsCard]:
    return [card_from_row(row[0], row[1], row[2]) for row in rows]


async def cards_by_id(session: AsyncSession, goods_ids: Sequence[int]) -> dict[int, GoodsCard]:
    """Cards for these goods (deleted ones included, so history still shows what it was)."""
    if not goods_ids:
        return {}
    statement, _ = card_select()
    rows = await session.execute(statement.where(Goods.id.in_(set(goods_ids))))
    return {card.id: card for card in cards_from_rows(rows)}


def on_sale() -> Any:
    """Goods a shopper may see in lists."""
    return (Goods.is_on_shelf.is_(True)) & (Goods.deleted_at.is_(None))


async def category_with_children(session: AsyncSession, category_id: int) -> list[int]:
    rows = await session.execute(select(Category.id).where(Category.parent_id == category_id))
    return [category_id, *rows.scalars()]


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def refresh_goods_price(session: AsyncSession, goods: Goods) -> None:
    """Keep `goods.price_fen` at the lowest active SKU price (what lists sort and filter on)."""
    lowest = await session.scalar(
        select(func.min(Sku.price_fen)).where(Sku.goods_id == goods.id, Sku.is_active.is_(True))
    )
    goods.price_fen = int(lowest or 0)


def spec_text(spec_values: Sequence[str]) -> str:
    """How a SKU's choice reads on carts and orders: "500g / 红色"."""
    return " / ".join(spec_values)


@functools.cache
def checkout_skus_statement() -> Select[Any]:
    """What checkout needs of the SKUs `:sku_ids` (expanding), their goods and the goods'
    covers, as Core rows (built once; no ORM objects)."""
    return (
        select(
            _skus.c.id,
            _skus.c.goods_id,
            _skus.c.spec_values,
            _skus.c.price_fen,
            _skus.c.stock,
            _skus.c.is_active,
            _skus.c.image_url,
            _goods.c.title,
            _goods.c.category_id,
            _goods.c.is_on_shelf,
            _goods.c.deleted_at,
            cover_subquery().label("cover"),
        )
        .select_from(_skus.join(_goods, _goods.c.id == _skus.c.goods_id))
        .where(_skus.c.id.in_(bindparam("sku_ids", expanding=True)))
    )


# ---- the shopper's goods list and search (Core, one statement) ----

_SORT_COLUMNS = {
    "sales": _goods.c.sales,
    "price": _goods.c.price_fen,
    "new": _goods.c.created_at,
    "default": _goods.c.sort_order,
}


def is_descending(query: GoodsQuery) -> bool:
    return (query.order or ("asc" if query.sort == "price" else "desc")) == "desc"


# How far past the page a list counts its matches. Counting every match of a broad filter
# over 20,000 goods cost MariaDB ~4 ms a request; nobody pages 500 goods deep, and the pager
# only needs to know there is more. Beyond this the total is a floor (`total_exact` false).
COUNT_AHEAD = 500
# A piece held by this many goods or more is "common": a page of its goods is found faster by
# walking the list's sort index and checking each goods item for the piece (a few dozen rows
# for a page) than by reading every holder and sorting them (2,400 for 果 at 20,000 goods).
# Below it, the holders are few and reading them wins. The crossover is near sqrt(20 x goods
# listed): ~630 at 20,000; the plan only changes speed, never the answer.
COMMON_PIECE = 1000


class GoodsPage(NamedTuple):
    total: int  # every match, or at least this many when not `exact`
    ids: list[int]
    exact: bool


# How a keyword is matched: by several pieces and then LIKE; by one piece, reading its holders
# (a semi-join); or by one common piece, checked goods by goods along the sort order.
KeywordPlan = Literal["pieces", "piece", "common piece"]


def one_piece(query: GoodsQuery) -> str | None:
    """The index piece that is the whole keyword (one word of one or two characters), if so:
    holding the piece is then holding the keyword in the title, subtitle or a SKU code, and
    no LIKE is needed."""
    word = query.q or ""
    found = keyword_pieces(word)
    if len(found) == 1 and len(word) <= 2 and word.split() == [word]:
        return next(iter(found))
    return None


@functools.cache
def _holders_statement() -> Select[Any]:
    held = (
        select(_terms.c.goods_id)
        .where(_terms.c.term == bindparam("term", type_=String))
        .limit(bindparam("common", type_=Integer))
    )
    return select(func.count()).select_from(held.subquery("holders"))


async def piece_is_common(
    connection: AsyncConnection, term: str, *, common: int | None = None
) -> bool:
    """Whether at least `common` (COMMON_PIECE) goods hold this piece: an index-only count
    that stops there."""
    enough = COMMON_PIECE if common is None else common
    held = await connection.scalar(_holders_statement(), {"term": term, "common": enough})
    return int(held or 0) >= enough


def _keyword_conditions(keyword: KeywordPlan) -> list[Any]:
    term: Any = bindparam("term", type_=String)
    if keyword == "piece":
        return [_goods.c.id.in_(select(_terms.c.goods_id).where(_terms.c.term == term))]
    if keyword == "common piece":
        # A correlated count, which no database turns into a semi-join: the goods are walked
        # in the sort index's order and each is looked up in the search index's primary key.
        holds = (
            select(func.count())
            .where(_terms.c.term == term, _terms.c.goods_id == _goods.c.id)
            .correlate(_goods)
            .scalar_subquery()
        )
        return [holds > 0]
    # Candidates from the search index (goods holding every piece of the keyword), then LIKE
    # on those alone: the exact substring, in the title, subtitle or a SKU code.
    candidates = (
        select(_terms.c.goods_id)
        .where(_terms.c.term.in_(bindparam("terms", expanding=True)))
        .group_by(_terms.c.goods_id)
        .having(func.count() == bindparam("term_count", type_=Integer))
    )
    pattern: Any = bindparam("pattern", type_=String)
    in_code = (
        select(_skus.c.id)
        .where(_skus.c.goods_id == _goods.c.id, _skus.c.code.like(pattern, escape="\\"))
        .exists()
    )
    return [
        _goods.c.id.in_(candidates),
        or_(
            _goods.c.title.like(pattern, escape="\\"),
            _goods.c.subtitle.like(pattern, escape="\\"),
            in_code,
        ),
    ]


def _list_conditions(
    *, category: bool, keyword: KeywordPlan | None, low: bool, high: bool
) -> list[Any]:
    conditions: list[Any] = [_goods.c.is_on_shelf == true(), _goods.c.deleted_at.is_(None)]
    if category:  # the category and its children
        conditions.append(
            _goods.c.category_id.in_(
                select(_categories.c.id).where(
                    or_(
                        _categories.c.id == bindparam("category_id"),
                        _categories.c.parent_id == bindparam("category_id"),
                    )
                )
            )
        )
    if keyword is not None:
        conditions += _keyword_conditions(keyword)
    if low:
        conditions.append(_goods.c.price_fen >= bindparam("min_price_fen"))
    if high:
        conditions.append(_goods.c.price_fen <= bindparam("max_price_fen"))
    return conditions


def _ordered(keys: Sequence[Any], descending: Sequence[bool]) -> list[Any]:
    return [key.desc() if down else key.asc() for key, down in zip(keys, descending, strict=True)]


def _sort_keys(sort: str, descending: bool) -> tuple[list[Any], list[bool]]:
    keys: list[Any] = [_SORT_COLUMNS[sort]]
    if sort == "default":
        keys.append(_goods.c.sales)
    keys.append(_goods.c.id)
    directions = [descending] * len(keys)
    if sort == "default":
        directions[1] = True  # ties on the merchant's order go to the best sellers
    return keys, directions


@functools.cache
def _page_statement(
    *,
    category: bool,
    keyword: KeywordPlan | None,
    low: bool,
    high: bool,
    sort: str,
    descending: bool,
) -> Select[Any]:
    """The count of the matches (up to `count_cap`) and one page of goods ids, in one
    statement: a one-row count LEFT JOINed to the page, so a page past the end still carries
    the total (its one row has a NULL id). Each side uses its own index and stops at its
    LIMIT; the count reads a common piece's holders (it wants them all, up to its cap)."""
    keys, directions = _sort_keys(sort, descending)
    counted = "piece" if keyword == "common piece" else keyword
    matching = (
        select(_goods.c.id)
        .where(*_list_conditions(category=category, keyword=counted, low=low, high=high))
        .limit(bindparam("count_cap", type_=Integer))
        .subquery("matching")
    )
    count = select(func.count().label("total")).select_from(matching).subquery("counted")
    page = (
        select(*keys)
        .where(*_list_conditions(category=category, keyword=keyword, low=low, high=high))
        .order_by(*_ordered(keys, directions))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    page_keys = [page.c[key.name] for key in keys]
    return (
        select(count.c.total, page.c.id)
        .select_from(count.outerjoin(page, true()))
        .order_by(*_ordered(page_keys, directions))
    )


@functools.cache
def _holders_page_statement(
    *, category: bool, low: bool, high: bool, sort: str, descending: bool
) -> Select[Any]:
    """A rare piece's page and total in one pass: its few holders are read and sorted for
    the page anyway, so `COUNT(*) OVER ()` counts them on the way (half the time of counting
    them again beside the page). A page past the end has no row to carry the total."""
    keys, directions = _sort_keys(sort, descending)
    return (
        select(func.count().over().label("total"), _goods.c.id)
        .where(*_list_conditions(category=category, keyword="piece", low=low, high=high))
        .order_by(*_ordered(keys, directions))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


async def goods_page(
    connection: AsyncConnection,
    query: GoodsQuery,
    *,
    common_piece: bool = False,
    count_ahead: int | None = None,
) -> GoodsPage:
    """Goods on sale matching the query: one page of goods ids and the count of all matches,
    exact up to `count_ahead` past the page (one round trip). `common_piece`: the keyword is
    one piece that `piece_is_common` (the caller remembers it); it changes the plan only."""
    params: dict[str, Any] = {
        "category_id": query.category_id,
        "min_price_fen": query.min_price_fen,
        "max_price_fen": query.max_price_fen,
    }
    keyword: KeywordPlan | None = None
    piece = one_piece(query)
    if piece is not None:
        _, directions = _sort_keys(query.sort, is_descending(query))
        # the walk needs the sort index in one direction (the default sort's ascending order
        # has its ties on sales descending: no index is read that way)
        walkable = len(set(directions)) == 1
        keyword = "common piece" if common_piece and walkable else "piece"
        params["term"] = piece
    elif query.q:
        terms = sorted(keyword_pieces(query.q))
        if terms:
            keyword = "pieces"
            params.update(pattern=like_pattern(query.q), terms=terms, term_count=len(terms))
    shape = {
        "category": query.category_id is not None,
        "low": query.min_price_fen is not None,
        "high": query.max_price_fen is not None,
        "sort": query.sort,
        "descending": is_descending(query),
    }
    offset = offset_of(query.page, query.page_size)
    cap = offset + query.page_size + (COUNT_AHEAD if count_ahead is None else count_ahead)
    values = {
        **{key: value for key, value in params.items() if value is not None},
        "limit": query.page_size,
        "offset": offset,
        "count_cap": cap,
    }
    if keyword == "piece" and not common_piece:
        rows = (await connection.execute(_holders_page_statement(**shape), values)).all()
        if rows or offset == 0:  # else past the end: counted below
            total = int(rows[0][0]) if rows else 0
            return GoodsPage(total, [int(row[1]) for row in rows], True)
    statement = _page_statement(keyword=keyword, **shape)
    rows = (await connection.execute(statement, values)).all()
    total = int(rows[0][0])
    return GoodsPage(total, [int(row[1]) for row in rows if row[1] is not None], total < cap)


@functools.cache
def _card_statement() -> Select[Any]:
    stock_left = (
        select(func.coalesce(func.sum(_skus.c.stock), 0))
        .where(_skus.c.goods_id == _goods.c.id, _skus.c.is_active.is_(True))
        .correlate(_goods)
        .scalar_subquery()
    )
    cover = (
        select(_images.c.url)
        .where(_images.c.goods_id == _goods.c.id)
        .order_by(_images.c.sort_order, _images.c.id)
        .limit(1)
        .correlate(_goods)
        .scalar_subquery()
    )
    return select(
        _goods.c.id,
        _goods.c.title,
        _goods.c.subtitle,
        cover.label("cover"),
        _goods.c.price_fen,
        _goods.c.market_price_fen,
        _goods.c.sales,
        stock_left.label("stock_left"),
        _goods.c.unit,
        _goods.c.category_id,
    ).where(_goods.c.id.in_(bindparam("ids", expanding=True)))


async def card_rows(
    connection: AsyncConnection, goods_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """What a goods card shows (the fields of `GoodsCard`), for these goods (deleted ones
    included, so history still shows what it was)."""
    wanted = sorted(set(goods_ids))
    if not wanted:
        return {}
    rows = await connection.execute(_card_statement(), {"ids": wanted})
    cards: dict[int, dict[str, Any]] = {}
    for row in rows:
        cards[row.id] = {
            "id": row.id,
            "title": row.title,
            "subtitle": row.subtitle,
            "cover_url": urls.sized(row.cover, CARD_IMAGE_WIDTH) if row.cover else "",
            "price_fen": row.price_fen,
            "market_price_fen": row.market_price_fen,
            "sales": row.sales,
            "stock_left": int(row.stock_left or 0),
            "stock_hint": stock_hint(int(row.stock_left or 0)),
            "unit": row.unit,
            "category_id": row.category_id,
        }
    return cards
