"""The shopper's hot catalog queries (`catalog.queries.goods_page`, `card_rows`) answer exactly
what the ORM versions they replaced answered: the same goods in the same order, the same total,
on every sort, filter and page edge (ties included), and the same card fields.

The reference implementations below are the ORM code as it was before the rewrite.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from xiaodian.catalog.queries import (
    card_rows,
    cards_by_id,
    category_with_children,
    goods_page,
    like_pattern,
    on_sale,
    one_piece,
    piece_is_common,
)
from xiaodian.catalog.schemas import GoodsCard, GoodsQuery
from xiaodian.context import AppContext
from xiaodian.core.pagination import offset_of
from xiaodian.models import Goods


async def reference_search(session: AsyncSession, query: GoodsQuery) -> tuple[int, list[int]]:
    """`catalog.service.search_goods` as it was (ORM, a count and a page query)."""
    conditions = [on_sale()]
    if query.category_id is not None:
        conditions.append(
            Goods.category_id.in_(await category_with_children(session, query.category_id))
        )
    if query.q:
        pattern = like_pattern(query.q)
        conditions.append(
            or_(Goods.title.like(pattern, escape="\\"), Goods.subtitle.like(pattern, escape="\\"))
        )
    if query.min_price_fen is not None:
        conditions.append(Goods.price_fen >= query.min_price_fen)
    if query.max_price_fen is not None:
        conditions.append(Goods.price_fen <= query.max_price_fen)
    total = await session.scalar(select(func.count(Goods.id)).where(*conditions)) or 0
    descending = (query.order or ("asc" if query.sort == "price" else "desc")) == "desc"
    column = {
        "sales": Goods.sales,
        "price": Goods.price_fen,
        "new": Goods.created_at,
        "default": Goods.sort_order,
    }[query.sort]
    ordering: list[Any] = [column.desc() if descending else column.asc()]
    if query.sort == "default":
        ordering.append(Goods.sales.desc())
    ordering.append(Goods.id.desc() if descending else Goods.id.asc())
    rows = await session.execute(
        select(Goods.id)
        .where(*conditions)
        .order_by(*ordering)
        .offset(offset_of(query.page, query.page_size))
        .limit(query.page_size)
    )
    return total, list(rows.scalars())


async def _shop(context: AppContext) -> dict[str, int]:
    """A small catalog with ties on every sort key, a subcategory, off-shelf and deleted goods."""
    fruit = await factories.make_category(context, name="水果")
    imported = await factories.make_category(context, name="进口水果", parent_id=fruit)
    veg = await factories.make_category(context, name="蔬菜")
    specs = [
        ("红富士苹果", fruit, [990, 1880], 30, "脆甜"),
        ("青苹果", fruit, [990], 30, ""),
        ("智利车厘子", imported, [5990], 5, "进口 Cherry"),
        ("新西兰苹果", imported, [1290], 0, "Apple 进口"),
        ("上海青", veg, [290], 30, "青菜"),
        ("土豆", veg, [390], 12, "100%新鲜"),
        ("西红柿", veg, [590], 12, "番茄_大"),
        ("下架苹果", fruit, [100], 99, ""),
        ("删掉的苹果", fruit, [100], 99, ""),
    ]
    ids: dict[str, int] = {}
    for title, category, prices, sales, subtitle in specs:
        made = await factories.make_goods(
            context,
            title=title,
            category_id=category,
            prices=prices,
            sales=sales,
            subtitle=subtitle,
            on_shelf=title != "下架苹果",
        )
        ids[title] = made["id"]
    async with context.db.transaction() as session:
        await session.execute(
            update(Goods).where(Goods.id == ids["删掉的苹果"]).values(deleted_at=func.now())
        )
        # ties on the merchant's order, broken by sales then id
        await session.execute(
            update(Goods)
            .where(Goods.id.in_([ids["青苹果"], ids["上海青"], ids["土豆"]]))
            .values(sort_order=5)
        )
    return {"fruit": fruit, "imported": imported, "veg": veg, **ids}


async def test_the_goods_page_matches_the_orm_query_on_every_sort_filter_and_page_edge(
    context: AppContext,
) -> None:
    shop = await _shop(context)
    filters: list[dict[str, Any]] = [
        {},
        {"category_id": shop["fruit"]},
        {"category_id": shop["imported"]},
        {"category_id": 999_999},
        {"q": "苹果"},
        {"q": "进口"},
        {"q": "青"},
        {"q": "AP"},
        {"q": "apple"},
        {"q": "%"},
        {"q": "_"},
        {"min_price_fen": 990},
        {"max_price_fen": 990},
        {"min_price_fen": 400, "max_price_fen": 1300, "category_id": shop["fruit"]},
        {"q": "苹果", "max_price_fen": 1000},
    ]
    sorts: list[dict[str, Any]] = [
        {"sort": sort, "order": order}
        for sort, order in itertools.product(
            ["default", "sales", "price", "new"], [None, "asc", "desc"]
        )
    ]
    pages = [(1, 20), (1, 1), (2, 2), (3, 2), (4, 2), (1, 50), (9, 3), (10_000, 50)]
    checked = 0
    for where, sort, (page, size) in itertools.product(filters, sorts, pages):
        query = GoodsQuery.model_validate({**where, **sort, "page": page, "page_size": size})
        async with context.db.transaction(write=False) as session:
            expected = await reference_search(session, query)
        for common in (False, True):  # the plan for a common piece: the same answer
            actual = await context.db.read(
                lambda connection, q=query, c=common: goods_page(connection, q, common_piece=c)
            )
            assert (actual.total, actual.ids) == expected, (query, common)
            assert actual.exact, query  # a small shop is counted to the end
        checked += 1
    assert checked == len(filters) * len(sorts) * len(pages)


async def test_pages_past_the_end_still_carry_the_total(context: AppContext) -> None:
    shop = await _shop(context)
    query = GoodsQuery(category_id=shop["veg"], page=2, page_size=3)
    assert await context.db.read(lambda connection: goods_page(connection, query)) == (
        3,
        [],
        True,
    )
    nothing = GoodsQuery(q="没有这种东西")
    assert await context.db.read(lambda connection: goods_page(connection, nothing)) == (
        0,
        [],
        True,
    )


async def test_a_count_is_exact_up_to_its_reach_past_the_page_and_a_floor_beyond(
    context: AppContext,
) -> None:
    """With `count_ahead` 2: the ids are the reference's on every page; the total is exact
    when the matches end within 2 past the page, else the floor offset + page_size + 2
    (false `exact`), which always promises the next page. A rare piece's holders are counted
    while its page is sorted, so its total is exact whatever the reach."""
    await _shop(context)
    seen_floor = seen_exact = 0
    for sort, page, q in itertools.product(["default", "price"], range(1, 6), [None, "苹果"]):
        query = GoodsQuery(sort=sort, page=page, page_size=2, q=q)
        async with context.db.transaction(write=False) as session:
            total, ids = await reference_search(session, query)
        actual = await context.db.read(
            lambda connection, q=query: goods_page(connection, q, count_ahead=2)
        )
        reach = (page - 1) * 2 + 2 + 2
        assert actual.ids == ids, query
        if q is None:
            assert actual.exact == (total < reach), query
        if actual.exact:
            assert actual.total == total, query
            seen_exact += 1
        else:
            assert actual.total == reach <= total, query
            assert actual.total > page * 2  # the pager asks for the next page
            seen_floor += 1
    assert seen_floor and seen_exact


async def test_card_rows_answer_what_the_goods_cards_answered(context: AppContext) -> None:
    shop = await _shop(context)
    with_specs = await factories.make_goods(
        context, title="鸡蛋", stock=7, specs={"规格": ["6枚", "12枚"]}, prices=[990, 1790]
    )
    wanted = [*shop.values(), with_specs["id"], 999_999]
    async with context.db.transaction(write=False) as session:
        expected = await cards_by_id(session, wanted)
    actual = await context.db.read(lambda connection: card_rows(connection, wanted))
    assert set(actual) == set(expected) and 999_999 not in actual
    for goods_id, card in actual.items():
        assert GoodsCard.model_validate(card) == expected[goods_id]
        assert list(card) == list(GoodsCard.model_fields)
    assert actual[with_specs["id"]]["stock_left"] == 14
    assert actual[with_specs["id"]]["cover_url"].startswith("http://testserver/media/")


@pytest.mark.usefixtures("client")  # an empty database: the pieces' holders are counted
async def test_a_keyword_of_one_or_two_characters_is_looked_up_as_one_piece(
    context: AppContext,
) -> None:
    await _shop(context)
    pieces = {q: one_piece(GoodsQuery(q=q)) for q in ["苹", "苹果", "AP", "苹果汁", "青 菜", "%"]}
    assert pieces == {
        "苹": "苹",
        "苹果": "苹果",
        "AP": "ap",
        "苹果汁": None,
        "青 菜": None,
        "%": "%",
    }
    # 苹果 is held by 5 goods (the off-shelf and deleted ones too: the index holds every item)
    common = [
        await context.db.read(lambda c, n=n: piece_is_common(c, "苹果", common=n))
        for n in (4, 5, 6)
    ]
    assert common == [True, True, False]
