"""The merchant's coupon and 满减 writes as the API and the console both run them: the
permission (管理营销), the write, and its operation-log entry (old → new) in the same
transaction. Generated redemption codes are logged by count, never by value."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.coupons import admin_service as coupons
from xiaodian.coupons import promotions
from xiaodian.coupons.schemas import (
    AdminCouponOut,
    CodesOut,
    CouponIn,
    CouponPatch,
    PromotionIn,
    PromotionOut,
    PromotionPatch,
)
from xiaodian.coupons.words import CouponStatus
from xiaodian.models import AdminUser
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action


async def create_coupon(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, data: CouponIn
) -> AdminCouponOut:
    require(admin, Permission.MARKETING)
    after = await coupons.create_coupon(session, data=data)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.COUPON_CREATE,
        target_type="coupon",
        target_id=after.id,
        summary=after.name,
        after=after,
    )
    return after


async def update_coupon(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, coupon_id: int, patch: CouponPatch
) -> AdminCouponOut:
    require(admin, Permission.MARKETING)
    before = await coupons.get_coupon(session, coupon_id=coupon_id)
    after = await coupons.update_coupon(session, coupon_id=coupon_id, patch=patch)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.COUPON_UPDATE,
        target_type="coupon",
        target_id=coupon_id,
        summary=after.name,
        before=before,
        after=after,
    )
    return after


async def set_coupon_status(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    coupon_id: int,
    status: CouponStatus,
) -> AdminCouponOut:
    require(admin, Permission.MARKETING)
    before = await coupons.get_coupon(session, coupon_id=coupon_id)
    after = await coupons.set_status(session, coupon_id=coupon_id, status=status)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.COUPON_STATUS,
        target_type="coupon",
        target_id=coupon_id,
        summary=after.name,
        changes=[{"field": "status", "old": before.status, "new": after.status}],
    )
    return after


async def generate_codes(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, coupon_id: int, count: int
) -> CodesOut:
    require(admin, Permission.MARKETING)
    made = await coupons.generate_codes(session, coupon_id=coupon_id, count=count)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.COUPON_CODES,
        target_type="coupon",
        target_id=coupon_id,
        summary=f"生成 {len(made.codes)} 个兑换码",
    )
    return made


async def create_promotion(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, data: PromotionIn
) -> PromotionOut:
    require(admin, Permission.MARKETING)
    after = await promotions.create_promotion(session, data=data)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.PROMOTION_CREATE,
        target_type="promotion",
        target_id=after.id,
        summary=after.name,
        after=after,
    )
    return after


async def update_promotion(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    promotion_id: int,
    patch: PromotionPatch,
) -> PromotionOut:
    require(admin, Permission.MARKETING)
    before = await promotions.get_promotion(session, promotion_id=promotion_id)
    after = await promotions.update_promotion(session, promotion_id=promotion_id, patch=patch)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.PROMOTION_UPDATE,
        target_type="promotion",
        target_id=promotion_id,
        summary=after.name,
        before=before,
        after=after,
    )
    return after
