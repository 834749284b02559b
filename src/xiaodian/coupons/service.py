"""Shoppers and coupons: claiming (atomic against the total and the per-user limit),
redeeming codes, the new-user grant and 我的优惠券."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core import clock
from xiaodian.core.db import affected
from xiaodian.core.pagination import Page, offset_of
from xiaodian.coupons.errors import (
    CouponCodeInvalid,
    CouponExpired,
    CouponLimitReached,
    CouponNotClaimable,
    CouponNotFound,
    CouponSoldOut,
)
from xiaodian.coupons.rules import Scope
from xiaodian.coupons.schemas import CouponOut, ScopeIn, UserCouponOut
from xiaodian.coupons.words import CouponStatus, ScopeType, UserCouponStatus, UserCouponTab
from xiaodian.models import Coupon, CouponCode, CouponHolder, Goods, UserCoupon


def scope_of(coupon: Coupon) -> Scope:
    return Scope(type=ScopeType(coupon.scope_type), ids=frozenset(coupon.scope_ids or ()))


def terms_of(coupon: Coupon) -> dict[str, object]:
    return {
        "name": coupon.name,
        "kind": coupon.kind,
        "threshold_fen": coupon.threshold_fen,
        "discount_fen": coupon.discount_fen,
        "percent_off": coupon.percent_off,
        "cap_fen": coupon.cap_fen,
        "scope": ScopeIn(type=ScopeType(coupon.scope_type), ids=list(coupon.scope_ids or [])),
        "valid_from": coupon.valid_from,
        "valid_until": coupon.valid_until,
        "valid_days": coupon.valid_days,
        "stacks_with_promotions": coupon.stacks_with_promotions,
    }


def user_coupon_out(held: UserCoupon, coupon: Coupon) -> UserCouponOut:
    return UserCouponOut(
        id=held.id,
        coupon_id=coupon.id,
        status=held.status,
        starts_at=held.valid_from,
        expires_at=held.expires_at,
        order_id=held.order_id,
        used_at=held.used_at,
        new_user=coupon.new_user,
        **terms_of(coupon),
    )


def _claimable_now(coupon: Coupon, now: datetime) -> bool:
    return coupon.status == CouponStatus.ACTIVE and (
        coupon.valid_until is None or coupon.valid_until > now
    )


async def claimable(
    session: AsyncSession, *, user_id: int | None, goods_id: int | None
) -> list[CouponOut]:
    """Coupons a shopper may claim now (not code-only, not new-user), optionally only those
    that apply to one goods item; `left` counts what is still to be issued."""
    now = clock.now()
    coupons = (
        await session.scalars(
            select(Coupon)
            .where(
                Coupon.status == CouponStatus.ACTIVE,
                Coupon.by_code.is_(False),
                Coupon.new_user.is_(False),
            )
            .order_by(Coupon.id.desc())
            .limit(200)
        )
    ).all()
    coupons = [coupon for coupon in coupons if _claimable_now(coupon, now)]
    if goods_id is not None:
        goods = await session.get(Goods, goods_id)
        if goods is None:
            return []
        coupons = [c for c in coupons if scope_of(c).holds_goods(goods.id, goods.category_id)]
    mine: dict[int, int] = {}
    if user_id is not None and coupons:
        rows = await session.execute(
            select(CouponHolder.coupon_id, CouponHolder.claimed).where(
                CouponHolder.user_id == user_id,
                CouponHolder.coupon_id.in_([coupon.id for coupon in coupons]),
            )
        )
        mine = {coupon_id: claimed for coupon_id, claimed in rows}
    return [
        CouponOut(
            id=coupon.id,
            claimed_by_me=mine.get(coupon.id, 0),
            per_user_limit=coupon.per_user_limit,
            left=coupon.total - coupon.claimed,
            **terms_of(coupon),
        )
        for coupon in coupons
    ]


async def _count_for_shopper(session: AsyncSession, *, coupon: Coupon, user_id: int) -> None:
    """One more claim on the shopper's counter, or CouponLimitReached (conditional update)."""

    async def bump() -> bool:
        result = await session.execute(
            update(CouponHolder)
            .where(
                CouponHolder.coupon_id == coupon.id,
                CouponHolder.user_id == user_id,
                CouponHolder.claimed < coupon.per_user_limit,
            )
            .values(claimed=CouponHolder.claimed + 1)
        )
        return affected(result) == 1

    if await bump():
        return
    held = await session.scalar(
        select(CouponHolder.id).where(
            CouponHolder.coupon_id == coupon.id, CouponHolder.user_id == user_id
        )
    )
    if held is None:
        try:
            async with session.begin_nested():
                session.add(CouponHolder(coupon_id=coupon.id, user_id=user_id, claimed=1))
                await session.flush()
            return
        except IntegrityError:
            if await bump():  # a simultaneous first claim of this shopper made the row
                return
    raise CouponLimitReached(f"每人限领 {coupon.per_user_limit} 张")


async def _issue(session: AsyncSession, *, coupon_id: int) -> None:
    """Take one from the coupon's total (conditional update), or CouponSoldOut."""
    result = await session.execute(
        update(Coupon)
        .where(
            Coupon.id == coupon_id,
            Coupon.status == CouponStatus.ACTIVE,
            Coupon.claimed < Coupon.total,
        )
        .values(claimed=Coupon.claimed + 1)
    )
    if affected(result) != 1:
        raise CouponSoldOut()


