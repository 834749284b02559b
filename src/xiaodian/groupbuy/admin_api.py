"""Merchant routes: campaigns (create, list, read, change, end) and their groups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xiaodian.auth.deps import CurrentAdmin, MarketingAdmin
from xiaodian.deps import IdPath, SessionDep
from xiaodian.groupbuy import admin_service as service
from xiaodian.groupbuy.schemas import AdminGroupOut, GroupBuyCreate, GroupBuyOut, GroupBuyPatch
from xiaodian.groupbuy.vocabulary import GroupStatus

router = APIRouter(tags=["admin: group buying"])


@router.post("/group-buys", status_code=201)
async def create(body: GroupBuyCreate, _admin: MarketingAdmin, session: SessionDep) -> GroupBuyOut:
    return await service.create_campaign(session, data=body)


@router.get("/group-buys")
async def list_campaigns(_admin: CurrentAdmin, session: SessionDep) -> list[GroupBuyOut]:
    return await service.list_campaigns(session)


@router.get("/group-buys/{campaign_id}")
async def get(campaign_id: IdPath, _admin: CurrentAdmin, session: SessionDep) -> GroupBuyOut:
    return await service.get_campaign(session, campaign_id=campaign_id)


@router.patch("/group-buys/{campaign_id}")
async def patch(
    campaign_id: IdPath, body: GroupBuyPatch, _admin: MarketingAdmin, session: SessionDep
) -> GroupBuyOut:
    return await service.patch_campaign(session, campaign_id=campaign_id, patch=body)


@router.post("/group-buys/{campaign_id}/end")
async def end(campaign_id: IdPath, _admin: MarketingAdmin, session: SessionDep) -> GroupBuyOut:
    return await service.end_campaign(session, campaign_id=campaign_id)


@router.get("/group-buys/{campaign_id}/groups")
async def groups(
    campaign_id: IdPath,
    _admin: CurrentAdmin,
    session: SessionDep,
    status: Annotated[GroupStatus | None, Query()] = None,
) -> list[AdminGroupOut]:
    return await service.campaign_groups(session, campaign_id=campaign_id, status=status)
