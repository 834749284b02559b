"""The dashboard's numbers: shop days in Asia/Shanghai, sums in fen, what needs doing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from tests import factories
from tests.console.helpers import signed_in
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.dashboard import service
from xiaodian.models import Goods, OrderLine, Payment, Refund, Sku
from xiaodian.orders import actions
from xiaodian.orders import service as orders

# 23:30 on 10 March in Shanghai.
LATE_EVENING = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


async def _order(
    client: httpx.AsyncClient,
    context: AppContext,
    headers: dict[str, str],
    *,
    sku_id: int,
    quantity: int = 1,
    paid_at: datetime | None = None,
) -> dict[str, int]:
    """An order placed now and, if `paid_at` is given, marked paid at that moment."""
    address_id = await factories.address(client, headers)
    order = await factories.place_order(
        client, headers, sku_id=sku_id, quantity=quantity, address_id=address_id
    )
    if paid_at is not None:
        clock.freeze(paid_at)
        async with context.db.transaction() as session:
            row = await orders.order_for_update(session, order_id=order["id"])
            assert await actions.mark_paid(session, order=row, by=Actor.system("test"))
        assert await factories.lines_off_their_orders_paid_at(context) == 0
    return {"id": order["id"], "total_fen": order["total_fen"]}


async def test_today_starts_at_midnight_in_shanghai(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(LATE_EVENING)
    goods = await factories.make_goods(context, prices=[1990])
    shopper = await factories.shopper(client, context)
    evening = await _order(
        client, context, shopper, sku_id=goods["sku_ids"][0], paid_at=LATE_EVENING
    )
    after_midnight = LATE_EVENING + timedelta(hours=1)  # 00:30 on 11 March
    night = await _order(
        client, context, shopper, sku_id=goods["sku_ids"][0], quantity=2, paid_at=after_midnight
    )
    async with context.db.transaction(write=False) as session:
        board = await service.live_board(session, now=after_midnight + timedelta(minutes=5))
    assert (board.today.paid_orders, board.today.sales_fen) == (1, night["total_fen"])
    assert (board.yesterday.paid_orders, board.yesterday.sales_fen) == (1, evening["total_fen"])
    assert board.todo.to_ship == 2
    assert [order.id for order in board.recent_orders] == [night["id"], evening["id"]]


async def test_average_order_value_is_rounded_to_the_nearest_fen(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(LATE_EVENING)
    first = await factories.make_goods(context, prices=[1990])
    second = await factories.make_goods(context, prices=[1991])
    shopper = await factories.shopper(client, context)
    a = await _order(client, context, shopper, sku_id=first["sku_ids"][0], paid_at=LATE_EVENING)
    b = await _order(client, context, shopper, sku_id=second["sku_ids"][0], paid_at=LATE_EVENING)
    async with context.db.transaction(write=False) as session:
        stats = await service.day_stats(session, day=service.shop_day(LATE_EVENING))
    assert (a["total_fen"], b["total_fen"]) == (2790, 2791)
    assert (stats.sales_fen, stats.paid_orders, stats.average_order_fen) == (5581, 2, 2791)


async def test_thirty_days_of_sales_and_the_goods_that_took_the_most(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(LATE_EVENING - timedelta(days=40))  # every order is placed then, paid later
    cheap = await factories.make_goods(context, title="葱", prices=[300])
    dear = await factories.make_goods(context, title="牛排", prices=[12800])
    shopper = await factories.shopper(client, context)
    old = LATE_EVENING - timedelta(days=40)
    await _order(client, context, shopper, sku_id=dear["sku_ids"][0], paid_at=old)
    clock.freeze(old)
    three_days_ago = LATE_EVENING - timedelta(days=3)
    await _order(
        client, context, shopper, sku_id=cheap["sku_ids"][0], quantity=5, paid_at=three_days_ago
    )
    clock.freeze(old)
    await _order(client, context, shopper, sku_id=dear["sku_ids"][0], paid_at=LATE_EVENING)
    clock.freeze(old)
    await _order(client, context, shopper, sku_id=cheap["sku_ids"][0])  # never paid
    today = service.shop_day(LATE_EVENING)
    async with context.db.transaction(write=False) as session:
        series = await service.sales_series(session, today=today)
        top = await service.top_goods(session, today=today)
    assert len(series) == 30 and series[-1].day == today
    by_day = {point.day: (point.sales_fen, point.paid_orders) for point in series}
    assert by_day[today] == (12800, 1)  # free freight from 99 yuan
    assert by_day[today - timedelta(days=3)] == (1500 + 800, 1)
    assert sum(point.paid_orders for point in series) == 2
    assert [(g.title, g.quantity, g.sales_fen) for g in top] == [
        ("牛排", 1, 12800),
        ("葱", 5, 1500),
    ]


async def test_low_stock_lists_only_what_can_be_sold_emptiest_first(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    low = await factories.make_goods(context, title="鸡蛋", specs={"盒": ["6枚", "10枚"]}, stock=4)
    await factories.make_goods(context, title="大米", stock=500)
    hidden = await factories.make_goods(context, title="下架的", stock=1, on_shelf=False)
    async with context.db.transaction() as session:
        await session.execute(update(Sku).where(Sku.id == low["sku_ids"][1]).values(stock=0))
        await session.execute(update(Goods).where(Goods.id == hidden["id"]).values(sales=1))
    async with context.db.transaction(write=False) as session:
        listed = await service.low_stock(session, threshold=10)
    assert [(item.title, item.spec_text, item.stock) for item in listed] == [
        ("鸡蛋", "10枚", 0),
        ("鸡蛋", "6枚", 4),
    ]


async def test_low_stock_is_every_sku_below_its_threshold_whatever_the_thresholds(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """The list reads only stock below the highest threshold in use: a SKU's own threshold
    above the shop's still lists it, and the result is what filtering every SKU gives
    (emptiest first, ties by id, the list's length)."""
    # (stock, own threshold): own thresholds above, below and at the shop's 10; ties on stock
    skus = [(0, None), (3, 2), (3, None), (9, None), (10, None), (15, 20), (19, 20), (20, 20)]
    skus += [(25, 40), (39, 40), (5, 5), (4, 5), (12, None), (1, 1), (0, 1), (7, None)]
    made = []
    for index, (stock, own) in enumerate(skus):
        goods = await factories.make_goods(context, title=f"货{index}", stock=stock)
        made.append(goods["sku_ids"][0])
        if own is not None:
            async with context.db.transaction() as session:
                await session.execute(
                    update(Sku).where(Sku.id == goods["sku_ids"][0]).values(low_stock_below=own)
                )
    await factories.make_goods(context, title="下架的", stock=0, on_shelf=False)  # never listed
    retired = await factories.make_goods(context, title="停售的", stock=0)
    async with context.db.transaction() as session:
        await session.execute(
            update(Sku).where(Sku.id == retired["sku_ids"][0]).values(is_active=False)
        )
    for threshold, limit in ((10, 8), (10, 50), (1, 50), (30, 50), (0, 3)):
        expected = sorted(
            (stock, sku_id)
            for sku_id, (stock, own) in zip(made, skus, strict=True)
            if stock < (threshold if own is None else own)
        )[:limit]
        async with context.db.transaction(write=False) as session:
            listed = await service.low_stock(session, threshold=threshold, limit=limit)
        assert [(item.stock, item.sku_id) for item in listed] == expected, (threshold, limit)


async def test_refunds_count_on_the_day_the_money_went_back(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(LATE_EVENING)
    goods = await factories.make_goods(context, prices=[5000])
    shopper = await factories.shopper(client, context)
    order = await _order(client, context, shopper, sku_id=goods["sku_ids"][0], paid_at=LATE_EVENING)
    async with context.db.transaction() as session:
        payment = Payment(
            order_id=order["id"],
            channel="wechat",
            api="v3",
            out_trade_no="T1",
            amount_fen=order["total_fen"],
            status="succeeded",
            paid_at=LATE_EVENING,
        )
        session.add(payment)
        await session.flush()
        for number, (amount, status) in enumerate(((1000, "succeeded"), (500, "failed"))):
            session.add(
                Refund(
                    order_id=order["id"],
                    payment_id=payment.id,
                    out_refund_no=f"R{number}",
                    kind="after_sale",
                    status=status,
                    amount_fen=amount,
                    refunded_at=LATE_EVENING if status == "succeeded" else None,
                )
            )
    async with context.db.transaction(write=False) as session:
        today = await service.day_stats(session, day=service.shop_day(LATE_EVENING))
    assert (today.refunds, today.refund_fen, today.sales_fen) == (1, 1000, order["total_fen"])


async def test_today_so_far_is_compared_with_yesterday_up_to_the_same_time(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    noon = datetime(2026, 3, 11, 4, 0, tzinfo=UTC)  # 12:00 on 11 March in Shanghai
    clock.freeze(noon - timedelta(days=2))
    goods = await factories.make_goods(context, prices=[2000])
    shopper = await factories.shopper(client, context)
    sku_id = goods["sku_ids"][0]
    morning = await _order(
        client, context, shopper, sku_id=sku_id, paid_at=noon - timedelta(days=1, hours=3)
    )
    clock.freeze(noon - timedelta(days=2))
    await _order(
        client, context, shopper, sku_id=sku_id, quantity=3, paid_at=noon - timedelta(hours=16)
    )
    clock.freeze(noon - timedelta(days=2))
    today = await _order(client, context, shopper, sku_id=sku_id, paid_at=noon - timedelta(hours=2))
    async with context.db.transaction(write=False) as session:
        board = await service.live_board(session, now=noon)
    assert board.yesterday.paid_orders == 2  # the whole of yesterday, 20:00 included
    assert (board.yesterday_so_far.paid_orders, board.yesterday_so_far.sales_fen) == (
        1,
        morning["total_fen"],
    )
    assert board.today.sales_fen == today["total_fen"]

    clock.freeze(noon)
    await signed_in(client, context)
    page = await client.get("/console/dashboard/live", headers={"HX-Request": "true"})
    # 2000 + freight today against yesterday's morning order alone: +0%, not -50%.
    assert "较昨日同时段 +0%" in page.text
    assert "今日净销售额" in page.text


async def test_every_sales_figure_is_net_of_refunds(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(LATE_EVENING)
    eggs = await factories.make_goods(context, title="鸡蛋", prices=[3000])
    rice = await factories.make_goods(context, title="大米", prices=[10000])
    shopper = await factories.shopper(client, context)
    egg_order = await _order(
        client, context, shopper, sku_id=eggs["sku_ids"][0], quantity=2, paid_at=LATE_EVENING
    )
    clock.freeze(LATE_EVENING)
    await _order(client, context, shopper, sku_id=rice["sku_ids"][0], paid_at=LATE_EVENING)
    async with context.db.transaction() as session:
        line_id = (
            await session.execute(select(OrderLine.id).where(OrderLine.order_id == egg_order["id"]))
        ).scalar_one()
        payment = Payment(
            order_id=egg_order["id"],
            channel="wechat",
            api="v3",
            out_trade_no="NET1",
            amount_fen=egg_order["total_fen"],
            status="succeeded",
            paid_at=LATE_EVENING,
        )
        session.add(payment)
        await session.flush()
        session.add(
            Refund(
                order_id=egg_order["id"],
                payment_id=payment.id,
                out_refund_no="NETR1",
                kind="after_sale",
                status="succeeded",
                amount_fen=3000,
                lines=[{"line_id": line_id, "quantity": 1, "amount_fen": 3000}],
                refunded_at=LATE_EVENING,
            )
        )
    day = service.shop_day(LATE_EVENING)
    async with context.db.transaction(write=False) as session:
        stats = await service.day_stats(session, day=day)
        series = await service.sales_series(session, today=day)
        top = await service.top_goods(session, today=day)
    assert stats.net_fen == stats.sales_fen - 3000
    assert (series[-1].sales_fen, series[-1].refund_fen, series[-1].net_fen) == (
        stats.sales_fen,
        3000,
        stats.net_fen,
    )
    # 鸡蛋 took 6000 and gave 3000 back: 大米's 10000 now ranks first, 鸡蛋 shows 3000.
    assert [(g.title, g.quantity, g.sales_fen) for g in top] == [
        ("大米", 1, 10000),
        ("鸡蛋", 2, 3000),
    ]
