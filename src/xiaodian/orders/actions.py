"""The business actions on an order: the only code that moves an order's status.

Each action owns its move (a conditional transition), the stock it takes or gives back, the
timeline entry with the real actor, and the event it emits. Payments, sweeps, the console and
both APIs call these; "what happens when an order ships" is one function here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstanceState, InstrumentedAttribute, make_transient_to_detached

from xiaodian.catalog.sales import add_sales
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.core.db import affected
from xiaodian.events import emit
from xiaodian.inventory import service as inventory
from xiaodian.inventory.service import Units
from xiaodian.models import Order, OrderEvent, OrderLine
from xiaodian.orders.errors import OrderNotPending, OrderStateConflict
from xiaodian.orders.events import (
    DeliveryFailed,
    DeliveryStarted,
    OrderClosed,
    OrderCompleted,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    RefundApproved,
    RefundRejected,
    RefundRequested,
    RefundSettled,
    TrackingChanged,
)
from xiaodian.orders.numbers import new_order_no
from xiaodian.orders.state import REFUNDABLE, Status, transition

_orders = cast(Table, Order.__table__)
_lines = cast(Table, OrderLine.__table__)


def _goods_ids(order: Order) -> tuple[int, ...]:
    return tuple(sorted({line.goods_id for line in order.lines}))


def _units(order: Order) -> list[Units]:
    return [
        Units(sku_id=line.sku_id, quantity=line.quantity, quota_id=line.quota_id)
        for line in order.lines
    ]


# ---- placing and paying ----


async def place(
    session: AsyncSession,
    *,
    order: Order,
    by: Actor,
    before_taking: Callable[[], Awaitable[None]] | None = None,
    pool_with_commit: bool = False,
) -> OrderEvent:
    """Insert a new order waiting for payment and take its units; the only way an order is
    created. Returns the timeline's first entry (the caller answers with it, without reading
    the order back).

    Never sells more than stock: if any line is short nothing is taken and OutOfStock (or
    QuotaExhausted) rolls the caller's transaction back, order rows and all.

    The units are taken last. The SKU and pool rows they come from are the shop's hottest:
    every buyer of the item waits for them, and each transaction holds them from its taking
    to its commit. So everything else the order writes goes out first: its rows, its first
    timeline entry, its queued events, and whatever the caller still has to write
    (`before_taking`: coupon holds, a delivery slot, the cart), and the take is followed only
    by the stock announcement and the commit; with `pool_with_commit` (a flash order) the
    activity pool is taken with the commit itself (`inventory.take`: its QuotaExhausted comes
    from the commit). (The lines carry no foreign key to the SKU or the pool, whose check
    would share-lock those rows first: two orders upgrading their shared locks at once
    deadlock. Migration 0022.)
    """
    order.status = Status.PENDING_PAYMENT
    await _insert_with_unique_numbers(session, [order])
    placed = await _placed(session, order, by)
    if before_taking is not None:
        await before_taking()
    await session.flush()
    await inventory.take(session, _units(order), pool_with_commit=pool_with_commit)
    return placed


async def place_many(
    session: AsyncSession,
    *,
    orders: Sequence[Order],
    by: Sequence[Actor],
    before_taking: Callable[[], Awaitable[None]] | None = None,
    pool_with_commit: bool = False,
) -> list[OrderEvent]:
    """`place` for several orders in one transaction (a flash sale's winners, placed
    together): the same rows, each table's written by one statement, and all their units
    taken at once (so one short line refuses them all)."""
    for order in orders:
        order.status = Status.PENDING_PAYMENT
    await _insert_with_unique_numbers(session, orders)
    placed = [await _placed(session, order, actor) for order, actor in zip(orders, by, strict=True)]
    if before_taking is not None:
        await before_taking()
    await session.flush()
    units = [units for order in orders for units in _units(order)]
    await inventory.take(session, units, pool_with_commit=pool_with_commit)
    return placed


async def _placed(session: AsyncSession, order: Order, by: Actor) -> OrderEvent:
    """The new order's first timeline entry (added to the session) and its OrderPlaced."""
    placed = OrderEvent(
        order_id=order.id,
        from_status=None,
        to_status=order.status,
        actor=by.kind,
        actor_id=by.id,
        actor_name=by.name,
        note="提交订单",
    )
    session.add(placed)
    await emit(
        session,
        OrderPlaced(
            order_id=order.id,
            user_id=order.user_id,
            kind=order.kind,
            total_fen=order.total_fen,
            goods_ids=_goods_ids(order),
        ),
    )
    return placed


