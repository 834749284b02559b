"""The demo's community delivery: the store near 世纪公园 delivering within 3 km, three daily
slots, and tomorrow morning's paid orders from eight residents, ready to be planned."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog.queries import spec_text
from xiaodian.core import clock
from xiaodian.core.actors import ActorKind
from xiaodian.models import (
    DeliveryOrder,
    DeliverySettings,
    DeliverySlotLoad,
    Goods,
    Order,
    OrderEvent,
    OrderLine,
    Sku,
    User,
)
from xiaodian.orders.numbers import new_order_no
from xiaodian.orders.state import Status
from xiaodian.sandbox.amap import DEMO_STORE_ADDRESS, DEMO_STORE_LAT, DEMO_STORE_LNG, point_for

SLOTS = [
    {"start": "09:00", "end": "11:00", "capacity": 30, "cutoff_minutes": 60},
    {"start": "16:00", "end": "18:00", "capacity": 30, "cutoff_minutes": 60},
    {"start": "19:00", "end": "21:00", "capacity": 20, "cutoff_minutes": 90},
]
RESIDENTS = [
    ("王阿姨", "锦绣路 1500 弄 12 号 301"),
    ("李先生", "芳甸路 300 弄 5 号 1102"),
    ("陈女士", "梅花路 888 号 2 栋 602"),
    ("刘大爷", "民生路 1199 弄 3 号 401"),
    ("赵小姐", "张杨路 2389 弄 8 号 1501"),
    ("孙先生", "杨高中路 2108 号 7 栋 902"),
    ("周阿姨", "东绣路 1255 弄 6 号 203"),
    ("吴先生", "碧云路 199 弄 10 号 702"),
]


async def seed_delivery(session: AsyncSession, rng: random.Random) -> None:
    session.add(
        DeliverySettings(
            enabled=True,
            store_address=DEMO_STORE_ADDRESS,
            store_lat=DEMO_STORE_LAT,
            store_lng=DEMO_STORE_LNG,
            radius_m=3000,
            base_fee_fen=300,
            base_distance_m=1000,
            per_km_fee_fen=100,
            free_above_fen=4900,
            slots=SLOTS,
            slot_days_ahead=2,
            pickup_enabled=True,
            pickup_address=DEMO_STORE_ADDRESS,
            pickup_hours="08:00-21:00",
            express_enabled=True,
            express_fee_fen=1000,
            rider_capacity=12,
            service_minutes=3,
        )
    )
    tomorrow = (clock.to_shop_time(clock.now()).date() + timedelta(days=1)).isoformat()
    rows = await session.execute(select(Sku, Goods).join(Goods).order_by(Sku.id).limit(12))
    skus = [(sku, goods) for sku, goods in rows]
    now = clock.now()
    for index, (name, detail) in enumerate(RESIDENTS):
        resident = User(openid=f"demo-resident-{index}", nickname=name)
        session.add(resident)
        await session.flush()
        lat, lng = point_for(detail) or (DEMO_STORE_LAT, DEMO_STORE_LNG)
        sku, goods = skus[index % len(skus)]
        quantity = rng.randint(1, 3)
        total = sku.price_fen * quantity
        paid_at = now - timedelta(minutes=48 - index)
        order = Order(
            order_no=new_order_no(now - timedelta(minutes=50 - index)),
            user_id=resident.id,
            status=Status.PAID,
            goods_total_fen=total,
            freight_fen=0 if total >= 4900 else 400,
            total_fen=total + (0 if total >= 4900 else 400),
            item_count=quantity,
            receiver_name=name,
            receiver_phone=f"139{rng.randint(10**7, 10**8 - 1)}",
            province="上海市",
            city="上海市",
            district="浦东新区",
            address_detail=detail,
            lat=lat,
            lng=lng,
            created_at=now - timedelta(minutes=50 - index),
            paid_at=paid_at,
            lines=[
                OrderLine(
                    paid_at=paid_at,
                    goods_id=goods.id,
                    sku_id=sku.id,
                    title=goods.title,
                    spec_text=spec_text(sku.spec_values),
                    image_url="",
                    unit_price_fen=sku.price_fen,
                    quantity=quantity,
                    goods_total_fen=total,
                    pay_fen=total,
                )
            ],
        )
        session.add(order)
        await session.flush()
        for from_status, to_status, note in (
            (None, Status.PENDING_PAYMENT, "提交订单"),
            (Status.PENDING_PAYMENT, Status.PAID, "支付成功"),
        ):
            session.add(
                OrderEvent(
                    order_id=order.id,
                    from_status=from_status,
                    to_status=to_status,
                    actor=ActorKind.BUYER,
                    actor_id=resident.id,
                    actor_name="",
                    note=note,
                    created_at=order.created_at,
                )
            )
        session.add(
            DeliveryOrder(
                order_id=order.id,
                method="delivery",
                slot_date=tomorrow,
                slot_start="09:00",
                slot_end="11:00",
                fee_fen=order.freight_fen,
                slot_held=True,
            )
        )
    session.add(DeliverySlotLoad(slot_date=tomorrow, slot_start="09:00", taken=len(RESIDENTS)))
    await session.flush()
