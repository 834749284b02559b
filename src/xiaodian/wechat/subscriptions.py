"""Subscribe messages: the merchant maps events to templates; shoppers' one-time grants are
counted per (user, template) and one is spent per message; messages go out after the commit
(durable receivers), at most once per (event, order, shopper).

43101 (refused / unsubscribed) voids the shopper's grants for that template; 47003 (a value
broke the template's rules) is not retried. Both are logged once and counted; neither causes
a retry storm. Transport trouble gives the grant back and lets the outbox retry."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import affected, upsert
from xiaodian.integrations.wechat.platform import (
    TEMPLATE_PARAM_INVALID,
    USER_REFUSED,
    WeChatApiError,
    send_subscribe_message,
)
from xiaodian.models import (
    Order,
    OrderLine,
    SubscribeGrant,
    SubscribeMessage,
    SubscribeTemplate,
    User,
)
from xiaodian.wechat.client import platform_of
from xiaodian.wechat.vocabulary import GrantAnswer, MessageStatus, SubscribeEvent

log = logging.getLogger(__name__)

MESSAGES = Counter(
    "xiaodian_subscribe_messages", "Subscribe messages by event and outcome", ["event", "outcome"]
)

VALUE_LIMITS = {"thing": 20, "number": 32, "character_string": 32, "phrase": 5, "name": 10}
"""Characters allowed per value kind (the kind is the field name without its digits)."""

SOURCES = {
    "order_no": "订单号",
    "goods_title": "商品名称",
    "total": "订单金额",
    "status": "订单状态",
    "carrier": "快递公司",
    "tracking_no": "快递单号",
    "time": "时间",
    "note": "备注",
}
"""Values the merchant may put into a template's fields."""

ORDER_PAGE = "subpackages/order/detail/index"
STATUS_WORDS = {
    SubscribeEvent.PAID: "已支付",
    SubscribeEvent.SHIPPED: "已发货",
    SubscribeEvent.DELIVERING: "配送中",
    SubscribeEvent.DELIVERED: "已送达",
    SubscribeEvent.REFUND_RESULT: "退款已处理",
    SubscribeEvent.FLASH_STARTING: "秒杀开始",
    SubscribeEvent.RESTOCKED: "已到货",
}


ALREADY = "already"


class ConcurrentDelivery(RuntimeError):
    """Another process claimed the same message at the same moment (it sends it)."""


def fit_value(field: str, value: str) -> str:
    """Make a value obey its kind's rule: cut to length (with an ellipsis for `thing`),
    amounts as "¥12.34", times in 24-hour format; never empty."""
    kind = field.rstrip("0123456789")
    value = value.strip() or "-"
    limit = VALUE_LIMITS.get(kind)
    if kind == "character_string":
        value = "".join(ch for ch in value if ch.isascii() and ch.isprintable()) or "-"
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…" if kind == "thing" else value[:limit]
    return value


def yuan(fen: int) -> str:
    """An amount value: "¥12.34"."""
    return f"¥{fen // 100}.{fen % 100:02d}"


def shop_minute(moment: datetime | None) -> str:
    """A time value: "2026-12-01 09:42" in the shop's time zone (now if None)."""
    return clock.to_shop_time(moment or clock.now()).strftime("%Y-%m-%d %H:%M")


# ---- grants -------------------------------------------------------------------------------


def _count_grant(dialect: str, *, user_id: int, template_id: str, accepted: bool) -> Any:
    """One statement that creates the shopper's row for this template or adds to it: an upsert,
    so reports arriving at once never take gap locks on a missing row and deadlock (MariaDB did,
    answering 503 to most of 20 simultaneous reports)."""
    first = {
        "user_id": user_id,
        "template_id": template_id,
        "remaining": 1 if accepted else 0,
        "accepted_total": 1 if accepted else 0,
        "rejected_total": 0 if accepted else 1,
        "updated_at": clock.now(),
    }
    more: dict[str, Any] = (
        {
            "remaining": SubscribeGrant.remaining + 1,
            "accepted_total": SubscribeGrant.accepted_total + 1,
        }
        if accepted
        else {"rejected_total": SubscribeGrant.rejected_total + 1}
    )
    more["updated_at"] = clock.now()
    return upsert(dialect, SubscribeGrant, first, key=["user_id", "template_id"], update=more)


