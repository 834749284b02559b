"""The dashboard's numbers, read from orders, their timeline and stock.

Days are the shop's days (Asia/Shanghai): "today" runs from local midnight, whatever the
server's clock zone. Sales are counted when an order is paid and refunds when the money has
gone back, each on its own day, so a refund never rewrites an earlier day's sales. Every sales
figure the console shows is net of refunds: a day's net is what was paid that day less what was
refunded that day; a goods item's takings are what its lines paid less what was refunded of
those lines. Today so far is compared with yesterday up to the same time of day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog import hints
from xiaodian.catalog.queries import spec_text
from xiaodian.core import clock
from xiaodian.dashboard.schemas import (
    DayStats,
    LiveBoard,
    LowStock,
    RecentOrder,
    SalesPoint,
    ToDo,
    TopGoods,
)
from xiaodian.models import Goods, Order, OrderLine, Refund, Sku
from xiaodian.orders.state import Status
from xiaodian.payments.vocabulary import RefundStatus

TREND_DAYS = 30


def shop_day(moment: datetime) -> date:
    return clock.to_shop_time(moment).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The aware UTC instants at which the shop's `day` begins and ends."""
    start = datetime.combine(day, time(0), tzinfo=clock.SHOP_TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.SHOP_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


async def day_stats(session: AsyncSession, *, day: date, until: datetime | None = None) -> DayStats:
    """Sales, paid orders, average order value and refunds of one shop day (up to `until`,
    when given, to compare a day so far with the same hours of another)."""
    start, end = day_bounds(day)
    if until is not None:
        end = max(start, min(end, until))
    sales, paid = (
        await session.execute(
            select(func.coalesce(func.sum(Order.total_fen), 0), func.count(Order.id)).where(
                Order.paid_at >= start, Order.paid_at < end
            )
        )
    ).one()
    refunds, refund_fen = (
        await session.execute(
            select(func.count(Refund.id), func.coalesce(func.sum(Refund.amount_fen), 0)).where(
                Refund.status == RefundStatus.SUCCEEDED,
                Refund.refunded_at >= start,
                Refund.refunded_at < end,
            )
        )
    ).one()
    sales, paid = int(sales), int(paid)
    return DayStats(
        sales_fen=sales,
        paid_orders=paid,
        average_order_fen=(sales + paid // 2) // paid if paid else 0,
        refunds=int(refunds),
        refund_fen=int(refund_fen),
        net_fen=sales - int(refund_fen),
    )


def _shop_day_index(column: Any, *, first: date, days: int) -> ColumnElement[Any]:
    """Which of the `days` shop days from `first` the instant in `column` falls on (0, 1, …;
    NULL after the last). The caller keeps `column` at or after `first`'s start. Compared with
    each day's start instant, so the sum runs in the database on any engine and stays exact
    whatever the shop zone's rules."""
    starts = [day_bounds(first + timedelta(days=i))[0] for i in range(1, days + 1)]
    return case(*((column < start, index) for index, start in enumerate(starts)), else_=None)


async def sales_series(
    session: AsyncSession, *, today: date, days: int = TREND_DAYS
) -> list[SalesPoint]:
    """Paid sales, refunds and net sales per shop day for the `days` days ending with `today`
    (empty days are 0). Summed per day in the database (an order's `paid_at` and `total_fen`
    are read from one index): a year of orders is not carried into Python."""
    first = today - timedelta(days=days - 1)
    start, _ = day_bounds(first)
    paid = (
        select(
            _shop_day_index(Order.paid_at, first=first, days=days).label("day"),
            Order.total_fen,
        )
        .where(Order.paid_at >= start)
        .subquery()
    )
    sales = {first + timedelta(days=i): [0, 0, 0] for i in range(days)}
    for index, fen, count in await session.execute(
        select(paid.c.day, func.sum(paid.c.total_fen), func.count())
        .where(paid.c.day.is_not(None))
        .group_by(paid.c.day)
    ):
        bucket = sales[first + timedelta(days=int(index))]
        bucket[0], bucket[1] = int(fen), int(count)
    refunded = (
        select(
            _shop_day_index(Refund.refunded_at, first=first, days=days).label("day"),
            Refund.amount_fen,
        )
        .where(Refund.status == RefundStatus.SUCCEEDED, Refund.refunded_at >= start)
        .subquery()
    )
    for index, fen in await session.execute(
        select(refunded.c.day, func.sum(refunded.c.amount_fen))
        .where(refunded.c.day.is_not(None))
        .group_by(refunded.c.day)
    ):
        sales[first + timedelta(days=int(index))][2] = int(fen)
    return [
        SalesPoint(
            day=day, sales_fen=fen, paid_orders=count, refund_fen=refunded, net_fen=fen - refunded
        )
        for day, (fen, count, refunded) in sales.items()
    ]


async def top_goods(
    session: AsyncSession, *, today: date, days: int = TREND_DAYS, limit: int = 8
) -> list[TopGoods]:
    """The goods that took the most money, net of refunds, in orders paid over the last `days`
    shop days (ties: the lower goods id first).

    Summed and ranked in the database on what the lines paid; a refund only ever lowers a
    goods item's takings, so with `r` goods refunded the net top `limit` are among the first
    `limit + r` by what was paid (the others of those keep their sums): only those rows and
    the refunded lines (few) are read.
    """
    start, _ = day_bounds(today - timedelta(days=days - 1))
    refunded_lines: dict[int, int] = {}
    for (lines,) in await session.execute(
        select(Refund.lines)
        .join(Order, Order.id == Refund.order_id)
        .where(Refund.status == RefundStatus.SUCCEEDED, Order.paid_at >= start)
    ):
        for item in lines or []:
            line_id = int(item["line_id"])
            refunded_lines[line_id] = refunded_lines.get(line_id, 0) + int(item["amount_fen"])
    refunded: dict[int, int] = {}
    if refunded_lines:
        for line_id, goods_id in await session.execute(
            select(OrderLine.id, OrderLine.goods_id).where(OrderLine.id.in_(list(refunded_lines)))
        ):
            refunded[goods_id] = refunded.get(goods_id, 0) + refunded_lines[line_id]
    paid_fen = func.sum(OrderLine.pay_fen)
    candidates = (
        await session.execute(
            select(OrderLine.goods_id, func.sum(OrderLine.quantity), paid_fen)
            .where(OrderLine.paid_at >= start)  # the order's instant, on the line (0023)
            .group_by(OrderLine.goods_id)
            .order_by(paid_fen.desc(), OrderLine.goods_id)
            .limit(limit + len(refunded))
        )
    ).all()
    titles = dict(
        (
            await session.execute(
                select(Goods.id, Goods.title).where(Goods.id.in_([row[0] for row in candidates]))
            )
        ).all()
    )
    ranked = sorted(
        (
            TopGoods(
                goods_id=goods_id,
                title=titles[goods_id],
                quantity=int(quantity),
                sales_fen=int(fen) - refunded.get(goods_id, 0),
            )
            for goods_id, quantity, fen in candidates
        ),
        key=lambda goods: (-goods.sales_fen, goods.goods_id),
    )
    return ranked[:limit]


async def recent_orders(session: AsyncSession, *, limit: int = 8) -> list[RecentOrder]:
    """The newest orders, whatever their status."""
    rows = await session.execute(
        select(Order).order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
    )
    return [
        RecentOrder(
            id=order.id,
            order_no=order.order_no,
            receiver_name=order.receiver_name,
            item_count=order.item_count,
            total_fen=order.total_fen,
            status=order.status,
            created_at=order.created_at,
        )
        for order in rows.scalars()
    ]


async def low_stock(
    session: AsyncSession, *, threshold: int | None = None, limit: int = 8
) -> list[LowStock]:
    """Sellable SKUs of goods on the shelf below their own low-stock threshold, or below
    `threshold` (default: the shop's, `catalog.hints`) when they have none; emptiest first."""
    below = hints.threshold() if threshold is None else threshold

    def emptiest(low: ColumnElement[bool]) -> Select[int, int, str, list[str], int]:
        return (
            select(Sku.id, Sku.goods_id, Goods.title, Sku.spec_values, Sku.stock)
            .join(Goods, Goods.id == Sku.goods_id)
            .where(
                low,
                Sku.is_active.is_(True),
                Goods.is_on_shelf.is_(True),
                Goods.deleted_at.is_(None),
            )
            .order_by(Sku.stock, Sku.id)
            .limit(limit)
        )

    # Two short ranges of ix_skus_low_stock (low_stock_below, stock) instead of every SKU read
    # and sorted: the SKUs on the shop's threshold below it, in stock order; those with their
    # own (few), each against its own. The emptiest `limit` of both.
    rows = [
        *await session.execute(emptiest(Sku.low_stock_below.is_(None) & (Sku.stock < below))),
        *await session.execute(
            emptiest(Sku.low_stock_below.is_not(None) & (Sku.stock < Sku.low_stock_below))
        ),
    ]
    rows = sorted(rows, key=lambda row: (row.stock, row.id))[:limit]
    return [
        LowStock(
            sku_id=sku_id,
            goods_id=goods_id,
            title=title,
            spec_text=spec_text(values or []),
            stock=stock,
        )
        for sku_id, goods_id, title, values, stock in rows
    ]


async def todo(session: AsyncSession) -> ToDo:
    """How many orders wait for the merchant: to ship, unpaid, asking for a refund."""
    counts = dict(
        (
            await session.execute(
                select(Order.status, func.count(Order.id))
                .where(
                    Order.status.in_([Status.PAID, Status.PENDING_PAYMENT, Status.REFUND_REQUESTED])
                )
                .group_by(Order.status)
            )
        ).all()
    )
    return ToDo(
        to_ship=counts.get(Status.PAID, 0),
        pending_payment=counts.get(Status.PENDING_PAYMENT, 0),
        refund_requests=counts.get(Status.REFUND_REQUESTED, 0),
    )


async def live_board(session: AsyncSession, *, now: datetime) -> LiveBoard:
    """Everything on the self-refreshing part of the dashboard, as of `now`."""
    today = shop_day(now)
    return LiveBoard(
        today=await day_stats(session, day=today),
        yesterday=await day_stats(session, day=today - timedelta(days=1)),
        yesterday_so_far=await day_stats(
            session, day=today - timedelta(days=1), until=now - timedelta(days=1)
        ),
        todo=await todo(session),
        recent_orders=await recent_orders(session),
        low_stock=await low_stock(session),
        low_stock_threshold=hints.threshold(),
        refreshed_at=now,
    )
