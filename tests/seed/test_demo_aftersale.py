"""The demo's after-sale orders: five refunds in the states a merchant meets every day, each
on a real payment, with the amounts the app computes, shown by the console's 售后退款 page
(seeded over the demo's goods titles of our own: the whole demo takes long, and
tests/test_platform.py checks the full seed holds them too)."""

from __future__ import annotations

import random
import re

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.console.helpers import make_admin, signed_in
from tests.payments.helpers import settle, simulator
from xiaodian.cli import remind_simulator
from xiaodian.context import AppContext
from xiaodian.models import Order, Payment, Refund, User
from xiaodian.seed.aftersale import CASES, DECIDED_BY, seed_aftersale

PRICES = {"鲜牛奶": 1380, "智利车厘子": 5990, "洗衣液": 2990, "东北大米": 3990, "土鸡蛋": 1590}
PRICES["全麦吐司"] = 1290
BADGE = re.compile(r'data-refund-status="(\w+)".*?<span class="badge[^"]*">([^<]+)</span>', re.S)


async def _seeded(context: AppContext) -> None:
    for title, price in PRICES.items():
        await factories.make_goods(context, title=title, prices=[price], stock=10)
    await make_admin(context, username=DECIDED_BY, role="manager")
    async with context.db.transaction() as session:
        session.add_all(
            User(openid=f"demo-neighbour-{key}", nickname=name)
            for key, name in (("wang", "小区王阿姨"), ("li", "爱做饭的李姐"), ("jie", "阿杰"))
        )
        await session.flush()
        await seed_aftersale(session, settings=context.settings, rng=random.Random(1))


async def test_the_demo_has_five_after_sale_cases_on_real_payments_with_exact_amounts(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await _seeded(context)
    async with context.db.transaction(write=False) as session:
        rows = (
            await session.execute(
                select(Refund, Order, Payment, User)
                .join(Order, Order.id == Refund.order_id)
                .join(Payment, Payment.id == Refund.payment_id)
                .join(User, User.id == Order.user_id)
                .order_by(Refund.id)
            )
        ).all()
    assert [(r.status, r.return_goods, o.status) for r, o, _, _ in rows] == [
        ("requested", False, "refund_requested"),
        ("requested", True, "refund_requested"),
        ("returning", True, "refund_requested"),
        ("succeeded", False, "completed"),  # one line of two: the order keeps the rest
        ("rejected", False, "completed"),
    ]
    assert len({u.id for _, _, _, u in rows}) == 3 == len({case.shopper for case in CASES})
    assert all(
        p.status == "succeeded" and p.amount_fen == o.total_fen and p.transaction_id
        for _, o, p, _ in rows
    )
    # not shipped: all of it back, freight included; shipped: the goods' share only
    assert [r.amount_fen for r, _, _, _ in rows] == [2 * 1380 + 800, 5990, 2990, 1590, 2 * 1290]
    returning, refunded = rows[2][0], rows[3][0]
    assert returning.return_address and returning.return_carrier == "顺丰速运"
    assert returning.return_tracking_no and returning.return_due_at is not None
    assert refunded.refunded_at is not None and refunded.channel_refund_id
    assert rows[4][0].reject_reason and rows[4][0].decided_by is not None

    console = await signed_in(client, context)
    page = await console.get("/refunds")
    assert page.status_code == 200
    assert BADGE.findall(page.text) == [
        ("rejected", "已拒绝"),
        ("succeeded", "已退款"),
        ("returning", "待商家收货"),
        ("requested", "待审核"),
        ("requested", "待审核"),
    ]
    assert page.text.count("data-return-goods") == 2
    assert "确认收货并退款" in page.text and "同意退货" in page.text
    order = await console.get(f"/orders/{rows[3][1].id}")
    assert "−¥15.90" in order.text and "¥47.90" in order.text  # 已退款, 实收（扣除退款）
    board = await console.get("/dashboard/live")
    paid_today = sum(o.total_fen for _, o, _, _ in rows)
    assert f'data-stat="sales">{(paid_today - 1590) / 100:.2f}<' in board.text


async def test_the_demos_waiting_refunds_go_back_through_the_simulator_the_demo_started(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    """The simulator keeps its payments in memory: `xiaodian demo` tells it of the paid ones
    at start, so 同意退款 and 确认收货并退款 on the seeded cases pay back instead of failing
    with 订单不存在 — and it refuses more than is left of a partly refunded payment."""
    await _seeded(context)
    async with context.db.transaction(write=False) as session:
        await remind_simulator(session, simulator(app))
        ids = {
            status: refund_id
            for refund_id, status in await session.execute(
                select(Refund.id, Refund.status).order_by(Refund.id.desc())
            )
        }
        partly = await session.scalar(
            select(Payment.out_trade_no)
            .join(Refund, Refund.payment_id == Payment.id)
            .where(Refund.status == "succeeded")
        )
    assert partly is not None and simulator(app).orders[partly].refunded_fen == 1590
    console = await signed_in(client, context)
    approved = await console.post(f"/refunds/{ids['requested']}/approve")
    received = await console.post(f"/refunds/{ids['returning']}/receive", {"restock": "1"})
    assert approved.status_code == received.status_code == 303
    await settle(app)
    async with context.db.transaction(write=False) as session:
        rows = {
            refund_id: status
            for refund_id, status in await session.execute(
                select(Refund.id, Order.status)
                .join(Order, Order.id == Refund.order_id)
                .where(Refund.status == "succeeded")
            )
        }
    assert rows[ids["requested"]] == "refunded"  # the first 仅退款: all of it, freight too
    assert rows[ids["returning"]] == "refunded"
