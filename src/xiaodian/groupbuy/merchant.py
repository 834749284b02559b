"""The merchant's group-buy writes as the API and the console both run them: the permission
(管理营销), the write, and its operation-log entry (old → new) in the same transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.groupbuy import admin_service as service
from xiaodian.groupbuy.schemas import GroupBuyCreate, GroupBuyOut, GroupBuyPatch
from xiaodian.models import AdminUser
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action


async def create_campaign(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, data: GroupBuyCreate
) -> GroupBuyOut:
    require(admin, Permission.MARKETING)
    after = await service.create_campaign(session, data=data)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.GROUP_BUY_CREATE,
        target_type="group_buy",
        target_id=after.id,
        summary=after.goods.title,
        after=after,
    )
    return after


async def patch_campaign(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    campaign_id: int,
    patch: GroupBuyPatch,
) -> GroupBuyOut:
    require(admin, Permission.MARKETING)
    before = await service.get_campaign(session, campaign_id=campaign_id)
    after = await service.patch_campaign(session, campaign_id=campaign_id, patch=patch)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.GROUP_BUY_UPDATE,
        target_type="group_buy",
        target_id=campaign_id,
        summary=after.goods.title,
        before=before,
        after=after,
    )
    return after


async def end_campaign(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, campaign_id: int
) -> GroupBuyOut:
    require(admin, Permission.MARKETING)
    before = await service.get_campaign(session, campaign_id=campaign_id)
    after = await service.end_campaign(session, campaign_id=campaign_id)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.GROUP_BUY_END,
        target_type="group_buy",
        target_id=campaign_id,
        summary=after.goods.title,
        changes=[{"field": "status", "old": before.status, "new": after.status}],
    )
    return after
