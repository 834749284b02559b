"""Merchant flash-sale routes: create, read, change and end sessions."""

from __future__ import annotations

from fastapi import APIRouter

from xiaodian.auth.deps import CurrentAdmin, MarketingAdmin
from xiaodian.deps import IdPath, SessionDep
from xiaodian.flash import service
from xiaodian.flash.schemas import (
    FlashSessionAdmin,
    FlashSessionCreate,
    FlashSessionCreated,
    FlashSessionPatch,
)

router = APIRouter(tags=["admin: flash sales"])


@router.get("/flash-sales")
async def list_sessions(_admin: CurrentAdmin, session: SessionDep) -> list[FlashSessionAdmin]:
    return await service.list_admin(session)


@router.post("/flash-sales", status_code=201)
async def create_session(
    body: FlashSessionCreate, _admin: MarketingAdmin, session: SessionDep
) -> FlashSessionCreated:
    flash = await service.create_session(session, data=body)
    view = await service.admin_view(session, session_id=flash.id)
    return FlashSessionCreated(id=flash.id, item_ids=[item.id for item in view.items], session=view)


@router.get("/flash-sales/{session_id}")
async def get_session(
    session_id: IdPath, _admin: CurrentAdmin, session: SessionDep
) -> FlashSessionAdmin:
    return await service.admin_view(session, session_id=session_id)


@router.patch("/flash-sales/{session_id}")
async def update_session(
    session_id: IdPath, body: FlashSessionPatch, _admin: MarketingAdmin, session: SessionDep
) -> FlashSessionAdmin:
    await service.update_session(session, session_id=session_id, data=body)
    return await service.admin_view(session, session_id=session_id)


@router.post("/flash-sales/{session_id}/end")
async def end_session(
    session_id: IdPath, _admin: MarketingAdmin, session: SessionDep
) -> FlashSessionAdmin:
    await service.end_session(session, session_id=session_id)
    return await service.admin_view(session, session_id=session_id)
