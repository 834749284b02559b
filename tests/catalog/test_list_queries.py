"""The shopper's hot catalog queries (`catalog.queries.goods_page`, `card_rows`) answer exactly
what the ORM versions they replaced answered: the same goods in the same order, the same total,
on every sort, filter and page edge (ties included), and the same card fields.

The reference implementations below are the ORM code as it was before the rewrite.
"""

from __future__ import annotations

import itertools
from typing import Any

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
        actual = await context.db.read(lambda connection, q=query: goods_page(connection, q))
        assert actual == expected, query
        checked += 1
    assert checked == len(filters) * len(sorts) * len(pages)


async def test_pages_past_the_end_still_carry_the_total(context: AppContext) -> None:
    shop = await _shop(context)
    query = GoodsQuery(category_id=shop["veg"], page=2, page_size=3)
    assert await context.db.read(lambda connection: goods_page(connection, query)) == (3, [])
    nothing = GoodsQuery(q="没有这种东西")
    assert await context.db.read(lambda connection: goods_page(connection, nothing)) == (0, [])


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