async def _insert_with_unique_numbers(session: AsyncSession, orders: Sequence[Order]) -> None:
    """Insert the orders and their lines. Order numbers are random within a millisecond:
    orders made together draw again until theirs differ, and on the rare clash with
    another's, they all draw again.

    In Core, not through a flush (the ORM's unit of work was a fifth of an order's CPU), and
    without a savepoint on MariaDB and SQLite, where a statement refused by the unique key
    changes nothing and leaves the transaction as it was (two round trips fewer). PostgreSQL
    ends the transaction on any refused statement, so there the insert keeps its savepoint.
    The rows are then the session's, as if it had loaded them (`_known`)."""
    connection = await session.connection()
    for attempt in range(5):
        drawn: set[str] = set()
        for order in orders:
            while order.order_no in drawn:
                order.order_no = new_order_no(clock.now())
            drawn.add(order.order_no)
        try:
            if connection.dialect.name == "postgresql":
                async with session.begin_nested():
                    await _insert(connection, _orders, orders)
            else:
                await _insert(connection, _orders, orders)
            break
        except IntegrityError:
            if attempt == 4:
                raise
            for order in orders:
                order.order_no = new_order_no(clock.now())
    lines = []
    for order in orders:
        for line in order.lines:
            line.order_id = order.id
            lines.append(line)
    await _insert(connection, _lines, lines)
    _known(session, orders)


async def _insert(
    connection: AsyncConnection, table: Table, instances: Sequence[Order | OrderLine]
) -> None:
    """Insert `instances` (rows of `table`) in one statement and give each its id; an
    instance gets its id only once the statement has succeeded."""
    rows = [_row(instance) for instance in instances]
    if len(rows) == 1:
        key = (await connection.execute(insert(table), rows[0])).inserted_primary_key
        assert key is not None
        ids = [int(key[0])]
    else:
        returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = [int(row_id) for row_id in (await connection.execute(returning, rows)).scalars()]
    for instance, row_id in zip(instances, ids, strict=True):
        instance.id = row_id


def _row(instance: Order | OrderLine) -> dict[str, Any]:
    """The row the ORM would insert for `instance`: the columns it has set, and each other
    column's Python default (or None), which is set on `instance` too, so that nothing of
    it is left to load."""
    state: InstanceState[Any] = inspect(instance)
    row: dict[str, Any] = {}
    for attribute in state.mapper.column_attrs:
        column = attribute.columns[0]
        if column.primary_key:
            continue
        if attribute.key not in state.dict:
            setattr(instance, attribute.key, _python_default(column))
        row[column.key] = state.dict[attribute.key]
    return row


def _python_default(column: Any) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy's wrapper of a callable taking no argument
    raise TypeError(f"{column} has a default the ORM computes in SQL")


def _known(session: AsyncSession, orders: Sequence[Order]) -> None:
    """The inserted orders and lines become the session's, as loaded rows are: no INSERT at
    the next flush, and `refresh`, `get` and later updates work on them as on any order."""
    for order in orders:
        for line in order.lines:
            make_transient_to_detached(line)
        make_transient_to_detached(order)
    session.add_all(orders)


async def _units_by(
    session: AsyncSession, order_id: int, column: InstrumentedAttribute[int]
) -> dict[int, int]:
    """The order's units summed per SKU or per goods (`column`)."""
    rows = await session.execute(
        select(column, func.sum(OrderLine.quantity))
        .where(OrderLine.order_id == order_id)
        .group_by(column)
    )
    return {key: int(total) for key, total in rows}


