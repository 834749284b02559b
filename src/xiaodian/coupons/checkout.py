"""Coupons and promotions at checkout: the offer for a cart, the coupon held by the order,
used when it is paid, released when it closes unpaid (each exactly once)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from xiaodian import pricing
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import affected, after_commit
from xiaodian.coupons import rules
from xiaodian.coupons.errors import (
    CouponExpired,
    CouponNotFound,
    CouponNotStarted,
    CouponNotUsable,
)
from xiaodian.coupons.schemas import CheckoutCouponOut
from xiaodian.coupons.service import scope_of
from xiaodian.coupons.words import (
    CouponKind,
    CouponStatus,
    PromotionStatus,
    ScopeType,
    UserCouponStatus,
)
from xiaodian.models import Coupon, OrderDiscount, Promotion, UserCoupon

BEST = rules.BEST
MAX_COUPONS_AT_CHECKOUT = 50
PROMOTIONS = "promotions"
"""The near cache's namespace for the promotions not yet over (forgotten in every process when
the merchant creates or changes one: `forget_promotions_after_commit`)."""


@dataclass(frozen=True)
class CheckoutOffer:
    adjustments: tuple[pricing.Adjustment, ...]
    coupon_id: int | None
    coupons: list[CheckoutCouponOut]


@functools.cache
def _promotions_ahead_statement() -> Select[Any]:
    """Active promotions not over at `:now`, running or still to start (built once)."""
    return select(
        Promotion.id,
        Promotion.name,
        Promotion.tiers,
        Promotion.scope_type,
        Promotion.scope_ids,
        Promotion.starts_at,
        Promotion.ends_at,
    ).where(Promotion.status == PromotionStatus.ACTIVE, Promotion.ends_at > bindparam("now"))


@functools.cache
def _held_coupons_statement() -> Select[UserCoupon, Coupon]:
    """Shopper `:user_id`'s coupons usable at `:now`, soonest to expire first."""
    return (
        select(UserCoupon, Coupon)
        .join(Coupon, Coupon.id == UserCoupon.coupon_id)
        .where(
            UserCoupon.user_id == bindparam("user_id"),
            UserCoupon.status == UserCouponStatus.USABLE,
            UserCoupon.expires_at > bindparam("now"),
        )
        .order_by(UserCoupon.expires_at, UserCoupon.id)
        .limit(MAX_COUPONS_AT_CHECKOUT)
    )


@dataclass(frozen=True)
class _Window:
    starts_at: datetime
    ends_at: datetime
    terms: rules.PromotionTerms


async def _promotions_ahead(connection: AsyncConnection) -> list[_Window]:
    rows = await connection.execute(_promotions_ahead_statement(), {"now": clock.now()})
    return [
        _Window(
            starts_at=starts_at,
            ends_at=ends_at,
            terms=rules.PromotionTerms(
                id=promotion_id,
                name=name,
                scope=rules.Scope(type=ScopeType(scope_type), ids=frozenset(scope_ids or ())),
                tiers=tuple(
                    rules.Tier(
                        threshold_fen=int(t["threshold_fen"]), discount_fen=int(t["discount_fen"])
                    )
                    for t in tiers
                ),
            ),
        )
        for promotion_id, name, tiers, scope_type, scope_ids, starts_at, ends_at in rows
    ]


async def running_promotions(session: AsyncSession, now: datetime) -> list[rules.PromotionTerms]:
    """The promotions running at `now`. Every preview and order asks, and the merchant changes
    them now and then: the ones not yet over come from the near cache (a miss reads what has
    committed, on its own autocommit connection) and their windows are checked here."""
    context = AppContext.of(session)
    ahead = await context.near_cache.get_or_load(
        PROMOTIONS, "ahead", lambda: context.db.read(_promotions_ahead)
    )
    return [window.terms for window in ahead if window.starts_at <= now < window.ends_at]


def forget_promotions_after_commit(session: AsyncSession) -> None:
    """A promotion was created or changed: every process reads them again once this commits."""
    near_cache = AppContext.of(session).near_cache
    after_commit(session, lambda: near_cache.invalidate(PROMOTIONS))


def _terms(held: UserCoupon, coupon: Coupon) -> rules.CouponTerms:
    return rules.CouponTerms(
        id=held.id,
        name=coupon.name,
        kind=CouponKind(coupon.kind),
        scope=scope_of(coupon),
        threshold_fen=coupon.threshold_fen,
        discount_fen=coupon.discount_fen,
        percent_off=coupon.percent_off,
        cap_fen=coupon.cap_fen,
        stacks_with_promotions=coupon.stacks_with_promotions,
        valid_from=held.valid_from,
        expires_at=held.expires_at,
        ended=coupon.status == CouponStatus.ENDED,
    )


