"""`checkout.checkout_lines` (one Core statement) answers what the ORM version answered: the
same lines in SKU order, and the same refusals for a missing, deleted or off-shelf SKU."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.orm_reference import is_purchasable, sku_rows_select
from xiaodian.catalog.errors import GoodsOffShelf, SkuNotFound
from xiaodian.catalog.queries import spec_text
from xiaodian.context import AppContext
from xiaodian.core.clock import now
from xiaodian.models import Goods, GoodsImage, Sku
from xiaodian.orders.checkout import CheckoutLine, checkout_lines


async def reference_lines(
    session: AsyncSession, quantities: Mapping[int, int]
) -> list[CheckoutLine]:
    """`checkout_lines` as it was (ORM objects)."""
    rows = await session.execute(sku_rows_select().where(Sku.id.in_(list(quantities))))
    found = {sku.id: (sku, goods, cover) for sku, goods, cover in rows}
    lines = []
    for sku_id in sorted(quantities):
        if sku_id not in found or found[sku_id][1].deleted_at is not None:
            raise SkuNotFound(sku_id=sku_id)
        sku, goods, cover = found[sku_id]
        if not is_purchasable(sku, goods):
            raise GoodsOffShelf(f"「{goods.title}」已下架", sku_id=sku_id)
        lines.append(
            CheckoutLine(
                sku_id=sku.id,
                goods_id=goods.id,
                category_id=goods.category_id,
                title=goods.title,
                spec_text=spec_text(sku.spec_values),
                image_url=sku.image_url or cover or "",
                unit_price_fen=sku.price_fen,
                quantity=quantities[sku_id],
                stock=sku.stock,
            )
        )
    return lines


async def _both(context: AppContext, quantities: Mapping[int, int]) -> list[CheckoutLine]:
    async with context.db.transaction(write=False) as session:
        try:
            expected = await reference_lines(session, quantities)
        except (SkuNotFound, GoodsOffShelf) as error:
            with pytest.raises(type(error)) as raised:
                await checkout_lines(session, quantities)
            assert (raised.value.message, raised.value.details) == (error.message, error.details)
            return []
        assert await checkout_lines(session, quantities) == expected
        return expected


async def test_checkout_lines_answer_what_the_orm_lines_answered(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    apple = await factories.make_goods(
        context, title="苹果", prices=[500, 650], stock=7, specs={"规格": ["小", "大"]}
    )
    pear = await factories.make_goods(context, title="梨", prices=[300], stock=0)
    bare = await factories.make_goods(context, title="无图", prices=[100], specs={})
    shelved = await factories.make_goods(context, title="下架", on_shelf=False)
    gone = await factories.make_goods(context, title="已删")
    async with context.db.transaction() as session:
        await session.execute(
            update(Sku).where(Sku.id == apple["sku_ids"][1]).values(image_url="/media/x-800.webp")
        )
        await session.execute(
            GoodsImage.__table__.delete().where(GoodsImage.goods_id == bare["id"])
        )
        await session.execute(update(Goods).where(Goods.id == gone["id"]).values(deleted_at=now()))
    lines = await _both(
        context,
        {
            pear["sku_ids"][0]: 2,
            apple["sku_ids"][1]: 1,
            apple["sku_ids"][0]: 3,
            bare["sku_ids"][0]: 1,
        },
    )
    assert [line.sku_id for line in lines] == sorted(
        [*apple["sku_ids"], pear["sku_ids"][0], bare["sku_ids"][0]]
    )
    assert {line.image_url for line in lines} >= {"/media/x-800.webp", ""}
    for refused in (shelved["sku_ids"][0], gone["sku_ids"][0], 10**9):
        assert await _both(context, {apple["sku_ids"][0]: 1, refused: 1}) == []
