"""Shopper routes: subscribe grants, share codes, express tracking."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from xiaodian.auth.deps import CurrentUser, DetachedUser
from xiaodian.core.errors import NotFound
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.models import Order
from xiaodian.wechat import sharecode, subscriptions, tracking
from xiaodian.wechat.schemas import GrantsIn, GrantsOut, TrackingOut

router = APIRouter(tags=["wechat"])
SHARE_CODE_MAX_AGE = 7 * 86400


async def _grants(session: SessionDep, user_id: int) -> GrantsOut:
    return GrantsOut(
        grants=await subscriptions.grants_of(session, user_id=user_id),
        templates={
            row.event: row.template_id
            for row in await subscriptions.templates(session)
            if row.is_enabled
        },
    )


@router.get("/me/subscriptions")
async def my_subscriptions(user: CurrentUser, session: SessionDep) -> GrantsOut:
    return await _grants(session, user.id)


@router.post("/me/subscriptions")
async def report_grants(body: GrantsIn, user: CurrentUser, session: SessionDep) -> GrantsOut:
    await subscriptions.record_grants(session, user_id=user.id, answers=body.root)
    return await _grants(session, user.id)


@router.get("/share-codes/{kind}/{target_id}", response_class=FileResponse)
async def share_code(
    kind: sharecode.ShareKind, target_id: IdPath, _user: DetachedUser, context: ContextDep
) -> FileResponse:
    path = await sharecode.share_code(context, kind=kind, target_id=target_id)
    return FileResponse(
        path,
        media_type="image/png",
        headers={"Cache-Control": f"private, max-age={SHARE_CODE_MAX_AGE}, immutable"},
    )


@router.get("/orders/{order_id}/tracking")
async def order_tracking(order_id: IdPath, user: DetachedUser, context: ContextDep) -> TrackingOut:
    async with context.db.transaction(write=False) as session:
        order = await session.get(Order, order_id)
    if order is None or order.user_id != user.id:
        raise NotFound("订单不存在")
    return TrackingOut.model_validate(await tracking.timeline(context, order))
