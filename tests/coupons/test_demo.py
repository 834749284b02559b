"""The demo shop's coupons: the four the issue names, and past orders that used one, split
to the fen (seeded over a few orders of our own: the whole demo takes a minute)."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from tests import factories
from xiaodian.context import AppContext
from xiaodian.models import Coupon, Order, Promotion, User, UserCoupon
from xiaodian.seed.coupons import seed_coupons


async def test_the_demo_has_its_coupons_a_running_promotion_and_orders_that_used_coupons(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, prices=[3333], specs={"规格": ["大", "小"]})
    shopper = await factories.shopper(client, context)
    address_id = await factories.address(client, shopper)
    for quantity in (3, 4, 1):
        await factories.place_order(
            client, shopper, sku_id=goods["sku_ids"][0], quantity=quantity, address_id=address_id
        )
    async with context.db.transaction() as session:
        await session.execute(update(Order).values(status="completed"))
        user_id = await session.scalar(select(User.id))
        assert user_id is not None
        await seed_coupons(session, demo_shopper_id=user_id)
    async with context.db.transaction(write=False) as session:
        coupons = {c.name: c for c in (await session.scalars(select(Coupon))).all()}
        promotions = (await session.scalars(select(Promotion))).all()
        used = (
            await session.scalars(
                select(Order)
                .join(UserCoupon, UserCoupon.order_id == Order.id)
                .options(selectinload(Order.lines))
            )
        ).all()
        issued = await session.scalar(select(func.count(UserCoupon.id)))
    assert coupons["新人专享券"].new_user and coupons["新人专享券"].discount_fen == 500
    assert (coupons["满99减10"].threshold_fen, coupons["满99减10"].discount_fen) == (9900, 1000)
    assert any(c.percent_off == 10 and c.scope_type == "categories" for c in coupons.values())
    assert len(promotions) == 1
    assert len(used) == 2  # the two orders over 99 (the per-user limit is 2)
    assert all(
        sum(line.discount_fen for line in order.lines) == order.discount_fen == 1000
        and order.total_fen == order.goods_total_fen - 1000 + order.freight_fen
        for order in used
    )
    assert (coupons["满99减10"].claimed, issued) == (2, 3)  # and the 新人专享券
    listed = (await client.get("/api/v1/coupons")).json()
    assert {c["name"] for c in listed} >= {"满99减10"}
