"""The merchant's order list takes an unfiltered tab's total from the tab counts it shows; that
total must be what counting the tab answers, and any other filter still counts."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests import factories
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import Order, User
from xiaodian.orders import admin_service
from xiaodian.orders.schemas import AdminOrderQuery
from xiaodian.orders.state import Status
from xiaodian.orders.views import TAB_STATUSES


async def test_totals_from_the_tab_counts_are_the_counted_totals(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await factories.make_goods(context)
    statuses = [Status.PENDING_PAYMENT, Status.PAID, Status.SHIPPED, Status.COMPLETED]
    statuses += [Status.CLOSED, Status.REFUND_REQUESTED, Status.REFUNDED, Status.GROUPING]
    now = clock.now()
    async with context.db.transaction() as session:
        users = [User(openid="list-a"), User(openid="list-b")]
        session.add_all(users)
        await session.flush()
        for number in range(45):
            session.add(
                Order(
                    order_no=f"L{number:05d}",
                    user_id=users[number % 2].id,
                    status=statuses[number * 7 % len(statuses)],
                    goods_total_fen=100,
                    total_fen=100,
                    item_count=1,
                    receiver_name="李四" if number % 3 else "张三",
                    receiver_phone="13800000000",
                    province="上海市",
                    city="上海市",
                    district="浦东新区",
                    address_detail="世纪大道 1 号",
                    created_at=now - timedelta(hours=number),
                )
            )
    async with context.db.transaction(write=False) as session:
        counts = await admin_service.tab_counts(session)
        assert counts["all"] == 45
        for tab in ["all", *TAB_STATUSES]:
            for extra in ({}, {"q": "张三"}, {"user_id": users[0].id}, {"page": 3}):
                query = AdminOrderQuery.model_validate({"status": tab, **extra})
                counted = await admin_service.list_orders(session, query)
                shown = await admin_service.list_orders(session, query, counts=counts)
                assert shown == counted, (tab, extra)
        everything = await admin_service.list_orders(
            session, AdminOrderQuery.model_validate({"q": "张三"}), counts=counts
        )
        assert everything.total == 15
