"""The demo's after-sale work (售后退款): five orders of three neighbours, each in a state the
merchant meets every day — a 仅退款 request and a 退货退款 request waiting for approval, a
return shipped back and waiting for receipt, a refund paid back and one rejected.

Nothing here writes a status: each order is placed by the checkout, paid by the payment
layer's own confirmation (`settle.apply_success`, what a WeChat Pay notification runs), shipped
and decided by the services the console calls, and the paid-back refund is settled by the
report the channel would send (`refund_service.on_channel_report`). So the amounts are the
ones the app computes, to the fen, and the payments and refunds are the rows reconciliation
expects: succeeded ones, which it never asks about again (the simulator keeps no state
across restarts, so nothing is left for it to answer).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.config import Settings
from xiaodian.models import Address, AdminUser, Goods, Payment, Refund, Sku, User
from xiaodian.orders import admin_service
from xiaodian.orders import service as orders
from xiaodian.orders.checkout import place_order
from xiaodian.orders.schemas import OrderCreate, OrderItemIn, ShipIn
from xiaodian.payments import refund_service, returns
from xiaodian.payments.schemas import RefundLineIn, RefundRequestIn, ReturnShipmentIn
from xiaodian.payments.settle import apply_success
from xiaodian.payments.vocabulary import NotificationOutcome, PaymentStatus, RefundStatus

RETURN_ADDRESS = "上海市浦东新区锦绣路 1000 弄 邻里鲜门店 售后组 收，400-000-0000"
DECIDED_BY = "manager"
"""The demo staff account (店长小李) who decides the refunds."""


@dataclass(frozen=True)
class Case:
    shopper: str
    """The key of a demo neighbour (`data.SHOPPERS`)."""
    goods: tuple[tuple[str, int], ...]
    """(title, quantity) per line; each goods item's first SKU."""
    ends: RefundStatus
    reason: str
    refund_titles: tuple[str, ...] = ()
    """The lines the shopper asks about (all of them when empty)."""
    return_goods: bool = False
    shipped: bool = True
    completed: bool = False
    reject_reason: str = ""


CASES = (
    Case(
        "wang",
        (("鲜牛奶", 2),),
        RefundStatus.REQUESTED,
        "下错单了，还没发货请帮我退掉",
        shipped=False,
    ),
    Case(
        "li",
        (("智利车厘子", 1),),
        RefundStatus.REQUESTED,
        "收到的车厘子有一小半压坏了",
        return_goods=True,
    ),
    Case(
        "jie",
        (("洗衣液", 1),),
        RefundStatus.RETURNING,
        "买错规格了，想换大瓶",
        return_goods=True,
    ),
    Case(
        "wang",
        (("东北大米", 1), ("土鸡蛋", 1)),
        RefundStatus.SUCCEEDED,
        "鸡蛋碎了好几个",
        refund_titles=("土鸡蛋",),
        completed=True,
    ),
    Case(
        "li",
        (("全麦吐司", 2),),
        RefundStatus.REJECTED,
        "不想吃了",
        completed=True,
        reject_reason="面包已拆封食用，不支持无理由退货，如有质量问题请上传照片",
    ),
)


async def seed_aftersale(session: AsyncSession, *, settings: Settings, rng: random.Random) -> None:
    """The five after-sale cases of `CASES` (the demo's neighbours and goods must exist)."""
    admin_id = await session.scalar(select(AdminUser.id).where(AdminUser.username == DECIDED_BY))
    assert admin_id is not None, "the demo staff are seeded first"
    shoppers = {
        user.openid.removeprefix("demo-neighbour-"): user
        for user in await session.scalars(select(User).where(User.openid.like("demo-neighbour-%")))
    }
    addresses: dict[int, int] = {}
    for case in CASES:
        shopper = shoppers[case.shopper]
        if shopper.id not in addresses:
            addresses[shopper.id] = await _address(session, shopper, rng)
        await _play(session, case, shopper, addresses[shopper.id], admin_id, settings, rng)


async def _address(session: AsyncSession, shopper: User, rng: random.Random) -> int:
    address = Address(
        user_id=shopper.id,
        name=shopper.nickname[:10],
        phone=f"139{rng.randint(10**7, 10**8 - 1)}",
        province="上海市",
        city="上海市",
        district="浦东新区",
        detail=f"锦绣路 {rng.randint(1, 999)} 弄 {rng.randint(1, 12)} 号 {rng.randint(101, 1802)}",
        is_default=True,
    )
    session.add(address)
    await session.flush()
    return address.id


