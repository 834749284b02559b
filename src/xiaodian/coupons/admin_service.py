"""The merchant's coupons: create, edit, pause/resume/end, redeem codes and stats."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core.db import affected
from xiaodian.coupons.errors import CouponNotFound, CouponTotalBelowClaimed
from xiaodian.coupons.schemas import (
    AdminCouponOut,
    CodesOut,
    CouponIn,
    CouponPatch,
    CouponStats,
)
from xiaodian.coupons.service import terms_of
from xiaodian.coupons.words import CouponStatus, DiscountKind, UserCouponStatus
from xiaodian.models import Coupon, CouponCode, Order, OrderDiscount, UserCoupon

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed by hand
CODE_LENGTH = 10


def _admin_out(coupon: Coupon, used: int) -> AdminCouponOut:
    return AdminCouponOut(
        id=coupon.id,
        claimed_by_me=0,
        per_user_limit=coupon.per_user_limit,
        left=coupon.total - coupon.claimed,
        total=coupon.total,
        claimed=coupon.claimed,
        used=used,
        status=CouponStatus(coupon.status),
        new_user=coupon.new_user,
        by_code=coupon.by_code,
        created_at=coupon.created_at,
        **terms_of(coupon),
    )


async def _used_counts(session: AsyncSession, coupon_ids: list[int]) -> dict[int, int]:
    if not coupon_ids:
        return {}
    rows = await session.execute(
        select(UserCoupon.coupon_id, func.count(UserCoupon.id))
        .where(UserCoupon.coupon_id.in_(coupon_ids), UserCoupon.status == UserCouponStatus.USED)
        .group_by(UserCoupon.coupon_id)
    )
    return {coupon_id: int(count) for coupon_id, count in rows}


async def _coupon(session: AsyncSession, coupon_id: int) -> Coupon:
    coupon = await session.get(Coupon, coupon_id, populate_existing=True)
    if coupon is None:
        raise CouponNotFound()
    return coupon


async def create_coupon(session: AsyncSession, *, data: CouponIn) -> AdminCouponOut:
    coupon = Coupon(
        name=data.name,
        kind=data.kind,
        threshold_fen=data.threshold_fen,
        discount_fen=data.discount_fen if data.kind != "percent" else 0,
        percent_off=data.percent_off if data.kind == "percent" else 0,
        cap_fen=data.cap_fen if data.kind == "percent" else 0,
        scope_type=data.scope.type,
        scope_ids=sorted(set(data.scope.ids)),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        valid_days=data.valid_days,
        total=data.total,
        claimed=0,
        per_user_limit=data.per_user_limit,
        new_user=data.new_user,
        by_code=data.by_code,
        stacks_with_promotions=data.stacks_with_promotions,
        status=CouponStatus.ACTIVE,
    )
    session.add(coupon)
    await session.flush()
    return _admin_out(coupon, 0)


async def list_coupons(session: AsyncSession) -> list[AdminCouponOut]:
    coupons = (await session.scalars(select(Coupon).order_by(Coupon.id.desc()).limit(500))).all()
    used = await _used_counts(session, [coupon.id for coupon in coupons])
    return [_admin_out(coupon, used.get(coupon.id, 0)) for coupon in coupons]


async def get_coupon(session: AsyncSession, *, coupon_id: int) -> AdminCouponOut:
    coupon = await _coupon(session, coupon_id)
    return _admin_out(coupon, (await _used_counts(session, [coupon_id])).get(coupon_id, 0))


async def update_coupon(
    session: AsyncSession, *, coupon_id: int, patch: CouponPatch
) -> AdminCouponOut:
    """Edit a coupon; the total never drops below what was claimed (conditional update)."""
    await _coupon(session, coupon_id)
    changes = patch.model_dump(exclude_unset=True)
    if "total" in changes:
        result = await session.execute(
            update(Coupon)
            .where(Coupon.id == coupon_id, Coupon.claimed <= changes["total"])
            .values(total=changes["total"])
        )
        if affected(result) != 1:
            raise CouponTotalBelowClaimed(field="total")
        del changes["total"]
    if changes:
        await session.execute(update(Coupon).where(Coupon.id == coupon_id).values(**changes))
    return await get_coupon(session, coupon_id=coupon_id)


async def set_status(
    session: AsyncSession, *, coupon_id: int, status: CouponStatus
) -> AdminCouponOut:
    """Pause (claims stop), resume, or end (claims and use stop; an ended coupon stays so)."""
    await _coupon(session, coupon_id)
    query = update(Coupon).where(Coupon.id == coupon_id).values(status=status)
    if status != CouponStatus.ENDED:
        query = query.where(Coupon.status != CouponStatus.ENDED)
    await session.execute(query)
    return await get_coupon(session, coupon_id=coupon_id)


async def stats(session: AsyncSession, *, coupon_id: int) -> CouponStats:
    """Claimed, used, held by unpaid orders, discount given and the paid orders it drove."""
    coupon = await _coupon(session, coupon_id)
    used = (
        await session.execute(
            select(
                func.count(UserCoupon.id),
                func.coalesce(func.sum(UserCoupon.discount_fen), 0),
                func.coalesce(func.sum(Order.total_fen), 0),
            )
            .join(Order, Order.id == UserCoupon.order_id)
            .where(UserCoupon.coupon_id == coupon_id, UserCoupon.status == UserCouponStatus.USED)
        )
    ).one()
    locked = await session.scalar(
        select(func.count(UserCoupon.id)).where(
            UserCoupon.coupon_id == coupon_id, UserCoupon.status == UserCouponStatus.LOCKED
        )
    )
    return CouponStats(
        coupon_id=coupon.id,
        claimed=coupon.claimed,
        used=int(used[0]),
        locked=int(locked or 0),
        discount_given_fen=int(used[1]),
        orders=int(used[0]),
        sales_driven_fen=int(used[2]),
    )


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def generate_codes(session: AsyncSession, *, coupon_id: int, count: int) -> CodesOut:
    """`count` new 兑换码 for a code coupon; a clash with an existing code draws again."""
    await _coupon(session, coupon_id)
    codes: list[str] = []
    while len(codes) < count:
        code = _new_code()
        try:
            async with session.begin_nested():
                session.add(CouponCode(coupon_id=coupon_id, code=code))
                await session.flush()
            codes.append(code)
        except IntegrityError:
            continue
    return CodesOut(coupon_id=coupon_id, codes=codes)


async def all_codes(session: AsyncSession, *, coupon_id: int) -> list[tuple[str, bool]]:
    """Every code of a coupon and whether it was redeemed (the CSV download)."""
    await _coupon(session, coupon_id)
    rows = await session.execute(
        select(CouponCode.code, CouponCode.user_id.isnot(None))
        .where(CouponCode.coupon_id == coupon_id)
        .order_by(CouponCode.id)
    )
    return [(code, bool(redeemed)) for code, redeemed in rows]


async def discount_given(session: AsyncSession, *, kind: DiscountKind | None = None) -> int:
    """What promotions and coupons (or one `kind` of them) took off paid orders."""
    query = (
        select(func.coalesce(func.sum(OrderDiscount.amount_fen), 0))
        .join(Order, Order.id == OrderDiscount.order_id)
        .where(Order.paid_at.isnot(None))
    )
    if kind is not None:
        query = query.where(OrderDiscount.kind == kind)
    return int(await session.scalar(query) or 0)