async def mark_paid(
    session: AsyncSession, *, order: Order, by: Actor, note: str = "支付成功"
) -> bool:
    """`pending_payment → paid`, once, counting the sales. False if the order was not waiting
    (paid already by a duplicate notification, or closed: the caller refunds that money)."""
    paid_at = clock.now()
    won = await transition(
        session,
        order=order,
        from_statuses=[Status.PENDING_PAYMENT],
        to=Status.PAID,
        actor=by,
        note=note,
        values={"paid_at": paid_at},
    )
    if not won:
        return False
    await session.execute(
        update(OrderLine)
        .where(OrderLine.order_id == order.id)
        .values(paid_at=paid_at)
        .execution_options(synchronize_session=False)
    )
    await add_sales(
        session,
        goods_quantities=await _units_by(session, order.id, OrderLine.goods_id),
        sku_quantities=await _units_by(session, order.id, OrderLine.sku_id),
    )
    await emit(
        session,
        OrderPaid(
            order_id=order.id,
            user_id=order.user_id,
            kind=order.kind,
            total_fen=order.total_fen,
            goods_ids=_goods_ids(order),
        ),
    )
    return True


async def close(session: AsyncSession, *, order: Order, by: Actor, reason: str) -> bool:
    """Close an unpaid order and give its units back; True only for the one call that won.

    Buyer cancel, merchant close and the unpaid sweep all come here: the conditional move
    guarantees the units go back exactly once.
    """
    won = await transition(
        session,
        order=order,
        from_statuses=[Status.PENDING_PAYMENT],
        to=Status.CLOSED,
        actor=by,
        note=reason,
        values={"closed_at": clock.now(), "close_reason": reason[:32]},
    )
    if not won:
        return False
    await inventory.give_back(session, _units(order))
    await emit(
        session,
        OrderClosed(
            order_id=order.id,
            user_id=order.user_id,
            kind=order.kind,
            reason=reason,
            actor=by.ref,
            goods_ids=_goods_ids(order),
        ),
    )
    return True


# ---- delivery ----


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_no: str


async def ship(
    session: AsyncSession, *, order: Order, by: Actor, shipment: Shipment, auto_confirm_days: int
) -> None:
    """`paid → shipped` with carrier and tracking number; starts the auto-confirm clock."""
    now = clock.now()
    if not await transition(
        session,
        order=order,
        from_statuses=[Status.PAID],
        to=Status.SHIPPED,
        actor=by,
        note=f"{shipment.carrier} {shipment.tracking_no}",
        values={
            "shipped_at": now,
            "carrier": shipment.carrier,
            "tracking_no": shipment.tracking_no,
            "auto_confirm_at": now + timedelta(days=auto_confirm_days),
        },
    ):
        raise OrderStateConflict("只有待发货的订单可以发货")
    await emit(
        session,
        OrderShipped(
            order_id=order.id,
            user_id=order.user_id,
            carrier=shipment.carrier,
            tracking_no=shipment.tracking_no,
            actor=by.ref,
        ),
    )


async def change_tracking(
    session: AsyncSession, *, order: Order, by: Actor, shipment: Shipment
) -> Shipment:
    """Correct the carrier or tracking number of a shipped order (no status move). The old
    pair stays in the timeline's note; answers the old pair."""
    old = Shipment(carrier=order.carrier or "", tracking_no=order.tracking_no or "")
    changed = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status.in_((Status.SHIPPED, Status.DELIVERING)))
        .values(carrier=shipment.carrier, tracking_no=shipment.tracking_no)
        .execution_options(synchronize_session=False)
    )
    if affected(changed) != 1:
        raise OrderStateConflict("只有已发货的订单可以修改运单号")
    await emit(
        session,
        TrackingChanged(
            order_id=order.id,
            user_id=order.user_id,
            carrier=shipment.carrier,
            tracking_no=shipment.tracking_no,
            actor=by.ref,
        ),
    )
    session.add(
        OrderEvent(
            order_id=order.id,
            from_status=order.status,
            to_status=order.status,
            actor=by.kind,
            actor_id=by.id,
            actor_name=by.name,
            note=(
                f"修改运单号：{old.carrier} {old.tracking_no} → "
                f"{shipment.carrier} {shipment.tracking_no}"
            )[:200],
        )
    )
    await session.flush()
    await session.refresh(order)
    return old


async def start_delivery(session: AsyncSession, *, order: Order, by: Actor, note: str) -> bool:
    """`paid → delivering`: the order is in a rider's route; False if it was no longer paid
    (refunded or shipped meanwhile), so the planner leaves it out."""
    if not await transition(
        session,
        order=order,
        from_statuses=[Status.PAID],
        to=Status.DELIVERING,
        actor=by,
        note=note,
        values={"shipped_at": clock.now()},
    ):
        return False
    await emit(session, DeliveryStarted(order_id=order.id, user_id=order.user_id, actor=by.ref))
    return True


