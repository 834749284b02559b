"""The dashboard's sums moved into the database answer exactly what the Python sums they
replaced answered: the same days (shop-day edges in Asia/Shanghai, the window's first and last
instant), the same goods in the same order (ties, refunds reordering them)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from xiaodian.context import AppContext
from xiaodian.dashboard import service
from xiaodian.dashboard.schemas import SalesPoint, TopGoods
from xiaodian.models import Goods, Order, OrderLine, Payment, Refund, User
from xiaodian.payments.vocabulary import RefundStatus

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai


async def python_sales_series(session: AsyncSession, *, today: date) -> list[SalesPoint]:
    """The code `sales_series` replaced: every paid order of the window summed in Python."""
    days = service.TREND_DAYS
    first = today - timedelta(days=days - 1)
    start, _ = service.day_bounds(first)
    sales = {first + timedelta(days=i): [0, 0, 0] for i in range(days)}
    for paid_at, total_fen in await session.execute(
        select(Order.paid_at, Order.total_fen).where(Order.paid_at >= start)
    ):
        bucket = sales.get(service.shop_day(paid_at))
        if bucket is not None:
            bucket[0] += total_fen
            bucket[1] += 1
    for refunded_at, amount_fen in await session.execute(
        select(Refund.refunded_at, Refund.amount_fen).where(
            Refund.status == RefundStatus.SUCCEEDED, Refund.refunded_at >= start
        )
    ):
        bucket = sales.get(service.shop_day(refunded_at))
        if bucket is not None:
            bucket[2] += amount_fen
    return [
        SalesPoint(day=day, sales_fen=fen, paid_orders=n, refund_fen=back, net_fen=fen - back)
        for day, (fen, n, back) in sales.items()
    ]


async def python_top_goods(session: AsyncSession, *, today: date, limit: int) -> list[TopGoods]:
    """The code `top_goods` replaced: every line of the window summed in Python."""
    start, _ = service.day_bounds(today - timedelta(days=service.TREND_DAYS - 1))
    rows = (
        await session.execute(
            select(OrderLine.id, Goods.id, Goods.title, OrderLine.quantity, OrderLine.pay_fen)
            .join(OrderLine, OrderLine.goods_id == Goods.id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.paid_at >= start)
        )
    ).all()
    refunded: dict[int, int] = {}
    order_ids = (
        select(OrderLine.order_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.paid_at >= start)
    )
    for (lines,) in await session.execute(
        select(Refund.lines).where(
            Refund.status == RefundStatus.SUCCEEDED, Refund.order_id.in_(order_ids)
        )
    ):
        for item in lines or []:
            refunded[int(item["line_id"])] = refunded.get(int(item["line_id"]), 0) + int(
                item["amount_fen"]
            )
    titles: dict[int, str] = {}
    units: dict[int, int] = {}
    takings: dict[int, int] = {}
    for line_id, goods_id, title, quantity, pay_fen in rows:
        titles[goods_id] = title
        units[goods_id] = units.get(goods_id, 0) + quantity
        takings[goods_id] = takings.get(goods_id, 0) + pay_fen - refunded.get(line_id, 0)
    ranked = sorted(takings, key=lambda goods_id: (-takings[goods_id], goods_id))[:limit]
    return [
        TopGoods(goods_id=g, title=titles[g], quantity=units[g], sales_fen=takings[g])
        for g in ranked
    ]


def _moments(today: date, rng: random.Random) -> list[datetime | None]:
    """Paid instants on and around every edge that matters, plus random ones and unpaid."""
    first_start, _ = service.day_bounds(today - timedelta(days=service.TREND_DAYS - 1))
    _, today_end = service.day_bounds(today)
    tick = timedelta(microseconds=1)
    edges: list[datetime | None] = [
        first_start - tick,  # the day before the window
        first_start,
        first_start + tick,
        today_end - tick,
        today_end,  # tomorrow: counted by neither
        None,
    ]
    for offset in range(service.TREND_DAYS):
        start, _ = service.day_bounds(today - timedelta(days=offset))
        edges += [start - tick, start]
    spread = (today_end - first_start).total_seconds() + 86400 * 3
    randoms = [
        first_start - timedelta(days=2) + timedelta(seconds=rng.uniform(0, spread))
        for _ in range(150)
    ]
    return edges + randoms


async def _shop(context: AppContext, *, today: date, seed: int) -> None:
    """Goods (some with equal prices, for ties), orders of 1–3 lines paid at `_moments`, and
    refunds: succeeded ones with lines (some inside the window, some refunding older orders),
    pending and failed ones that must not count."""
    rng = random.Random(seed)
    goods = [
        await factories.make_goods(context, title=f"货{i}", prices=[price])
        for i, price in enumerate([500, 500, 800, 1200, 1200, 3000])
    ]
    async with context.db.transaction() as session:
        user = User(openid=f"dashboard-{seed}")
        session.add(user)
        await session.flush()
        for number, paid_at in enumerate(_moments(today, rng)):
            picked = rng.sample(goods, rng.randint(1, 3))
            lines = [
                OrderLine(
                    goods_id=item["id"],
                    sku_id=item["sku_ids"][0],
                    title="t",
                    unit_price_fen=500,
                    quantity=(quantity := rng.randint(1, 4)),
                    goods_total_fen=500 * quantity,
                    pay_fen=rng.choice([500, 1000, 1500]) * quantity,
                    paid_at=paid_at,  # as `actions.mark_paid` copies it
                )
                for item in picked
            ]
            total = sum(line.pay_fen for line in lines) + rng.choice([0, 800])
            order = Order(
                order_no=f"D{seed}{number:05d}",
                user_id=user.id,
                status="paid" if paid_at else "pending_payment",
                goods_total_fen=total,
                total_fen=total,
                item_count=len(lines),
                receiver_name="张三",
                receiver_phone="13800000000",
                province="上海市",
                city="上海市",
                district="浦东新区",
                address_detail="世纪大道 1 号",
                paid_at=paid_at,
                created_at=NOW - timedelta(days=40),
                lines=lines,
            )
            session.add(order)
            await session.flush()
            if paid_at is None or rng.random() < 0.6:
                continue
            payment = Payment(
                order_id=order.id,
                channel="wechat",
                api="v3",
                out_trade_no=f"P{seed}{number}",
                amount_fen=total,
                status="succeeded",
                paid_at=paid_at,
            )
            session.add(payment)
            await session.flush()
            line = rng.choice(lines)
            amount = rng.randint(1, line.pay_fen)
            session.add(
                Refund(
                    order_id=order.id,
                    payment_id=payment.id,
                    out_refund_no=f"R{seed}{number}",
                    kind="after_sale",
                    status=rng.choice([RefundStatus.SUCCEEDED] * 3 + ["pending", "failed"]),
                    amount_fen=amount,
                    lines=[{"line_id": line.id, "quantity": 1, "amount_fen": amount}],
                    refunded_at=paid_at + timedelta(hours=rng.choice([1, 30, 24 * 40])),
                )
            )


async def test_sales_series_and_top_goods_answer_what_the_python_sums_answered(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    today = service.shop_day(NOW)
    await _shop(context, today=today, seed=9)
    async with context.db.transaction(write=False) as session:
        series = await service.sales_series(session, today=today)
        assert series == await python_sales_series(session, today=today)
        assert sum(point.paid_orders for point in series) > 100
        assert sum(point.refund_fen for point in series) > 0
        for limit in (1, 3, 8, 100):
            top = await service.top_goods(session, today=today, limit=limit)
            assert top == await python_top_goods(session, today=today, limit=limit)
        assert len(top) == 6


async def test_an_empty_window_has_thirty_zero_days_and_no_goods(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    today = service.shop_day(NOW)
    async with context.db.transaction(write=False) as session:
        series = await service.sales_series(session, today=today)
        assert series == await python_sales_series(session, today=today)
        assert [point.sales_fen for point in series] == [0] * 30
        assert await service.top_goods(session, today=today) == []