async def _first_sku(session: AsyncSession, title: str) -> int:
    sku_id = await session.scalar(
        select(Sku.id).join(Goods).where(Goods.title == title).order_by(Sku.id).limit(1)
    )
    assert sku_id is not None, title
    return sku_id


async def _play(
    session: AsyncSession,
    case: Case,
    shopper: User,
    address_id: int,
    admin_id: int,
    settings: Settings,
    rng: random.Random,
) -> None:
    """Take one case from checkout to the state it ends in, as the shopper and the shop would."""
    items = [
        OrderItemIn(sku_id=await _first_sku(session, title), quantity=quantity)
        for title, quantity in case.goods
    ]
    placed, _ = await place_order(
        session,
        user=shopper,
        request=OrderCreate(items=items, address_id=address_id, coupon_id=None),
        idempotency_key=None,
        defaults=settings,
    )
    await _pay(session, order_id=placed.id, order_no=placed.order_no, shopper=shopper, rng=rng)
    if case.shipped:
        await admin_service.ship(
            session,
            order_id=placed.id,
            shipment=ShipIn(carrier="门店配送", tracking_no=f"MD{rng.randint(10**9, 10**10)}"),
            admin_id=admin_id,
            defaults=settings,
        )
    if case.completed:
        await orders.confirm_receipt(session, user_id=shopper.id, order_id=placed.id)
    order = await orders.order_for_update(session, order_id=placed.id)
    lines = [
        RefundLineIn(line_id=line.id, quantity=line.quantity)
        for line in order.lines
        if line.title in case.refund_titles
    ]
    await refund_service.request_refund(
        session,
        user=shopper,
        order_id=placed.id,
        data=RefundRequestIn(
            reason=case.reason, lines=lines or None, return_goods=case.return_goods
        ),
    )
    refund = await session.scalar(select(Refund).where(Refund.order_id == placed.id))
    assert refund is not None
    await _decide(session, case, refund, shopper, admin_id, settings, rng)


async def _pay(
    session: AsyncSession, *, order_id: int, order_no: str, shopper: User, rng: random.Random
) -> None:
    """The payment row the checkout's prepay writes, confirmed as a WeChat Pay notification
    confirms it (the order moves to paid through the state machine)."""
    order = await orders.order_for_update(session, order_id=order_id)
    payment = Payment(
        order_id=order_id,
        channel="wechat",
        api="v3",
        out_trade_no=order_no,
        amount_fen=order.total_fen,
        status=PaymentStatus.PENDING,
    )
    session.add(payment)
    await session.flush()
    outcome = await apply_success(
        session,
        payment=payment,
        amount_fen=order.total_fen,
        transaction_id=f"4200{rng.randint(10**23, 10**24 - 1)}",
        payer_openid=shopper.openid,
        event_key=f"demo:wechat:{order_no}",
    )
    assert outcome == NotificationOutcome.PAID, outcome


async def _decide(
    session: AsyncSession,
    case: Case,
    refund: Refund,
    shopper: User,
    admin_id: int,
    settings: Settings,
    rng: random.Random,
) -> None:
    if case.ends == RefundStatus.REJECTED:
        await refund_service.reject(
            session, refund_id=refund.id, admin_id=admin_id, reason=case.reject_reason
        )
    elif case.ends == RefundStatus.RETURNING:
        await returns.agree_to_return(
            session,
            refund_id=refund.id,
            admin_id=admin_id,
            address=RETURN_ADDRESS,
            ship_days=settings.return_ship_days,
        )
        await returns.ship_back(
            session,
            user=shopper,
            refund_id=refund.id,
            shipment=ReturnShipmentIn(
                carrier="顺丰速运", tracking_no=f"SF{rng.randint(10**12, 10**13 - 1)}"
            ),
        )
    elif case.ends == RefundStatus.SUCCEEDED:
        # What the console's 同意退款 commits, then what WeChat Pay's refund notification
        # applies when the money is back (the simulator would answer SUCCESS the same way).
        await refund_service.agree(
            session,
            refund_id=refund.id,
            admin_id=admin_id,
            from_status=RefundStatus.REQUESTED,
            values={},
            note="同意退款",
            audit=None,
        )
        outcome = await refund_service.on_channel_report(
            session,
            out_refund_no=refund.out_refund_no,
            status="SUCCESS",
            channel_refund_id=f"50{rng.randint(10**26, 10**27 - 1)}",
        )
        assert outcome == NotificationOutcome.REFUNDED, outcome
