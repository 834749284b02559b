"""The shop's settings: everyone on the team reads them, the owner changes them."""

from __future__ import annotations

from fastapi import APIRouter

from xiaodian.auth.deps import CurrentAdmin, OwnerAdmin
from xiaodian.deps import ContextDep, SessionDep
from xiaodian.oplog.service import ApiOrigin
from xiaodian.shop import merchant, service
from xiaodian.shop.schemas import ShopSettingsOut, ShopSettingsPatch

router = APIRouter(tags=["admin: shop"])


@router.get("/shop")
async def get_shop(
    _admin: CurrentAdmin, session: SessionDep, context: ContextDep
) -> ShopSettingsOut:
    return service.to_out(await service.current_settings(session, defaults=context.settings))


@router.patch("/shop")
async def update_shop(
    body: ShopSettingsPatch,
    owner: OwnerAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> ShopSettingsOut:
    return await merchant.update_settings(
        session, admin=owner, origin=origin, defaults=context.settings, patch=body
    )
