"""Shopper coupon routes: claimable coupons, claim, redeem a code, 我的优惠券."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from xiaodian.auth.deps import CurrentUser, DetachedUser, bearer_token, user_from_request
from xiaodian.core.pagination import Page, PageNumber, PageSize
from xiaodian.core.types import Id
from xiaodian.coupons import service
from xiaodian.coupons.schemas import CouponOut, RedeemIn, UserCouponOut
from xiaodian.coupons.words import UserCouponTab
from xiaodian.deps import IdPath, SessionDep, rate_limit

router = APIRouter(tags=["coupons"])


async def _by_shopper(user: DetachedUser) -> str:
    return f"user:{user.id}"


# One allowance for claims and code redemptions together: guessing codes is what it stops.
_CLAIMS = [
    rate_limit(
        "coupons:shopper",
        lambda settings: settings.coupon_claim_rate_per_shopper,
        key=_by_shopper,
        message="领券太频繁，请稍后再试",
    )
]


@router.get("/coupons")
async def claimable(
    request: Request,
    session: SessionDep,
    goods_id: Annotated[Id | None, Query()] = None,
) -> list[CouponOut]:
    """Anyone may look; with a token, `claimed_by_me` counts the caller's claims."""
    user = await user_from_request(session, request) if bearer_token(request) else None
    return await service.claimable(session, user_id=user.id if user else None, goods_id=goods_id)


@router.post("/coupons/redeem", status_code=201, dependencies=_CLAIMS)
async def redeem(body: RedeemIn, user: CurrentUser, session: SessionDep) -> UserCouponOut:
    return await service.redeem(session, user_id=user.id, code=body.code)


@router.post("/coupons/{coupon_id}/claim", status_code=201, dependencies=_CLAIMS)
async def claim(coupon_id: IdPath, user: CurrentUser, session: SessionDep) -> UserCouponOut:
    return await service.claim(session, user_id=user.id, coupon_id=coupon_id)


@router.get("/me/coupons")
async def my_coupons(
    user: CurrentUser,
    session: SessionDep,
    status: Annotated[UserCouponTab, Query()] = UserCouponTab.USABLE,
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[PageSize, Query()] = 20,
) -> Page[UserCouponOut]:
    return await service.my_coupons(
        session, user_id=user.id, tab=status, page=page, page_size=page_size
    )
