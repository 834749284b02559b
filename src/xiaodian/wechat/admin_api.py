"""Merchant routes: failed shipping uploads (with retry), subscribe templates, tracking."""

from __future__ import annotations

from fastapi import APIRouter

from xiaodian.auth.deps import CurrentAdmin, DetachedAdmin, OwnerAdmin
from xiaodian.core.errors import NotFound
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.models import Order
from xiaodian.wechat import shipping, subscriptions, tracking
from xiaodian.wechat.schemas import (
    ShippingFailureOut,
    ShippingStateOut,
    TemplateIn,
    TemplateOut,
    TrackingOut,
)
from xiaodian.wechat.vocabulary import SubscribeEvent

router = APIRouter(tags=["admin: wechat"])


@router.get("/wechat/shipping/failed")
async def failed_uploads(_admin: DetachedAdmin, context: ContextDep) -> list[ShippingFailureOut]:
    return [
        ShippingFailureOut.model_validate(row) for row in await shipping.failed_uploads(context)
    ]


@router.post("/wechat/shipping/{order_id}/retry")
async def retry_upload(
    order_id: IdPath, _admin: DetachedAdmin, context: ContextDep
) -> ShippingStateOut:
    status = await shipping.attempt(context, order_id=order_id)
    return ShippingStateOut(order_id=order_id, status=status)


def _template_out(row: object) -> TemplateOut:
    return TemplateOut.model_validate(row, from_attributes=True)


@router.get("/wechat/templates")
async def list_templates(_admin: CurrentAdmin, session: SessionDep) -> list[TemplateOut]:
    return [_template_out(row) for row in await subscriptions.templates(session)]


@router.put("/wechat/templates/{event}")
async def save_template(
    event: SubscribeEvent, body: TemplateIn, _owner: OwnerAdmin, session: SessionDep
) -> TemplateOut:
    row = await subscriptions.save_template(
        session,
        event=event,
        template_id=body.template_id,
        fields=body.fields,
        page=body.page,
        is_enabled=body.is_enabled,
    )
    return _template_out(row)


@router.get("/orders/{order_id}/tracking")
async def order_tracking(
    order_id: IdPath, _admin: DetachedAdmin, context: ContextDep
) -> TrackingOut:
    async with context.db.transaction(write=False) as session:
        order = await session.get(Order, order_id)
    if order is None:
        raise NotFound("订单不存在")
    return TrackingOut.model_validate(await tracking.timeline(context, order))
