"""自提: each pickup order gets an 8-digit code when it is placed; the shopper shows it (order
detail) and the merchant types it to find the order and hand it over (`paid → completed`
through `orders.actions.picked_up`)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.delivery.errors import PickupAlreadyDone, PickupCodeNotFound, PickupNotReady
from xiaodian.delivery.schemas import Method, Outcome, PickupLineOut, PickupOrderOut
from xiaodian.models import DeliveryOrder, Order, OrderLine
from xiaodian.orders import actions
from xiaodian.orders.state import STATUS_TEXT, Status

CODE_DIGITS = 8


async def new_pickup_code(session: AsyncSession) -> str:
    """A code no other order holds (the unique key is the final say; 10⁸ codes make a clash
    between the check and the insert a one-in-a-hundred-million event)."""
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        taken = await session.scalar(
            select(DeliveryOrder.order_id).where(DeliveryOrder.pickup_code == code)
        )
        if taken is None:
            return code


def _normalised(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


async def _by_code(session: AsyncSession, code: str, *, lock: bool) -> tuple[DeliveryOrder, Order]:
    query = (
        select(DeliveryOrder, Order)
        .join(Order, Order.id == DeliveryOrder.order_id)
        .where(
            DeliveryOrder.pickup_code == _normalised(code), DeliveryOrder.method == Method.PICKUP
        )
    )
    if lock:
        query = query.with_for_update(of=Order)
    found = (await session.execute(query)).one_or_none()
    if found is None:
        raise PickupCodeNotFound()
    return found[0], found[1]


async def find_pickup(session: AsyncSession, *, code: str) -> PickupOrderOut:
    """The 自提 order holding `code`, or PickupCodeNotFound."""
    delivery, order = await _by_code(session, code, lock=False)
    return await _out(session, delivery, order)


async def complete_pickup(session: AsyncSession, *, code: str, by: Actor) -> PickupOrderOut:
    """Hand over the order holding `code`: `paid → completed`, once. A second try answers
    PickupAlreadyDone; an unpaid or refunding order PickupNotReady."""
    delivery, order = await _by_code(session, code, lock=True)
    if delivery.outcome == Outcome.PICKED_UP or order.status == Status.COMPLETED:
        raise PickupAlreadyDone()
    if order.status != Status.PAID:
        raise PickupNotReady()
    await actions.picked_up(session, order=order, by=by)
    delivery.outcome = Outcome.PICKED_UP
    delivery.outcome_at = clock.now()
    await session.flush()
    return await _out(session, delivery, order)


async def _out(session: AsyncSession, delivery: DeliveryOrder, order: Order) -> PickupOrderOut:
    lines = (
        await session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)
        )
    ).all()
    return PickupOrderOut(
        order_id=order.id,
        order_no=order.order_no,
        status=order.status,
        status_text=STATUS_TEXT.get(order.status, order.status),
        receiver_name=order.receiver_name,
        receiver_phone=order.receiver_phone,
        total_fen=order.total_fen,
        lines=[
            PickupLineOut(title=line.title, spec=line.spec_text, quantity=line.quantity)
            for line in lines
        ],
        picked_up_at=delivery.outcome_at if delivery.outcome == Outcome.PICKED_UP else None,
    )
