"""Merchant routes: campaigns (create, list, read, change, end) and their groups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xiaodian.auth.deps import CurrentAdmin, MarketingAdmin
from xiaodian.deps import IdPath, SessionDep
from xiaodian.groupbuy import admin_service as service
from xiaodian.groupbuy import merchant
from xiaodian.groupbuy.schemas import AdminGroupOut, GroupBuyCreate, GroupBuyOut, GroupBuyPatch
from xiaodian.groupbuy.vocabulary import GroupStatus
from xiaodian.oplog.service import ApiOrigin

router = APIRouter(tags=["admin: group buying"])


@router.post("/group-buys", status_code=201)
async def create(
    body: GroupBuyCreate, admin: MarketingAdmin, origin: ApiOrigin, session: SessionDep
) -> GroupBuyOut:
    return await merchant.create_campaign(session, admin=admin, origin=origin, data=body)


@router.get("/group-buys")
async def list_campaigns(_admin: CurrentAdmin, session: SessionDep) -> list[GroupBuyOut]:
    return await service.list_campaigns(session)


@router.get("/group-buys/{campaign_id}")
async def get(campaign_id: IdPath, _admin: CurrentAdmin, session: SessionDep) -> GroupBuyOut:
    return await service.get_campaign(session, campaign_id=campaign_id)


@router.patch("/group-buys/{campaign_id}")
async def patch(
    campaign_id: IdPath,
    body: GroupBuyPatch,
    admin: MarketingAdmin,
    origin: ApiOrigin,
    session: SessionDep,
) -> GroupBuyOut:
    return await merchant.patch_campaign(
        session, admin=admin, origin=origin, campaign_id=campaign_id, patch=body
    )


@router.post("/group-buys/{campaign_id}/end")
async def end(
    campaign_id: IdPath, admin: MarketingAdmin, origin: ApiOrigin, session: SessionDep
) -> GroupBuyOut:
    return await merchant.end_campaign(session, admin=admin, origin=origin, campaign_id=campaign_id)


@router.get("/group-buys/{campaign_id}/groups")
async def groups(
    campaign_id: IdPath,
    _admin: CurrentAdmin,
    session: SessionDep,
    status: Annotated[GroupStatus | None, Query()] = None,
) -> list[AdminGroupOut]:
    return await service.campaign_groups(session, campaign_id=campaign_id, status=status)