async def record_grants(
    session: AsyncSession, *, user_id: int, answers: Mapping[str, str]
) -> dict[str, int]:
    """Count what `wx.requestSubscribeMessage` answered: each "accept" is one more message we
    may send; returns the remaining grants per template."""
    dialect = session.get_bind().dialect.name
    remaining: dict[str, int] = {}
    for template_id, answer in sorted(answers.items()):
        accepted = answer == GrantAnswer.ACCEPT
        await session.execute(
            _count_grant(dialect, user_id=user_id, template_id=template_id, accepted=accepted)
        )
        remaining[template_id] = int(
            await session.scalar(
                select(SubscribeGrant.remaining).where(
                    SubscribeGrant.user_id == user_id, SubscribeGrant.template_id == template_id
                )
            )
            or 0
        )
    return remaining


async def grants_of(session: AsyncSession, *, user_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(SubscribeGrant.template_id, SubscribeGrant.remaining).where(
            SubscribeGrant.user_id == user_id
        )
    )
    return {template_id: int(count) for template_id, count in rows}


async def templates(session: AsyncSession) -> list[SubscribeTemplate]:
    return list(
        (await session.scalars(select(SubscribeTemplate).order_by(SubscribeTemplate.event))).all()
    )


async def save_template(
    session: AsyncSession,
    *,
    event: SubscribeEvent,
    template_id: str,
    fields: dict[str, str],
    page: str,
    is_enabled: bool,
) -> SubscribeTemplate:
    row = await session.scalar(select(SubscribeTemplate).where(SubscribeTemplate.event == event))
    if row is None:
        row = SubscribeTemplate(event=event)
        session.add(row)
    row.template_id = template_id
    row.fields = dict(fields)
    row.page = page
    row.is_enabled = is_enabled
    await session.flush()
    return row


# ---- sending ------------------------------------------------------------------------------


async def _order_values(session: AsyncSession, order: Order) -> dict[str, str]:
    first = await session.scalar(
        select(OrderLine.title)
        .where(OrderLine.order_id == order.id)
        .order_by(OrderLine.id)
        .limit(1)
    )
    title = first or "商品"
    if order.item_count > 1:
        title = f"{title}等{order.item_count}件"
    return {
        "order_no": order.order_no,
        "goods_title": title,
        "total": yuan(order.total_fen),
        "carrier": order.carrier or "",
        "tracking_no": order.tracking_no or "",
        "time": shop_minute(order.shipped_at or order.paid_at),
        "note": order.note,
    }


def render(
    template: SubscribeTemplate, values: Mapping[str, str], event: SubscribeEvent
) -> dict[str, str]:
    data: dict[str, str] = {}
    for field, source in (template.fields or {}).items():
        raw = (
            values.get("status") or STATUS_WORDS.get(event, "")
            if source == "status"
            else values.get(str(source), "")
        )
        data[str(field)] = fit_value(str(field), raw)
    return data


async def _claim(
    session: AsyncSession,
    *,
    event: SubscribeEvent,
    ref_id: int,
    user: User,
    template: SubscribeTemplate,
) -> int | str:
    """A message row claimed (unique per event/ref/shopper) and a grant spent: its id; or
    ALREADY when it was claimed before (sent, decided, or in flight elsewhere), or NO_GRANT
    when the shopper has no grant left (recorded as such)."""
    existing = await session.scalar(
        select(SubscribeMessage).where(
            SubscribeMessage.event == event,
            SubscribeMessage.ref_id == ref_id,
            SubscribeMessage.user_id == user.id,
        )
    )
    if existing is not None:
        return ALREADY  # sent (or decided) before: an outbox re-run sends nothing twice
    spent = await session.execute(
        update(SubscribeGrant)
        .where(
            SubscribeGrant.user_id == user.id,
            SubscribeGrant.template_id == template.template_id,
            SubscribeGrant.remaining > 0,
        )
        .values(remaining=SubscribeGrant.remaining - 1)
    )
    status = MessageStatus.SENDING if affected(spent) == 1 else MessageStatus.NO_GRANT
    message = SubscribeMessage(
        event=event,
        ref_id=ref_id,
        user_id=user.id,
        template_id=template.template_id,
        status=status,
    )
    try:
        async with session.begin_nested():
            session.add(message)
    except IntegrityError:
        raise ConcurrentDelivery("a concurrent delivery claimed this message") from None
    if status == MessageStatus.NO_GRANT:
        MESSAGES.labels(event=event, outcome=status).inc()
        return MessageStatus.NO_GRANT
    return message.id


