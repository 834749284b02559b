"""Merchant routes: failed shipping uploads (with retry), subscribe templates, tracking."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from xiaodian.auth.deps import CurrentAdmin, DetachedAdmin, OwnerAdmin, permitted
from xiaodian.auth.permissions import Permission
from xiaodian.core.errors import NotFound
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.models import AdminUser, Order
from xiaodian.oplog.service import ApiOrigin
from xiaodian.wechat import merchant, shipping, subscriptions, tracking
from xiaodian.wechat.schemas import (
    ShippingFailureOut,
    ShippingStateOut,
    TemplateIn,
    TemplateOut,
    TrackingOut,
)
from xiaodian.wechat.vocabulary import SubscribeEvent

router = APIRouter(tags=["admin: wechat"])
DetachedShipAdmin = Annotated[AdminUser, Depends(permitted(Permission.SHIP, detached=True))]


@router.get("/wechat/shipping/failed")
async def failed_uploads(_admin: DetachedAdmin, context: ContextDep) -> list[ShippingFailureOut]:
    return [
        ShippingFailureOut.model_validate(row) for row in await shipping.failed_uploads(context)
    ]


@router.post("/wechat/shipping/{order_id}/retry")
async def retry_upload(
    order_id: IdPath, admin: DetachedShipAdmin, origin: ApiOrigin, context: ContextDep
) -> ShippingStateOut:
    """Upload a failed order's shipping info again (发货 permission; logged)."""
    status = await merchant.retry_upload(context, admin=admin, origin=origin, order_id=order_id)
    return ShippingStateOut(order_id=order_id, status=status)


@router.get("/wechat/templates")
async def list_templates(_admin: CurrentAdmin, session: SessionDep) -> list[TemplateOut]:
    return [merchant.template_out(row) for row in await subscriptions.templates(session)]


@router.put("/wechat/templates/{event}")
async def save_template(
    event: SubscribeEvent,
    body: TemplateIn,
    owner: OwnerAdmin,
    origin: ApiOrigin,
    session: SessionDep,
) -> TemplateOut:
    return await merchant.save_template(session, admin=owner, origin=origin, event=event, body=body)


@router.get("/orders/{order_id}/tracking")
async def order_tracking(
    order_id: IdPath, _admin: DetachedAdmin, context: ContextDep
) -> TrackingOut:
    async with context.db.transaction(write=False) as session:
        order = await session.get(Order, order_id)
    if order is None:
        raise NotFound("订单不存在")
    return TrackingOut.model_validate(await tracking.timeline(context, order))
