"""The merchant's WeChat-platform writes as the API and the console both run them: who may
(重新上传 needs 发货; the templates are the owner's, checked by the callers' dependency) and an
operation-log entry with old → new."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.context import AppContext
from xiaodian.models import AdminUser, Order, WechatShipping
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action
from xiaodian.wechat import shipping, subscriptions
from xiaodian.wechat.errors import ShippingNotFound
from xiaodian.wechat.schemas import TemplateIn, TemplateOut
from xiaodian.wechat.vocabulary import SubscribeEvent


async def retry_upload(
    context: AppContext, *, admin: AdminUser, origin: Origin, order_id: int
) -> str:
    """One more upload of the order's shipping info to WeChat (no transaction is open over the
    call); the attempt and its outcome are logged once it is known."""
    require(admin, Permission.SHIP)
    async with context.db.transaction(write=False) as session:
        found = (
            await session.execute(
                select(WechatShipping.status, WechatShipping.attempts, Order.order_no)
                .join(Order, Order.id == WechatShipping.order_id)
                .where(WechatShipping.order_id == order_id)
            )
        ).first()
    if found is None:
        raise ShippingNotFound()
    status = await shipping.attempt(context, order_id=order_id)
    async with context.db.transaction() as session:
        error = await session.scalar(
            select(WechatShipping.last_error).where(WechatShipping.order_id == order_id)
        )
        await oplog.record(
            session,
            admin=admin,
            origin=origin,
            action=Action.WECHAT_SHIPPING_RETRY,
            target_type="order",
            target_id=found.order_no,
            summary="发货信息已上传" if error is None else f"仍未成功：{error}",
            changes=[{"field": "status", "old": found.status, "new": status}],
        )
    return status


def template_out(row: object) -> TemplateOut:
    return TemplateOut.model_validate(row, from_attributes=True)


async def save_template(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    event: SubscribeEvent,
    body: TemplateIn,
) -> TemplateOut:
    """Map a subscribe-message template to `event`, logged field by field (old → new)."""
    saved = {row.event: template_out(row) for row in await subscriptions.templates(session)}
    before = saved.get(event)
    row = await subscriptions.save_template(
        session,
        event=event,
        template_id=body.template_id,
        fields=body.fields,
        page=body.page,
        is_enabled=body.is_enabled,
    )
    after = template_out(row)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.WECHAT_TEMPLATE,
        target_type="subscribe_template",
        target_id=event,
        summary=f"{event}: {after.template_id}",
        before=before.model_dump(exclude={"event"}) if before is not None else None,
        after=after.model_dump(exclude={"event"}),
    )
    return after
