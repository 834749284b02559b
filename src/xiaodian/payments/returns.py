"""退货退款 (return the goods, then the refund) on top of the after-sale refund.

    requested ──agree + return address──▶ return_approved ──shopper ships back──▶ returning
        │                                       │                                  │
        │ reject / approve at once              │ not shipped by return_due_at     │ receive
        ▼                                       ▼                                  ▼
    rejected / approved …                     closed                        approved → …

The order waits in `refund_requested` the whole time (each step is on its timeline with its
actor); only receipt sends the money, through the same `refund_service.pay_back` an ordinary
approval uses, so the amount is the one computed at request time (partial quantities by line,
exact to the fen). Every step is a conditional UPDATE on the refund's status: of two racing
steps exactly one wins.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.core.db import affected
from xiaodian.models import Refund, User
from xiaodian.orders import actions
from xiaodian.orders import service as orders
from xiaodian.payments import refund_service, refund_views
from xiaodian.payments.errors import RefundNotFound, RefundStateConflict
from xiaodian.payments.schemas import RefundOut, ReturnShipmentIn
from xiaodian.payments.vocabulary import RefundStatus

BATCH = 50
OVERDUE_NOTE = "买家超时未寄回商品，退货申请已关闭"


async def last_return_address(session: AsyncSession) -> str:
    """The return address the merchant gave last (what the console offers next time)."""
    address = await session.scalar(
        select(Refund.return_address)
        .where(Refund.return_address != "")
        .order_by(Refund.id.desc())
        .limit(1)
    )
    return address or ""


async def agree_to_return(
    session: AsyncSession, *, refund_id: int, admin_id: int, address: str, ship_days: int
) -> RefundOut:
    """The merchant agrees to a 退货退款 request and says where to send the goods; the shopper
    has `ship_days` to ship them back. No money moves yet."""
    refund = await session.get(Refund, refund_id, populate_existing=True)
    if refund is None:
        raise RefundNotFound()
    if not refund.return_goods:
        raise RefundStateConflict("这是仅退款申请，无需退货，请直接同意或拒绝")
    now = clock.now()
    won = await session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status == RefundStatus.REQUESTED)
        .values(
            status=RefundStatus.RETURN_APPROVED,
            return_address=address,
            return_due_at=now + timedelta(days=ship_days),
            decided_by=admin_id,
            decided_at=now,
        )
    )
    if affected(won) != 1:
        raise RefundStateConflict()
    order = await orders.order_for_update(session, order_id=refund.order_id)
    await actions.note_return(
        session, order=order, by=Actor.merchant(admin_id), note=f"同意退货，退货地址：{address}"
    )
    return await refund_views.get_refund(session, refund_id=refund.id)


async def ship_back(
    session: AsyncSession, *, user: User, refund_id: int, shipment: ReturnShipmentIn
) -> RefundOut:
    """The shopper sent the goods back (carrier and tracking number), before the deadline;
    a mistyped number may be corrected until the merchant receives the goods."""
    refund = await session.get(Refund, refund_id, populate_existing=True)
    if refund is None:
        raise RefundNotFound()
    order = await orders.order_of_user(session, user_id=user.id, order_id=refund.order_id)
    now = clock.now()
    won = await session.execute(
        update(Refund)
        .where(
            Refund.id == refund.id,
            (
                (Refund.status == RefundStatus.RETURN_APPROVED) & (Refund.return_due_at > now)
                | (Refund.status == RefundStatus.RETURNING)
            ),
        )
        .values(
            status=RefundStatus.RETURNING,
            return_carrier=shipment.carrier,
            return_tracking_no=shipment.tracking_no,
            return_shipped_at=now,
        )
    )
    if affected(won) != 1:
        raise RefundStateConflict("退货申请当前不能填写物流，请刷新后查看")
    await actions.note_return(
        session,
        order=order,
        by=Actor.buyer(user.id),
        note=f"买家已寄回：{shipment.carrier} {shipment.tracking_no}",
    )
    return await refund_views.get_refund(session, refund_id=refund.id)


async def receive(
    context: AppContext,
    *,
    refund_id: int,
    admin_id: int,
    restock: bool,
    audit: refund_service.InTransaction | None = None,
) -> RefundOut:
    """The merchant has the goods back: `returning → approved` and the money goes out as for
    any approved refund; `restock` (退回库存) gives the units back when the refund settles."""
    return await refund_service.pay_back(
        context,
        refund_id=refund_id,
        admin_id=admin_id,
        from_status=RefundStatus.RETURNING,
        values={"restock": restock, "received_at": clock.now()},
        note="已收到退货，同意退款" + ("（退回库存）" if restock else ""),
        audit=audit,
    )


async def close_overdue_returns(context: AppContext) -> int:
    """Close 退货退款 requests whose goods were not shipped back by `return_due_at`: the
    refund closes (no money), the order goes back to where it was. Exactly once per request,
    even against the shopper shipping at the same moment or another worker sweeping."""
    closed = 0
    while True:
        async with context.db.transaction() as session:
            statement = (
                select(Refund.id)
                .where(
                    Refund.status == RefundStatus.RETURN_APPROVED,
                    Refund.return_due_at <= clock.now(),
                )
                .order_by(Refund.id)
                .limit(BATCH)
            )
            if context.db.supports_skip_locked:
                statement = statement.with_for_update(skip_locked=True)
            due = (await session.scalars(statement)).all()
            for refund_id in due:
                closed += await _close(session, refund_id)
        if len(due) < BATCH:
            return closed


async def _close(session: AsyncSession, refund_id: int) -> int:
    won = await session.execute(
        update(Refund)
        .where(
            Refund.id == refund_id,
            Refund.status == RefundStatus.RETURN_APPROVED,
            Refund.return_due_at <= clock.now(),
        )
        .values(status=RefundStatus.CLOSED, reject_reason=OVERDUE_NOTE)
    )
    if affected(won) != 1:
        return 0
    refund = await session.get(Refund, refund_id, populate_existing=True)
    assert refund is not None
    order = await orders.order_for_update(session, order_id=refund.order_id)
    await actions.reject_refund(
        session,
        order=order,
        by=Actor.system("close_overdue_returns"),
        refund_id=refund_id,
        reason=OVERDUE_NOTE,
        note=OVERDUE_NOTE,
    )
    return 1
