"""The cart's Core statements (`cart.queries`) answer what the ORM cart answered before the
rewrite (lines, order, flags, totals), and adds that race on one line both count."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.orm_reference import is_purchasable, sku_rows_select
from xiaodian.cart.schemas import CartLineOut, CartOut
from xiaodian.cart.service import cart_answer
from xiaodian.catalog.queries import CARD_IMAGE_WIDTH, spec_text
from xiaodian.context import AppContext
from xiaodian.core import urls
from xiaodian.models import CartItem, Goods, Sku


async def reference_cart(session: AsyncSession, *, user_id: int) -> CartOut:
    """`cart.service.get_cart` as it was (ORM objects)."""
    rows = await session.execute(
        sku_rows_select()
        .add_columns(CartItem)
        .join(CartItem, CartItem.sku_id == Sku.id)
        .where(CartItem.user_id == user_id)
        .order_by(CartItem.updated_at.desc(), CartItem.id.desc())
    )
    lines: list[CartLineOut] = []
    for sku, goods, cover, item in rows:
        image = sku.image_url or cover or ""
        lines.append(
            CartLineOut(
                id=item.id,
                sku_id=sku.id,
                goods_id=goods.id,
                title=goods.title,
                spec_text=spec_text(sku.spec_values),
                image_url=urls.sized(image, CARD_IMAGE_WIDTH) if image else "",
                price_fen=sku.price_fen,
                quantity=item.quantity,
                selected=item.selected,
                stock=sku.stock,
                is_available=is_purchasable(sku, goods),
                stock_short=item.quantity > sku.stock,
                line_total_fen=sku.price_fen * item.quantity,
            )
        )
    chosen = [line for line in lines if line.selected and line.is_available]
    available = [line for line in lines if line.is_available]
    return CartOut(
        items=lines,
        selected_quantity=sum(line.quantity for line in chosen),
        selected_total_fen=sum(line.line_total_fen for line in chosen),
        all_selected=bool(available) and all(line.selected for line in available),
    )


async def test_the_cart_answer_matches_the_orm_cart(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    plain = await factories.make_goods(context, title="苹果", prices=[500], stock=10)
    sized = await factories.make_goods(
        context, title="鸡蛋", prices=[990, 1790], stock=3, specs={"规格": ["6枚", "12枚"]}
    )
    off = await factories.make_goods(context, title="下架", prices=[300], stock=9)
    gone = await factories.make_goods(context, title="删除", prices=[200], stock=9)
    for sku_id, quantity in [
        (plain["sku_ids"][0], 2),
        (sized["sku_ids"][1], 3),
        (sized["sku_ids"][0], 1),
        (off["sku_ids"][0], 4),
        (gone["sku_ids"][0], 1),
    ]:
        answer = await client.post(
            "/api/v1/cart/items", json={"sku_id": sku_id, "quantity": quantity}, headers=headers
        )
        assert answer.status_code == 201, answer.text
    async with context.db.transaction() as session:
        await session.execute(update(Goods).where(Goods.id == off["id"]).values(is_on_shelf=False))
        await session.execute(
            update(Goods).where(Goods.id == gone["id"]).values(deleted_at=func.now())
        )
        await session.execute(
            update(Sku).where(Sku.id == sized["sku_ids"][1]).values(stock=1, image_url="/x.png")
        )
        await session.execute(
            update(CartItem).where(CartItem.sku_id == sized["sku_ids"][0]).values(selected=False)
        )
    cart = await client.get("/api/v1/cart", headers=headers)
    async with context.db.transaction(write=False) as session:
        user_id = await session.scalar(
            CartItem.__table__.select().with_only_columns(CartItem.user_id).limit(1)
        )
        assert user_id is not None
        expected = await reference_cart(session, user_id=user_id)
        actual = await cart_answer(session, user_id=user_id)
    assert CartOut.model_validate(actual) == expected
    assert cart.json() == expected.model_dump(mode="json")
    # newest change first: the line just deselected, then the adds, latest first
    assert [line["sku_id"] for line in actual["items"]][:2] == [
        sized["sku_ids"][0],
        gone["sku_ids"][0],
    ]
    flags = {(line["title"], line["sku_id"]): line for line in actual["items"]}
    assert flags[("鸡蛋", sized["sku_ids"][1])]["stock_short"] is True
    assert flags[("下架", off["sku_ids"][0])]["is_available"] is False
    assert flags[("删除", gone["sku_ids"][0])]["is_available"] is False
    assert actual["all_selected"] is False


async def test_adds_that_race_on_one_line_all_count(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    goods = await factories.make_goods(context, prices=[500], stock=100)
    sku_id = goods["sku_ids"][0]
    first = await client.post("/api/v1/cart/items", json={"sku_id": sku_id}, headers=headers)
    assert first.status_code == 201
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/cart/items", json={"sku_id": sku_id}, headers=headers)
            for _ in range(12)
        )
    )
    assert [answer.status_code for answer in answers] == [201] * 12
    cart = (await client.get("/api/v1/cart", headers=headers)).json()
    assert [line["quantity"] for line in cart["items"]] == [13]


async def test_an_add_past_the_stock_left_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    goods = await factories.make_goods(context, prices=[500], stock=3)
    sku_id = goods["sku_ids"][0]
    await client.post("/api/v1/cart/items", json={"sku_id": sku_id, "quantity": 2}, headers=headers)
    refused = await client.post(
        "/api/v1/cart/items", json={"sku_id": sku_id, "quantity": 2}, headers=headers
    )
    assert (refused.status_code, refused.json()["error"]) == (409, "out_of_stock")
    cart = (await client.get("/api/v1/cart", headers=headers)).json()
    assert [line["quantity"] for line in cart["items"]] == [2]
