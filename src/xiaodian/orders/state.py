"""The order state machine: the statuses, the allowed moves, and the one way to make a move.

Every move is an UPDATE conditional on the current status, so of two racing requests (a buyer
cancelling while the unpaid sweep closes the same order, a payment arriving as the order
closes) exactly one wins; the loser sees `False` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.models import Order, OrderEvent


class Status(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    GROUPING = "grouping"
    DELIVERING = "delivering"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CLOSED = "closed"
    REFUND_REQUESTED = "refund_requested"
    REFUNDING = "refunding"
    REFUNDED = "refunded"


STATUS_TEXT: Mapping[str, str] = {
    Status.PENDING_PAYMENT: "待支付",
    Status.PAID: "待发货",
    Status.GROUPING: "拼团中",
    Status.DELIVERING: "配送中",
    Status.SHIPPED: "待收货",
    Status.COMPLETED: "已完成",
    Status.CLOSED: "已关闭",
    Status.REFUND_REQUESTED: "退款申请中",
    Status.REFUNDING: "退款中",
    Status.REFUNDED: "已退款",
}

S = Status
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        (S.PENDING_PAYMENT, S.PAID),
        (S.PENDING_PAYMENT, S.CLOSED),
        (S.PAID, S.SHIPPED),
        (S.PAID, S.DELIVERING),
        (S.PAID, S.GROUPING),
        (S.GROUPING, S.PAID),
        (S.GROUPING, S.REFUNDING),
        (S.SHIPPED, S.COMPLETED),
        (S.DELIVERING, S.COMPLETED),
        (S.PAID, S.REFUND_REQUESTED),
        (S.SHIPPED, S.REFUND_REQUESTED),
        (S.DELIVERING, S.REFUND_REQUESTED),
        (S.COMPLETED, S.REFUND_REQUESTED),
        (S.REFUND_REQUESTED, S.PAID),
        (S.REFUND_REQUESTED, S.SHIPPED),
        (S.REFUND_REQUESTED, S.DELIVERING),
        (S.REFUND_REQUESTED, S.COMPLETED),
        (S.REFUND_REQUESTED, S.REFUNDING),
        (S.REFUNDING, S.REFUNDED),
        (S.REFUNDING, S.PAID),
        (S.REFUNDING, S.SHIPPED),
        (S.REFUNDING, S.COMPLETED),
    }
)


def can_move(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in ALLOWED


async def transition(
    session: AsyncSession,
    *,
    order: Order,
    from_statuses: Collection[str],
    to: str,
    actor: str,
    note: str = "",
    values: Mapping[str, Any] | None = None,
) -> bool:
    """Move `order` to `to` if it is still in one of `from_statuses`; True if this call won.

    The winner's change and its timeline event are flushed together and `order` is refreshed;
    a loser changes nothing.
    """
    for from_status in from_statuses:
        if not can_move(from_status, to):
            raise ValueError(f"order cannot move from {from_status} to {to}")
    result = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status.in_(list(from_statuses)))
        .values(status=to, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(order)
        return False
    previous = next(iter(from_statuses)) if len(from_statuses) == 1 else order.status
    session.add(
        OrderEvent(
            order_id=order.id, from_status=previous, to_status=to, actor=actor, note=note[:200]
        )
    )
    await session.flush()
    await session.refresh(order)
    return True