async def _enabled_template(
    session: AsyncSession, event: SubscribeEvent
) -> SubscribeTemplate | None:
    return await session.scalar(
        select(SubscribeTemplate).where(
            SubscribeTemplate.event == event, SubscribeTemplate.is_enabled.is_(True)
        )
    )


async def _start(
    context: AppContext,
    *,
    event: SubscribeEvent,
    order_id: int,
    ref_id: int,
    status_text: str | None,
) -> tuple[SubscribeTemplate, str, dict[str, str], int, int] | None:
    """In one transaction: the template, the recipient, the values; a message row claimed
    (unique per event/order/shopper) and a grant spent. None when nothing is to be sent."""
    async with context.db.transaction() as session:
        template = await _enabled_template(session, event)
        order = await session.get(Order, order_id)
        if template is None or order is None:
            return None
        user = await session.get(User, order.user_id)
        if user is None:
            return None
        message_id = await _claim(session, event=event, ref_id=ref_id, user=user, template=template)
        if isinstance(message_id, str):
            return None
        values = await _order_values(session, order)
        if event == SubscribeEvent.DELIVERED:
            values["time"] = shop_minute(order.completed_at)
        if status_text is not None:
            values["status"] = status_text
        return template, user.openid, render(template, values, event), message_id, user.id


async def _finish(
    context: AppContext,
    *,
    message_id: int,
    user_id: int,
    template_id: str,
    status: str,
    error: str | None,
) -> None:
    async with context.db.transaction() as session:
        await session.execute(
            update(SubscribeMessage)
            .where(SubscribeMessage.id == message_id)
            .values(status=status, error=(error or None) and error[:255])
        )
        if status == MessageStatus.REFUSED:
            await session.execute(
                update(SubscribeGrant)
                .where(SubscribeGrant.user_id == user_id, SubscribeGrant.template_id == template_id)
                .values(remaining=0)
            )
        elif status == MessageStatus.INVALID:
            # WeChat sent nothing: the shopper's grant is still good
            await session.execute(
                update(SubscribeGrant)
                .where(SubscribeGrant.user_id == user_id, SubscribeGrant.template_id == template_id)
                .values(remaining=SubscribeGrant.remaining + 1)
            )


async def _give_back(
    context: AppContext, *, message_id: int, user_id: int, template_id: str
) -> None:
    """Transport trouble: forget the claim and return the grant, so the outbox's retry starts
    again from scratch."""
    async with context.db.transaction() as session:
        await session.execute(delete(SubscribeMessage).where(SubscribeMessage.id == message_id))
        await session.execute(
            update(SubscribeGrant)
            .where(SubscribeGrant.user_id == user_id, SubscribeGrant.template_id == template_id)
            .values(remaining=SubscribeGrant.remaining + 1)
        )


async def send_for_order(
    context: AppContext,
    *,
    event: SubscribeEvent,
    order_id: int,
    ref_id: int | None = None,
    status_text: str | None = None,
) -> str:
    """Send the event's message for an order if the merchant mapped a template and the
    shopper has a grant left; returns the outcome. At most one per (event, `ref_id`, shopper):
    `ref_id` is the order unless the event can happen more than once (a refund's id)."""
    started = await _start(
        context,
        event=event,
        order_id=order_id,
        ref_id=ref_id if ref_id is not None else order_id,
        status_text=status_text,
    )
    if started is None:
        return "skipped"
    template, openid, data, message_id, user_id = started
    return await _deliver(
        context,
        event=event,
        template=template,
        openid=openid,
        page=_page(template, event, order_id),
        data=data,
        message_id=message_id,
        user_id=user_id,
        about=f"order {order_id}",
    )


