"""The demo's coupons and 满减: a 新人专享券, a shop-wide 满99减10, a 9 折 coupon for one
category, a running 满减 promotion, and some past orders that used 满99减10."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from xiaodian import pricing
from xiaodian.core import clock
from xiaodian.coupons.words import (
    CouponKind,
    CouponStatus,
    DiscountKind,
    PromotionStatus,
    ScopeType,
    UserCouponStatus,
)
from xiaodian.models import (
    Category,
    Coupon,
    CouponHolder,
    Order,
    OrderDiscount,
    Promotion,
    UserCoupon,
)
from xiaodian.orders.state import Status

PAST_ORDERS_WITH_COUPONS = 6


async def seed_coupons(session: AsyncSession, *, demo_shopper_id: int) -> None:
    """The demo shopper holds the 新人专享券 too, so the demo shows its pop-up."""
    now = clock.now()
    category = await session.scalar(
        select(Category).where(Category.parent_id.is_(None)).order_by(Category.sort_order.desc())
    )
    newcomer = Coupon(
        name="新人专享券",
        kind=CouponKind.NO_THRESHOLD,
        discount_fen=500,
        valid_days=7,
        total=100_000,
        claimed=1,
        per_user_limit=1,
        new_user=True,
        status=CouponStatus.ACTIVE,
    )
    session.add_all(
        [
            newcomer,
            Coupon(
                name=f"{category.name if category else '精选'} 9 折券",
                kind=CouponKind.PERCENT,
                percent_off=10,
                cap_fen=3000,
                scope_type=ScopeType.CATEGORIES if category else ScopeType.ALL,
                scope_ids=[category.id] if category else [],
                valid_days=14,
                total=500,
                per_user_limit=1,
                stacks_with_promotions=True,
                status=CouponStatus.ACTIVE,
            ),
            Promotion(
                name="满59减5 · 满99减12",
                tiers=[
                    {"threshold_fen": 5900, "discount_fen": 500},
                    {"threshold_fen": 9900, "discount_fen": 1200},
                ],
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=30),
                status=PromotionStatus.ACTIVE,
            ),
        ]
    )
    full_reduction = Coupon(
        name="满99减10",
        kind=CouponKind.THRESHOLD,
        threshold_fen=9900,
        discount_fen=1000,
        valid_until=now + timedelta(days=30),
        total=1000,
        per_user_limit=2,
        status=CouponStatus.ACTIVE,
    )
    session.add(full_reduction)
    await session.flush()
    session.add(CouponHolder(coupon_id=newcomer.id, user_id=demo_shopper_id, claimed=1))
    session.add(
        UserCoupon(
            coupon_id=newcomer.id,
            user_id=demo_shopper_id,
            status=UserCouponStatus.USABLE,
            valid_from=now,
            expires_at=now + timedelta(days=7),
        )
    )
    await _past_orders_with(session, full_reduction)


async def _past_orders_with(session: AsyncSession, coupon: Coupon) -> None:
    """Some completed orders of 99 or more get the coupon after the fact, split to the fen."""
    orders = (
        await session.scalars(
            select(Order)
            .where(Order.status == Status.COMPLETED, Order.goods_total_fen >= coupon.threshold_fen)
            .options(selectinload(Order.lines))
            .order_by(Order.id)
            .limit(PAST_ORDERS_WITH_COUPONS)
        )
    ).all()
    holders: dict[int, int] = {}
    for order in orders:
        if holders.get(order.user_id, 0) >= coupon.per_user_limit:
            continue
        quote = pricing.price(
            [
                pricing.PricingLine(
                    key=line.id,
                    goods_id=line.goods_id,
                    category_id=0,
                    unit_price_fen=line.unit_price_fen,
                    quantity=line.quantity,
                )
                for line in order.lines
            ],
            freight=pricing.FreightRule(freight_fen=800, free_threshold_fen=9900),
            adjustments=[
                pricing.Adjustment(
                    kind=pricing.AdjustmentKind.COUPON,
                    source_id=coupon.id,
                    amount_fen=coupon.discount_fen,
                )
            ],
        )
        for line in order.lines:
            priced = quote.line(line.id)
            line.discount_fen, line.pay_fen = priced.discount_fen, priced.pay_fen
        order.discount_fen = quote.discount_fen
        order.freight_fen = quote.freight_fen
        order.total_fen = quote.total_fen
        session.add(
            UserCoupon(
                coupon_id=coupon.id,
                user_id=order.user_id,
                status=UserCouponStatus.USED,
                valid_from=order.created_at - timedelta(days=1),
                expires_at=order.created_at + timedelta(days=30),
                order_id=order.id,
                discount_fen=quote.discount_fen,
                used_at=order.paid_at,
                created_at=order.created_at - timedelta(days=1),
            )
        )
        session.add(
            OrderDiscount(
                order_id=order.id,
                kind=DiscountKind.COUPON,
                source_id=coupon.id,
                amount_fen=quote.discount_fen,
            )
        )
        holders[order.user_id] = holders.get(order.user_id, 0) + 1
    session.add_all(
        CouponHolder(coupon_id=coupon.id, user_id=user_id, claimed=count)
        for user_id, count in holders.items()
    )
    coupon.claimed = sum(holders.values())
    await session.flush()
