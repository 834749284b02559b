"""The merchant's flash-sale writes as the API and the console both run them: the permission
(管理营销), the write, and its operation-log entry (old → new) in the same transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.flash import service
from xiaodian.flash.schemas import FlashSessionAdmin, FlashSessionCreate, FlashSessionPatch
from xiaodian.models import AdminUser
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action


async def create_session(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, data: FlashSessionCreate
) -> FlashSessionAdmin:
    require(admin, Permission.MARKETING)
    flash = await service.create_session(session, data=data)
    after = await service.admin_view(session, session_id=flash.id)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.FLASH_CREATE,
        target_type="flash_session",
        target_id=flash.id,
        summary=after.title,
        after=after,
    )
    return after


async def update_session(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    session_id: int,
    data: FlashSessionPatch,
) -> FlashSessionAdmin:
    require(admin, Permission.MARKETING)
    before = await service.admin_view(session, session_id=session_id)
    await service.update_session(session, session_id=session_id, data=data)
    after = await service.admin_view(session, session_id=session_id)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.FLASH_UPDATE,
        target_type="flash_session",
        target_id=session_id,
        summary=after.title,
        before=before,
        after=after,
    )
    return after


async def end_session(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, session_id: int
) -> bool:
    """True if this call ended it (False: it had ended already, nothing is logged)."""
    require(admin, Permission.MARKETING)
    ended = await service.end_session(session, session_id=session_id)
    if ended:
        await oplog.record(
            session,
            admin=admin,
            origin=origin,
            action=Action.FLASH_END,
            target_type="flash_session",
            target_id=session_id,
            summary="结束秒杀，剩余库存退回",
        )
    return ended