async def _held_coupons(
    session: AsyncSession, user_id: int, now: datetime
) -> list[tuple[UserCoupon, Coupon]]:
    rows = await session.execute(_held_coupons_statement(), {"user_id": user_id, "now": now})
    return [(held, coupon) for held, coupon in rows]


async def _why_not_held(session: AsyncSession, *, user_id: int, user_coupon_id: int) -> None:
    """The chosen coupon is not among the usable ones: say which error it is."""
    held = await session.get(UserCoupon, user_coupon_id)
    if held is None or held.user_id != user_id:
        raise CouponNotFound()
    if held.status != UserCouponStatus.USABLE:
        raise CouponNotUsable("优惠券已被使用", reason="优惠券已被使用")
    raise CouponExpired()


async def offer_for(
    session: AsyncSession,
    *,
    user_id: int,
    lines: Sequence[pricing.PricingLine],
    choice: int | None,
    no_coupon_keys: frozenset[int] = frozenset(),
    activity: Sequence[pricing.Adjustment] = (),
    with_promotions: bool = True,
) -> CheckoutOffer:
    """The promotions and the coupon for this cart. `choice`: a user coupon id, None for no
    coupon, BEST for the best one. A chosen coupon that cannot be used raises its error
    (`coupon_not_usable` with the reason, `coupon_expired`, `coupon_not_started`).

    An activity's order (a group buy that allows coupons) passes its own price adjustments as
    `activity` (the coupon is measured on what is paid after them) and no promotions."""
    now = clock.now()
    held = await _held_coupons(session, user_id, now)
    if choice is not None and choice != BEST and all(h.id != choice for h, _ in held):
        await _why_not_held(session, user_id=user_id, user_coupon_id=choice)
    terms = [_terms(h, coupon) for h, coupon in held]
    try:
        offer = rules.offer(
            lines,
            promotions=await running_promotions(session, now) if with_promotions else [],
            coupons=terms,
            choice=choice,
            now=now,
            no_coupon_keys=no_coupon_keys,
            activity=activity,
        )
    except rules.NotUsable as refused:
        if refused.reason == "未到使用时间":
            raise CouponNotStarted() from refused
        raise CouponNotUsable(refused.reason, reason=refused.reason) from refused
    by_id = {t.id: t for t in terms}
    coupons = [
        CheckoutCouponOut(
            id=option.id,
            name=by_id[option.id].name,
            usable=option.usable,
            reason=option.reason,
            discount_fen=option.discount_fen,
            expires_at=by_id[option.id].expires_at,
        )
        for option in sorted(offer.options, key=lambda o: (not o.usable, -o.discount_fen, o.id))
    ]
    return CheckoutOffer(adjustments=offer.adjustments, coupon_id=offer.coupon_id, coupons=coupons)


async def hold_for_order(
    session: AsyncSession,
    *,
    order_id: int,
    user_id: int,
    offer: CheckoutOffer,
    quote: pricing.Quote,
) -> None:
    """In the order's transaction: lock the chosen coupon for this order (usable → locked,
    conditional, so of two checkouts with one coupon exactly one wins; the other raises
    `coupon_not_usable` and its order rolls back) and record what each adjustment took."""
    if offer.coupon_id is not None:
        result = await session.execute(
            update(UserCoupon)
            .where(
                UserCoupon.id == offer.coupon_id,
                UserCoupon.user_id == user_id,
                UserCoupon.status == UserCouponStatus.USABLE,
                UserCoupon.expires_at > clock.now(),
            )
            .values(
                status=UserCouponStatus.LOCKED,
                order_id=order_id,
                discount_fen=quote.discount_of(pricing.AdjustmentKind.COUPON),
            )
        )
        if affected(result) != 1:
            raise CouponNotUsable("优惠券已被其他订单使用", reason="优惠券已被其他订单使用")
    for applied in quote.applied:
        if applied.amount_fen > 0:
            session.add(
                OrderDiscount(
                    order_id=order_id,
                    kind=applied.adjustment.kind,
                    source_id=applied.adjustment.source_id,
                    amount_fen=applied.amount_fen,
                )
            )
    await session.flush()


async def use_for_paid_order(session: AsyncSession, *, order_id: int) -> int:
    """The order was paid: its coupon is used (locked → used, once)."""
    result = await session.execute(
        update(UserCoupon)
        .where(UserCoupon.order_id == order_id, UserCoupon.status == UserCouponStatus.LOCKED)
        .values(status=UserCouponStatus.USED, used_at=clock.now())
    )
    return affected(result)


async def release_for_closed_order(session: AsyncSession, *, order_id: int) -> int:
    """The order closed unpaid: its coupon is usable again (locked → usable, once; a coupon
    past its end date then shows as expired)."""
    result = await session.execute(
        update(UserCoupon)
        .where(UserCoupon.order_id == order_id, UserCoupon.status == UserCouponStatus.LOCKED)
        .values(status=UserCouponStatus.USABLE, order_id=None, discount_fen=0)
    )
    return affected(result)