async def delivered(session: AsyncSession, *, order: Order, by: Actor) -> None:
    """The rider handed it over: `delivering → completed`."""
    if order.status != Status.DELIVERING or not await _complete(
        session, order=order, by=by, note="已送达"
    ):
        raise OrderStateConflict("只有配送中的订单可以标记送达")


async def delivery_failed(session: AsyncSession, *, order: Order, by: Actor, reason: str) -> None:
    """The rider could not hand it over: `delivering → paid`, for another round or a refund."""
    if not await transition(
        session,
        order=order,
        from_statuses=[Status.DELIVERING],
        to=Status.PAID,
        actor=by,
        note=f"配送失败：{reason}",
        values={"shipped_at": None},
    ):
        raise OrderStateConflict("只有配送中的订单可以标记配送失败")
    await emit(
        session,
        DeliveryFailed(order_id=order.id, user_id=order.user_id, reason=reason, actor=by.ref),
    )


async def picked_up(session: AsyncSession, *, order: Order, by: Actor) -> None:
    """The shopper collected a 自提 order at the store: `paid → completed` (the caller checked
    the pickup code)."""
    if not await transition(
        session,
        order=order,
        from_statuses=[Status.PAID],
        to=Status.COMPLETED,
        actor=by,
        note="到店自提",
        values={"completed_at": clock.now()},
    ):
        raise OrderStateConflict("只有待自提（已支付）的订单可以核销")
    await emit(session, OrderCompleted(order_id=order.id, user_id=order.user_id, actor=by.ref))


async def confirm(session: AsyncSession, *, order: Order, by: Actor) -> None:
    """The buyer has the goods: `shipped | delivering → completed`."""
    if not await _complete(session, order=order, by=by, note="确认收货"):
        raise OrderStateConflict("订单还未发货或已完成")


async def auto_confirm(session: AsyncSession, *, order: Order, by: Actor) -> bool:
    """Nobody confirmed within the shop's days: complete it (the sweep); False if it moved."""
    return await _complete(session, order=order, by=by, note="超时自动确认收货")


async def _complete(session: AsyncSession, *, order: Order, by: Actor, note: str) -> bool:
    if not await transition(
        session,
        order=order,
        from_statuses=[Status.SHIPPED, Status.DELIVERING],
        to=Status.COMPLETED,
        actor=by,
        note=note,
        values={"completed_at": clock.now()},
    ):
        return False
    await emit(session, OrderCompleted(order_id=order.id, user_id=order.user_id, actor=by.ref))
    return True


# ---- after-sale refunds ----


async def request_refund(
    session: AsyncSession, *, order: Order, by: Actor, refund_id: int, amount_fen: int, reason: str
) -> None:
    """The shopper asks for money back; the order waits in `refund_requested` for the
    merchant, remembering where it was."""
    if order.status not in REFUNDABLE or not await transition(
        session,
        order=order,
        from_statuses=[order.status],
        to=Status.REFUND_REQUESTED,
        actor=by,
        note=reason,
        values={"status_before_refund": order.status},
    ):
        raise OrderNotPending("订单当前状态不能申请退款")
    await emit(
        session,
        RefundRequested(
            order_id=order.id, refund_id=refund_id, user_id=order.user_id, amount_fen=amount_fen
        ),
    )


async def reject_refund(
    session: AsyncSession,
    *,
    order: Order,
    by: Actor,
    refund_id: int,
    reason: str,
    note: str | None = None,
) -> None:
    """The merchant says no (or a return was never shipped back and the request closed,
    `note` saying so): the order goes back to where it was."""
    await transition(
        session,
        order=order,
        from_statuses=[Status.REFUND_REQUESTED],
        to=order.status_before_refund or Status.PAID,
        actor=by,
        note=note or f"拒绝退款：{reason}",
    )
    await emit(
        session,
        RefundRejected(
            order_id=order.id, refund_id=refund_id, user_id=order.user_id, reason=reason
        ),
    )


