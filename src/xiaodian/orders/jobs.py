"""Sweeps: close orders left unpaid past their deadline; complete orders nobody confirmed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.models import Order
from xiaodian.orders import actions
from xiaodian.orders.state import Status
from xiaodian.orders.views import WITH_LINES

BATCH = 50


def _due(status: str, deadline_column: Any, context: AppContext) -> Any:
    statement = (
        select(Order)
        .where(Order.status == status, deadline_column <= clock.now())
        .options(WITH_LINES)
        .order_by(Order.id)
        .limit(BATCH)
    )
    if context.db.supports_skip_locked:
        statement = statement.with_for_update(skip_locked=True)
    return statement


async def close_unpaid_orders(context: AppContext) -> int:
    """Close every unpaid order past `expires_at`, returning its stock (exactly once, even
    against a buyer cancelling at the same moment or another worker sweeping)."""
    closed = 0
    while True:
        async with context.db.transaction() as session:
            orders = (
                (await session.execute(_due(Status.PENDING_PAYMENT, Order.expires_at, context)))
                .scalars()
                .all()
            )
            for order in orders:
                if await actions.close(
                    session,
                    order=order,
                    by=Actor.system("close_unpaid_orders"),
                    reason="超时未支付",
                ):
                    closed += 1
        if len(orders) < BATCH:
            return closed


async def auto_confirm_orders(context: AppContext) -> int:
    """`shipped → completed` for orders whose buyer did not confirm within the shop's days."""
    completed = 0
    while True:
        async with context.db.transaction() as session:
            orders = (
                (await session.execute(_due(Status.SHIPPED, Order.auto_confirm_at, context)))
                .scalars()
                .all()
            )
            for order in orders:
                if await actions.auto_confirm(
                    session, order=order, by=Actor.system("auto_confirm_orders")
                ):
                    completed += 1
        if len(orders) < BATCH:
            return completed