def _validity(coupon: Coupon, now: datetime) -> tuple[datetime, datetime]:
    starts = coupon.valid_from if coupon.valid_from and coupon.valid_from > now else now
    ends: datetime | None = coupon.valid_until
    if coupon.valid_days is not None:
        by_days = starts + timedelta(days=coupon.valid_days)
        ends = by_days if ends is None else min(ends, by_days)
    if ends is None:  # refused by the schema; a row written by hand still gets an end
        ends = now + timedelta(days=30)
    return starts, ends


async def _claim(session: AsyncSession, *, coupon: Coupon, user_id: int) -> UserCouponOut:
    now = clock.now()
    if coupon.status != CouponStatus.ACTIVE:
        raise CouponNotClaimable("优惠券已暂停发放" if coupon.status == "paused" else "活动已结束")
    if coupon.valid_until is not None and coupon.valid_until <= now:
        raise CouponExpired()
    # The coupon's row first: every claim of it queues there, so the shopper's counter (whose
    # insert takes a shared lock on the coupon through its foreign key) never deadlocks.
    await _issue(session, coupon_id=coupon.id)
    await _count_for_shopper(session, coupon=coupon, user_id=user_id)
    starts, ends = _validity(coupon, now)
    held = UserCoupon(
        coupon_id=coupon.id,
        user_id=user_id,
        status=UserCouponStatus.USABLE,
        valid_from=starts,
        expires_at=ends,
        created_at=now,
    )
    session.add(held)
    await session.flush()
    return user_coupon_out(held, coupon)


async def claim(session: AsyncSession, *, user_id: int, coupon_id: int) -> UserCouponOut:
    """Claim one coupon. Never issues more than `total` nor more than `per_user_limit` to one
    shopper, however many claim at once: both counters move by conditional updates in this
    transaction, and any refusal rolls both back."""
    coupon = await session.get(Coupon, coupon_id)
    if coupon is None or coupon.by_code or coupon.new_user:
        raise CouponNotFound()
    return await _claim(session, coupon=coupon, user_id=user_id)


async def redeem(session: AsyncSession, *, user_id: int, code: str) -> UserCouponOut:
    """Redeem a 兑换码: the code is spent by a conditional update, once, for one claim."""
    row = await session.scalar(select(CouponCode).where(CouponCode.code == code.upper()))
    if row is None:
        raise CouponCodeInvalid()
    spent = await session.execute(
        update(CouponCode)
        .where(CouponCode.id == row.id, CouponCode.user_id.is_(None))
        .values(user_id=user_id, redeemed_at=clock.now())
    )
    if affected(spent) != 1:
        raise CouponCodeInvalid()
    coupon = await session.get(Coupon, row.coupon_id)
    if coupon is None:
        raise CouponCodeInvalid()
    return await _claim(session, coupon=coupon, user_id=user_id)


async def grant_new_user_coupons(session: AsyncSession, *, user_id: int) -> int:
    """On a shopper's first login: one of each running 新人专享券 (those sold out or over
    the limit are skipped); returns how many were granted."""
    coupons = (
        await session.scalars(
            select(Coupon).where(Coupon.new_user.is_(True), Coupon.status == CouponStatus.ACTIVE)
        )
    ).all()
    granted = 0
    for coupon in coupons:
        try:
            async with session.begin_nested():
                await _claim(session, coupon=coupon, user_id=user_id)
            granted += 1
        except (CouponSoldOut, CouponLimitReached, CouponExpired, CouponNotClaimable):
            continue
    return granted


async def my_coupons(
    session: AsyncSession, *, user_id: int, tab: UserCouponTab, page: int, page_size: int
) -> Page[UserCouponOut]:
    """可用 (usable, in date or not yet started), 已使用 (used; locked ones too, they belong to
    an unpaid order) and 已过期 (usable past their end, or of an ended coupon)."""
    now = clock.now()
    query = select(UserCoupon, Coupon).join(Coupon, Coupon.id == UserCoupon.coupon_id)
    query = query.where(UserCoupon.user_id == user_id)
    if tab == UserCouponTab.USABLE:
        query = query.where(
            UserCoupon.status == UserCouponStatus.USABLE,
            UserCoupon.expires_at > now,
            Coupon.status != CouponStatus.ENDED,
        ).order_by(UserCoupon.expires_at, UserCoupon.id)
    elif tab == UserCouponTab.USED:
        query = query.where(
            UserCoupon.status.in_([UserCouponStatus.USED, UserCouponStatus.LOCKED])
        ).order_by(UserCoupon.id.desc())
    else:
        query = query.where(
            UserCoupon.status == UserCouponStatus.USABLE,
            (UserCoupon.expires_at <= now) | (Coupon.status == CouponStatus.ENDED),
        ).order_by(UserCoupon.expires_at.desc(), UserCoupon.id.desc())
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = await session.execute(query.offset(offset_of(page, page_size)).limit(page_size))
    return Page(
        items=[user_coupon_out(held, coupon) for held, coupon in rows],
        total=int(total or 0),
        page=page,
        page_size=page_size,
    )