async def approve_refund(
    session: AsyncSession,
    *,
    order: Order,
    by: Actor,
    refund_id: int,
    amount_fen: int,
    note: str = "同意退款",
) -> None:
    """The merchant agrees (or has the returned goods back): `refund_requested → refunding`,
    and the channel must be asked to pay back (a durable receiver of `RefundApproved`)."""
    await transition(
        session,
        order=order,
        from_statuses=[Status.REFUND_REQUESTED],
        to=Status.REFUNDING,
        actor=by,
        note=note,
    )
    await emit(
        session,
        RefundApproved(order_id=order.id, refund_id=refund_id, amount_fen=amount_fen, actor=by.ref),
    )


async def note_return(session: AsyncSession, *, order: Order, by: Actor, note: str) -> None:
    """A step of a return (退货退款) while the order waits in `refund_requested`: the merchant
    gave the return address, the shopper shipped the goods back. No status move, only the
    timeline's entry with its actor."""
    if order.status != Status.REFUND_REQUESTED:
        raise OrderStateConflict("订单不在售后处理中")
    session.add(
        OrderEvent(
            order_id=order.id,
            from_status=order.status,
            to_status=order.status,
            actor=by.kind,
            actor_id=by.id,
            actor_name=by.name[:64],
            note=note[:200],
        )
    )
    await session.flush()


@dataclass(frozen=True)
class RefundedUnits:
    line_id: int
    quantity: int
    amount_fen: int


async def settle_refund(
    session: AsyncSession,
    *,
    order: Order,
    by: Actor,
    refund_id: int,
    kind: str,
    amount_fen: int,
    lines: Sequence[RefundedUnits],
    restock: bool,
    all_money_back: bool,
) -> None:
    """The money of an after-sale refund went back: mark the lines, return unshipped units,
    take the units off the sales, and move the order to `refunded` (every unit or every fen
    came back) or back to where it was (a partial refund)."""
    by_id = {line.id: line for line in order.lines}
    stock: list[Units] = []
    goods_sales: dict[int, int] = {}
    sku_sales: dict[int, int] = {}
    for item in lines:
        line = by_id[item.line_id]
        line.refunded_quantity += item.quantity
        line.refunded_fen += item.amount_fen
        if restock:
            stock.append(Units(sku_id=line.sku_id, quantity=item.quantity, quota_id=line.quota_id))
        goods_sales[line.goods_id] = goods_sales.get(line.goods_id, 0) - item.quantity
        sku_sales[line.sku_id] = sku_sales.get(line.sku_id, 0) - item.quantity
    await session.flush()
    if stock:
        await inventory.give_back(session, stock)
    await add_sales(session, goods_quantities=goods_sales, sku_quantities=sku_sales)
    every_unit = all(line.refunded_quantity >= line.quantity for line in order.lines)
    target = (
        Status.REFUNDED
        if every_unit or all_money_back
        else (order.status_before_refund or Status.PAID)
    )
    await transition(
        session,
        order=order,
        from_statuses=[Status.REFUNDING],
        to=target,
        actor=by,
        note=f"退款成功 ¥{amount_fen / 100:.2f}",
    )
    await emit(
        session,
        RefundSettled(
            order_id=order.id,
            refund_id=refund_id,
            user_id=order.user_id,
            amount_fen=amount_fen,
            kind=kind,
            goods_ids=_goods_ids(order),
        ),
    )


# ---- group buying ----


async def start_grouping(session: AsyncSession, *, order: Order, by: Actor, note: str) -> bool:
    """A paid group order waits for its group: `paid → grouping` (it cannot ship from here)."""
    return await transition(
        session, order=order, from_statuses=[Status.PAID], to=Status.GROUPING, actor=by, note=note
    )


async def group_filled(session: AsyncSession, *, order: Order, by: Actor, note: str) -> bool:
    """The order's group filled: `grouping → paid` (待发货), ready to ship."""
    return await transition(
        session, order=order, from_statuses=[Status.GROUPING], to=Status.PAID, actor=by, note=note
    )


async def group_failed(session: AsyncSession, *, order: Order, by: Actor, note: str) -> bool:
    """The order's group failed: `grouping → refunding`; the caller creates the refund (all of
    it, settled like an after-sale refund once the channel pays back)."""
    return await transition(
        session,
        order=order,
        from_statuses=[Status.GROUPING],
        to=Status.REFUNDING,
        actor=by,
        note=note,
        values={"status_before_refund": Status.GROUPING},
    )
