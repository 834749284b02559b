"""The merchant's orders: find, read with timeline, ship, close unpaid ones."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog.queries import like_pattern
from xiaodian.config import Settings
from xiaodian.core.actors import Actor
from xiaodian.core.pagination import Page, offset_of
from xiaodian.models import Order, OrderLine, Sku, User, WechatShipping
from xiaodian.orders import actions, service
from xiaodian.orders.errors import OrderNotPending
from xiaodian.orders.schemas import AdminOrderOut, AdminOrderQuery, ShipIn
from xiaodian.orders.views import TAB_STATUSES, WITH_LINES, orders_out
from xiaodian.shop.service import current_settings


async def _admin_out(session: AsyncSession, orders: list[Order]) -> list[AdminOrderOut]:
    users = (
        dict(
            (
                await session.execute(
                    select(User.id, User.nickname).where(
                        User.id.in_({order.user_id for order in orders})
                    )
                )
            ).all()
        )
        if orders
        else {}
    )
    uploads = (
        {
            order_id: (status, error)
            for order_id, status, error in await session.execute(
                select(
                    WechatShipping.order_id, WechatShipping.status, WechatShipping.last_error
                ).where(WechatShipping.order_id.in_([order.id for order in orders]))
            )
        }
        if orders
        else {}
    )
    return [
        AdminOrderOut(
            **out.model_dump(),
            user_id=order.user_id,
            user_nickname=users.get(order.user_id, ""),
            wechat_shipping_status=uploads.get(order.id, (None, None))[0],
            wechat_shipping_error=uploads.get(order.id, (None, None))[1],
        )
        for order, out in zip(orders, await orders_out(session, orders), strict=True)
    ]


async def list_orders(
    session: AsyncSession, query: AdminOrderQuery, *, counts: dict[str, int] | None = None
) -> Page[AdminOrderOut]:
    """One page of orders, newest first. With the `tab_counts` the caller shows anyway, a list
    filtered by nothing but its tab takes its total from them instead of counting again (on a
    shop of a million orders each count is a scan of an index)."""
    conditions: list[Any] = []
    if query.status != "all":
        conditions.append(Order.status.in_(TAB_STATUSES[query.status]))
    if query.q:
        pattern = like_pattern(query.q)
        conditions.append(
            or_(
                Order.order_no.like(pattern, escape="\\"),
                Order.receiver_name.like(pattern, escape="\\"),
                Order.receiver_phone.like(pattern, escape="\\"),
                select(OrderLine.id)
                .outerjoin(Sku, Sku.id == OrderLine.sku_id)
                .where(
                    OrderLine.order_id == Order.id,
                    or_(
                        OrderLine.title.like(pattern, escape="\\"),
                        Sku.code.like(pattern, escape="\\"),
                    ),
                )
                .exists(),
            )
        )
    if query.user_id is not None:
        conditions.append(Order.user_id == query.user_id)
    if query.created_from is not None:
        conditions.append(Order.created_at >= query.created_from)
    if query.created_to is not None:
        conditions.append(Order.created_at < query.created_to)
    unfiltered = not query.q and query.user_id is None
    unfiltered = unfiltered and query.created_from is None and query.created_to is None
    if counts is not None and unfiltered:
        total = counts[query.status]
    else:
        total = await session.scalar(select(func.count(Order.id)).where(*conditions)) or 0
    rows = list(
        (
            await session.execute(
                select(Order)
                .where(*conditions)
                .options(WITH_LINES)
                .order_by(Order.created_at.desc(), Order.id.desc())
                .offset(offset_of(query.page, query.page_size))
                .limit(query.page_size)
            )
        ).scalars()
    )
    return Page[AdminOrderOut](
        items=await _admin_out(session, rows),
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


async def tab_counts(session: AsyncSession) -> dict[str, int]:
    """How many orders each status tab holds ("all" included)."""
    rows = (
        await session.execute(select(Order.status, func.count(Order.id)).group_by(Order.status))
    ).all()
    by_status = {str(status): int(count) for status, count in rows}
    counts = {
        tab: sum(by_status.get(s, 0) for s in statuses) for tab, statuses in TAB_STATUSES.items()
    }
    counts["all"] = sum(by_status.values())
    return counts


async def change_tracking(
    session: AsyncSession, *, order_id: int, shipment: ShipIn, admin_id: int
) -> AdminOrderOut:
    order = await service.order_for_update(session, order_id=order_id)
    await actions.change_tracking(
        session,
        order=order,
        by=Actor.merchant(admin_id),
        shipment=actions.Shipment(carrier=shipment.carrier, tracking_no=shipment.tracking_no),
    )
    return await get_order(session, order_id=order_id)


async def get_order(session: AsyncSession, *, order_id: int) -> AdminOrderOut:
    order = await service.order_for_update(session, order_id=order_id)
    return (await _admin_out(session, [order]))[0]


async def ship(
    session: AsyncSession, *, order_id: int, shipment: ShipIn, admin_id: int, defaults: Settings
) -> AdminOrderOut:
    """`paid → shipped` with carrier and tracking number; starts the auto-confirm clock."""
    order = await service.order_for_update(session, order_id=order_id)
    shop = await current_settings(session, defaults=defaults)
    await actions.ship(
        session,
        order=order,
        by=Actor.merchant(admin_id),
        shipment=actions.Shipment(carrier=shipment.carrier, tracking_no=shipment.tracking_no),
        auto_confirm_days=shop.auto_confirm_days,
    )
    return await get_order(session, order_id=order_id)


async def close_unpaid(
    session: AsyncSession, *, order_id: int, reason: str, admin_id: int
) -> AdminOrderOut:
    order = await service.order_for_update(session, order_id=order_id)
    if not await actions.close(
        session, order=order, by=Actor.merchant(admin_id), reason=reason or "商家关闭"
    ):
        raise OrderNotPending("只有待支付的订单可以关闭")
    return await get_order(session, order_id=order_id)
