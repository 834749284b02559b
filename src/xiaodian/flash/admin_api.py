"""Merchant flash-sale routes: create, read, change and end sessions."""

from __future__ import annotations

from fastapi import APIRouter

from xiaodian.auth.deps import CurrentAdmin
from xiaodian.deps import IdPath, SessionDep
from xiaodian.flash import merchant, service
from xiaodian.flash.schemas import (
    FlashSessionAdmin,
    FlashSessionCreate,
    FlashSessionCreated,
    FlashSessionPatch,
)
from xiaodian.oplog.service import ApiOrigin

router = APIRouter(tags=["admin: flash sales"])


@router.get("/flash-sales")
async def list_sessions(_admin: CurrentAdmin, session: SessionDep) -> list[FlashSessionAdmin]:
    return await service.list_admin(session)


@router.post("/flash-sales", status_code=201)
async def create_session(
    body: FlashSessionCreate, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep
) -> FlashSessionCreated:
    view = await merchant.create_session(session, admin=admin, origin=origin, data=body)
    return FlashSessionCreated(id=view.id, item_ids=[item.id for item in view.items], session=view)


@router.get("/flash-sales/{session_id}")
async def get_session(
    session_id: IdPath, _admin: CurrentAdmin, session: SessionDep
) -> FlashSessionAdmin:
    return await service.admin_view(session, session_id=session_id)


@router.patch("/flash-sales/{session_id}")
async def update_session(
    session_id: IdPath,
    body: FlashSessionPatch,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
) -> FlashSessionAdmin:
    return await merchant.update_session(
        session, admin=admin, origin=origin, session_id=session_id, data=body
    )


@router.post("/flash-sales/{session_id}/end")
async def end_session(
    session_id: IdPath, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep
) -> FlashSessionAdmin:
    await merchant.end_session(session, admin=admin, origin=origin, session_id=session_id)
    return await service.admin_view(session, session_id=session_id)
