"""The shopper's orders: reading them, cancelling an unpaid one, confirming receipt.

Checkout (preview, place) lives in `checkout`; every status move is an action in `actions`.
"""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core.actors import Actor
from xiaodian.core.pagination import Page, offset_of
from xiaodian.models import Order, OrderLine
from xiaodian.orders import actions
from xiaodian.orders.errors import OrderNotFound, OrderNotPending
from xiaodian.orders.schemas import OrderCounts, OrderOut, OrderTab
from xiaodian.orders.state import Status
from xiaodian.orders.views import TAB_STATUSES, WITH_LINES, order_out, orders_out, timelines

# ---- reading ----


async def _order(session: AsyncSession, *, order_id: int, user_id: int | None) -> Order:
    statement = select(Order).where(Order.id == order_id).options(WITH_LINES)
    if user_id is not None:
        statement = statement.where(Order.user_id == user_id)
    order = await session.scalar(statement.execution_options(populate_existing=True))
    if order is None:
        raise OrderNotFound()
    return order


async def get_order(session: AsyncSession, *, user_id: int, order_id: int) -> OrderOut:
    """The shopper's own order; someone else's answers exactly like a missing one."""
    order = await _order(session, order_id=order_id, user_id=user_id)
    return order_out(order, (await timelines(session, [order.id])).get(order.id, []))


async def list_orders(
    session: AsyncSession, *, user_id: int, tab: OrderTab, page: int, page_size: int
) -> Page[OrderOut]:
    conditions = [Order.user_id == user_id]
    if tab != "all":
        conditions.append(Order.status.in_(TAB_STATUSES[tab]))
    if tab == "to_review":
        conditions.append(
            exists().where(OrderLine.order_id == Order.id, OrderLine.is_reviewed.is_(False))
        )
    total = await session.scalar(select(func.count(Order.id)).where(*conditions)) or 0
    rows = (
        (
            await session.execute(
                select(Order)
                .where(*conditions)
                .options(WITH_LINES)
                .order_by(Order.created_at.desc(), Order.id.desc())
                .offset(offset_of(page, page_size))
                .limit(page_size)
            )
        )
        .scalars()
        .all()
    )
    return Page[OrderOut](
        items=await orders_out(session, rows), total=total, page=page, page_size=page_size
    )


async def status_counts(session: AsyncSession, *, user_id: int) -> OrderCounts:
    """How many of the shopper's orders sit in each tab of 我的."""
    rows = await session.execute(
        select(Order.status, func.count(Order.id))
        .where(Order.user_id == user_id)
        .group_by(Order.status)
    )
    by_status = dict(rows.all())
    to_review = await session.scalar(
        select(func.count(Order.id)).where(
            Order.user_id == user_id,
            Order.status == Status.COMPLETED,
            exists().where(OrderLine.order_id == Order.id, OrderLine.is_reviewed.is_(False)),
        )
    )

    def tab(name: str) -> int:
        return sum(by_status.get(status, 0) for status in TAB_STATUSES[name])

    return OrderCounts(
        pending_payment=tab("pending_payment"),
        paid=tab("paid"),
        shipped=tab("shipped"),
        to_review=to_review or 0,
        after_sale=by_status.get(Status.REFUND_REQUESTED, 0) + by_status.get(Status.REFUNDING, 0),
    )


# ---- the shopper's moves ----


async def cancel(session: AsyncSession, *, user_id: int, order_id: int) -> OrderOut:
    order = await _order(session, order_id=order_id, user_id=user_id)
    if not await actions.close(session, order=order, by=Actor.buyer(user_id), reason="买家取消"):
        raise OrderNotPending("订单已支付或已关闭，不能取消")
    return await get_order(session, user_id=user_id, order_id=order_id)


async def confirm_receipt(session: AsyncSession, *, user_id: int, order_id: int) -> OrderOut:
    order = await _order(session, order_id=order_id, user_id=user_id)
    await actions.confirm(session, order=order, by=Actor.buyer(user_id))
    return await get_order(session, user_id=user_id, order_id=order_id)


async def order_for_update(session: AsyncSession, *, order_id: int) -> Order:
    """Load an order with its lines (any shopper's: for payments, jobs and the merchant)."""
    return await _order(session, order_id=order_id, user_id=None)


async def order_of_user(session: AsyncSession, *, user_id: int, order_id: int) -> Order:
    """The shopper's own order row with its lines (404 for anyone else's)."""
    return await _order(session, order_id=order_id, user_id=user_id)