async def _deliver(
    context: AppContext,
    *,
    event: SubscribeEvent,
    template: SubscribeTemplate,
    openid: str,
    page: str,
    data: dict[str, str],
    message_id: int,
    user_id: int,
    about: str,
) -> str:
    """Send a claimed message and record the outcome (43101 / 47003 without a retry; transport
    trouble gives the grant back and raises, for the caller's retry)."""
    try:
        await send_subscribe_message(
            platform_of(context),
            openid=openid,
            template_id=template.template_id,
            page=page,
            data=data,
            state=context.settings.wechat_miniprogram_state,
        )
    except WeChatApiError as error:
        if error.errcode in (USER_REFUSED, TEMPLATE_PARAM_INVALID):
            status = (
                MessageStatus.REFUSED if error.errcode == USER_REFUSED else MessageStatus.INVALID
            )
            MESSAGES.labels(event=event, outcome=status).inc()
            log.warning(
                "subscribe message %s for %s not sent (%s): %s",
                event,
                about,
                error.errcode,
                error.errmsg,
            )
            await _finish(
                context,
                message_id=message_id,
                user_id=user_id,
                template_id=template.template_id,
                status=status,
                error=f"{error.errcode} {error.errmsg}",
            )
            return status
        await _give_back(
            context, message_id=message_id, user_id=user_id, template_id=template.template_id
        )
        MESSAGES.labels(event=event, outcome="retry").inc()
        raise
    except Exception:
        await _give_back(
            context, message_id=message_id, user_id=user_id, template_id=template.template_id
        )
        MESSAGES.labels(event=event, outcome="retry").inc()
        raise
    await _finish(
        context,
        message_id=message_id,
        user_id=user_id,
        template_id=template.template_id,
        status=MessageStatus.SENT,
        error=None,
    )
    MESSAGES.labels(event=event, outcome=MessageStatus.SENT).inc()
    return MessageStatus.SENT


async def send_to_shopper(
    context: AppContext,
    *,
    event: SubscribeEvent,
    user_id: int,
    ref_id: int,
    values: Mapping[str, str],
    page: str,
    query: str = "",
) -> str:
    """Send a message that is not about an order (a flash sale starting, 到货提醒): at most one
    per (event, `ref_id`, shopper), a grant spent; `page?query` is opened from the message
    (the template's own page, when the merchant set one, with the same query). Returns the
    outcome: "sent", "no_grant", "refused",
    "invalid", "skipped" (no template mapped) or ALREADY (claimed before, maybe by another
    process still sending it)."""
    async with context.db.transaction() as session:
        template = await _enabled_template(session, event)
        user = await session.get(User, user_id)
        if template is None or user is None:
            return "skipped"
        message_id = await _claim(session, event=event, ref_id=ref_id, user=user, template=template)
        if isinstance(message_id, str):
            return message_id
        openid = user.openid
    return await _deliver(
        context,
        event=event,
        template=template,
        openid=openid,
        page=f"{template.page or page}?{query}" if query else template.page or page,
        data=render(template, values, event),
        message_id=message_id,
        user_id=user_id,
        about=f"{event} {ref_id}",
    )


def _page(template: SubscribeTemplate, event: SubscribeEvent, order_id: int) -> str:
    page = template.page or ORDER_PAGE
    return f"{page}?orderId={order_id}"


async def on_paid(context: AppContext, event: Any) -> None:
    """Durable receiver of `OrderPaid`."""
    await send_for_order(context, event=SubscribeEvent.PAID, order_id=int(event.order_id))


async def on_shipped(context: AppContext, event: Any) -> None:
    """Durable receiver of `OrderShipped`."""
    await send_for_order(context, event=SubscribeEvent.SHIPPED, order_id=int(event.order_id))


async def on_refund_settled(context: AppContext, event: Any) -> None:
    """Durable receiver of `RefundSettled`."""
    await send_for_order(
        context,
        event=SubscribeEvent.REFUND_RESULT,
        order_id=int(event.order_id),
        ref_id=int(event.refund_id),
        status_text="退款成功",
    )


async def on_refund_rejected(context: AppContext, event: Any) -> None:
    """Durable receiver of `RefundRejected`."""
    await send_for_order(
        context,
        event=SubscribeEvent.REFUND_RESULT,
        order_id=int(event.order_id),
        ref_id=int(event.refund_id),
        status_text="退款未通过",
    )


async def on_group_filled(context: AppContext, event: Any) -> None:
    """Durable receiver of `GroupFilled`: every member hears the group is complete."""
    for order_id in event.order_ids:
        await send_for_order(context, event=SubscribeEvent.GROUP_FILLED, order_id=int(order_id))


async def on_group_failed(context: AppContext, event: Any) -> None:
    """Durable receiver of `GroupFailed`: every refunded member hears why."""
    for order_id in event.refunded_order_ids:
        await send_for_order(
            context,
            event=SubscribeEvent.GROUP_FAILED,
            order_id=int(order_id),
            status_text="拼团失败，已退款",
        )
