"""Merchant coupon and 满减 routes."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter
from fastapi.responses import Response

from xiaodian.auth.deps import CurrentAdmin, MarketingAdmin
from xiaodian.core.responses import CSVResponse
from xiaodian.coupons import admin_service as service
from xiaodian.coupons import merchant, promotions
from xiaodian.coupons.schemas import (
    AdminCouponOut,
    CodesIn,
    CodesOut,
    CouponIn,
    CouponPatch,
    CouponStats,
    PromotionIn,
    PromotionOut,
    PromotionPatch,
)
from xiaodian.coupons.words import CouponStatus
from xiaodian.deps import IdPath, SessionDep
from xiaodian.oplog.service import ApiOrigin

router = APIRouter(tags=["admin: coupons"])


@router.post("/coupons", status_code=201)
async def create_coupon(
    body: CouponIn, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep
) -> AdminCouponOut:
    return await merchant.create_coupon(session, admin=admin, origin=origin, data=body)


@router.get("/coupons")
async def list_coupons(_admin: CurrentAdmin, session: SessionDep) -> list[AdminCouponOut]:
    return await service.list_coupons(session)


@router.get("/coupons/{coupon_id}")
async def get_coupon(
    coupon_id: IdPath, _admin: CurrentAdmin, session: SessionDep
) -> AdminCouponOut:
    return await service.get_coupon(session, coupon_id=coupon_id)


@router.patch("/coupons/{coupon_id}")
async def update_coupon(
    coupon_id: IdPath,
    body: CouponPatch,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
) -> AdminCouponOut:
    return await merchant.update_coupon(
        session, admin=admin, origin=origin, coupon_id=coupon_id, patch=body
    )


@router.post("/coupons/{coupon_id}/pause")
async def pause(
    coupon_id: IdPath, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep
) -> AdminCouponOut:
    return await merchant.set_coupon_status(
        session, admin=admin, origin=origin, coupon_id=coupon_id, status=CouponStatus.PAUSED
    )


@router.post("/coupons/{coupon_id}/resume")
async def resume(
    coupon_id: IdPath, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep
) -> AdminCouponOut:
    return await merchant.set_coupon_status(
        session, admin=admin, origin=origin, coupon_id=coupon_id, status=CouponStatus.ACTIVE
    )


@router.post("/coupons/{coupon_id}/end")
async def end(
    coupon_id: IdPath, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep
) -> AdminCouponOut:
    return await merchant.set_coupon_status(
        session, admin=admin, origin=origin, coupon_id=coupon_id, status=CouponStatus.ENDED
    )


@router.get("/coupons/{coupon_id}/stats")
async def stats(coupon_id: IdPath, _admin: CurrentAdmin, session: SessionDep) -> CouponStats:
    return await service.stats(session, coupon_id=coupon_id)


@router.post("/coupons/{coupon_id}/codes", status_code=201)
async def generate_codes(
    coupon_id: IdPath, body: CodesIn, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep
) -> CodesOut:
    return await merchant.generate_codes(
        session, admin=admin, origin=origin, coupon_id=coupon_id, count=body.count
    )


@router.get("/coupons/{coupon_id}/codes.csv", response_class=CSVResponse)
async def codes_csv(coupon_id: IdPath, _admin: MarketingAdmin, session: SessionDep) -> Response:
    rows = await service.all_codes(session, coupon_id=coupon_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["code", "redeemed"])
    writer.writerows((code, "yes" if redeemed else "no") for code, redeemed in rows)
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="coupon-{coupon_id}-codes.csv"'},
    )


@router.post("/promotions", status_code=201)
async def create_promotion(
    body: PromotionIn, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep
) -> PromotionOut:
    return await merchant.create_promotion(session, admin=admin, origin=origin, data=body)


@router.get("/promotions")
async def list_promotions(_admin: CurrentAdmin, session: SessionDep) -> list[PromotionOut]:
    return await promotions.list_promotions(session)


@router.patch("/promotions/{promotion_id}")
async def update_promotion(
    promotion_id: IdPath,
    body: PromotionPatch,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
) -> PromotionOut:
    return await merchant.update_promotion(
        session, admin=admin, origin=origin, promotion_id=promotion_id, patch=body
    )
