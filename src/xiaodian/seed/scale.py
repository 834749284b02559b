"""A large shop for benchmarks (`xiaodian seed --scale N`): on top of the demo shop, N × 1,000
goods (3 SKUs each, with a picture, a spec and search pieces), N × 10,000 shoppers and
N × 50,000 past orders (1–3 lines each, spread over the last year, none waiting for payment).
`--scale 20` is the issue's 20,000 goods, 60,000 SKUs, 200,000 shoppers and 1,000,000 orders.

Rows go in with Core multi-row INSERTs in chunks (explicit ids, every column given), not
ORM objects one by one; the data is random but reproducible (seeded).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from xiaodian.catalog.search import terms_of
from xiaodian.core import clock
from xiaodian.core.db import Database
from xiaodian.models import (
    Goods,
    GoodsImage,
    GoodsSearchTerm,
    GoodsSpec,
    Order,
    OrderLine,
    Sku,
    User,
)
from xiaodian.orders.state import Status

GOODS_PER_SCALE = 1_000
SHOPPERS_PER_SCALE = 10_000
ORDERS_PER_SCALE = 50_000
CHUNK = 2_000
PREFIXES = ["精选", "有机", "进口", "当季", "家庭装", "特惠", "新鲜", "优选", "产地直供", "小包装"]
SIZES = ["小份", "中份", "大份"]
# Finished history: paid, on its way, received, closed unpaid or refunded.
STATUSES = [
    (Status.COMPLETED, 60),
    (Status.SHIPPED, 10),
    (Status.PAID, 8),
    (Status.CLOSED, 18),
    (Status.REFUNDED, 4),
]


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


@dataclass(frozen=True)
class Sizes:
    """What one unit of `--scale` adds (tests use small ones)."""

    goods: int = GOODS_PER_SCALE
    shoppers: int = SHOPPERS_PER_SCALE
    orders: int = ORDERS_PER_SCALE


@dataclass
class ScaleReport:
    goods: int
    skus: int
    shoppers: int
    orders: int
    lines: int
    seconds: float


async def _next_id(connection: AsyncConnection, model: Any) -> int:
    return int(await connection.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


async def _insert(connection: AsyncConnection, model: Any, rows: Iterator[dict[str, Any]]) -> int:
    """Insert in chunks, each chunk its own commit (the connection is autocommit-free: we
    commit here so a huge seed does not become one huge transaction)."""
    table, count, chunk = _table(model), 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            await connection.execute(insert(table), chunk)
            await connection.commit()
            count, chunk = count + len(chunk), []
    if chunk:
        await connection.execute(insert(table), chunk)
        await connection.commit()
        count += len(chunk)
    return count


async def seed_scale(
    database: Database,
    *,
    scale: int,
    sizes: Sizes = Sizes(),
    say: Callable[[str], None] = lambda _line: None,
) -> ScaleReport:
    """Add `scale` × (1,000 goods, 10,000 shoppers, 50,000 orders) to a seeded demo shop."""
    began = time.monotonic()
    rng = random.Random(9 + scale)
    now = clock.now()
    async with database.engine.connect() as connection:
        demo = (
            await connection.execute(
                select(Goods.id, Goods.title, Goods.subtitle, Goods.unit, Goods.category_id)
                .where(Goods.deleted_at.is_(None))
                .order_by(Goods.id)
            )
        ).all()
        if not demo:
            raise RuntimeError("seed the demo shop first (`xiaodian seed`)")
        covers = dict(
            (
                await connection.execute(
                    select(GoodsImage.goods_id, func.min(GoodsImage.url)).group_by(
                        GoodsImage.goods_id
                    )
                )
            ).all()
        )
        goods_start = await _next_id(connection, Goods)
        sku_start = await _next_id(connection, Sku)
        goods_count = scale * sizes.goods

        goods_rows: list[dict[str, Any]] = []
        skus_of: list[list[tuple[int, int, str]]] = []  # per goods: (sku id, price, size)
        for index in range(goods_count):
            model = demo[index % len(demo)]
            goods_id = goods_start + index
            base = rng.randint(190, 19_900)
            prices = [base, base * 18 // 10, base * 32 // 10]
            created = now - timedelta(minutes=rng.randint(0, 525_600))
            goods_rows.append(
                {
                    "id": goods_id,
                    "category_id": model.category_id,
                    "title": f"{rng.choice(PREFIXES)}{model.title} {index + 1:05d}号",
                    "subtitle": model.subtitle,
                    "unit": model.unit,
                    "description": "",
                    "price_fen": prices[0],
                    "market_price_fen": prices[-1] + base // 5,
                    "sales": int(rng.paretovariate(1.2) * 10),
                    "is_on_shelf": rng.random() < 0.95,
                    "sort_order": 0,
                    "deleted_at": None,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            skus_of.append([(sku_start + index * 3 + k, prices[k], SIZES[k]) for k in range(3)])
        say(f"goods: {await _insert(connection, Goods, iter(goods_rows))}")
        await _insert(
            connection,
            GoodsImage,
            (
                {
                    "goods_id": row["id"],
                    "url": covers.get(demo[i % len(demo)].id, ""),
                    "sort_order": 0,
                }
                for i, row in enumerate(goods_rows)
            ),
        )
        await _insert(
            connection,
            GoodsSpec,
            (
                {"goods_id": row["id"], "name": "规格", "values": SIZES, "sort_order": 0}
                for row in goods_rows
            ),
        )
        sku_count = await _insert(
            connection,
            Sku,
            (
                {
                    "id": sku_id,
                    "goods_id": row["id"],
                    "spec_values": [size],
                    "price_fen": price,
                    "stock": rng.randint(0, 500),
                    "sales": 0,
                    "code": f"SC{row['id']:06d}-{k + 1}",
                    "image_url": "",
                    "is_active": True,
                    "created_at": row["created_at"],
                    "updated_at": row["created_at"],
                }
                for row, skus in zip(goods_rows, skus_of, strict=True)
                for k, (sku_id, price, size) in enumerate(skus)
            ),
        )
        say(f"skus: {sku_count}")
        terms = await _insert(
            connection,
            GoodsSearchTerm,
            (
                {"goods_id": row["id"], "term": term}
                for row, skus in zip(goods_rows, skus_of, strict=True)
                for term in sorted(
                    terms_of(
                        row["title"],
                        row["subtitle"],
                        [f"SC{row['id']:06d}-{k + 1}" for k in range(len(skus))],
                    )
                )
            ),
        )
        say(f"search pieces: {terms}")

        user_start = await _next_id(connection, User)
        shoppers = scale * sizes.shoppers
        await _insert(
            connection,
            User,
            (
                {
                    "id": user_start + i,
                    "openid": f"scale-{user_start + i}",
                    "unionid": None,
                    "session_key": None,
                    "nickname": f"顾客{user_start + i}",
                    "avatar_url": "",
                    "phone": None,
                    "is_blocked": False,
                    "last_login_at": None,
                    "created_at": now - timedelta(days=rng.randint(0, 400)),
                    "updated_at": now,
                }
                for i in range(shoppers)
            ),
        )
        say(f"shoppers: {shoppers}")

        order_start = await _next_id(connection, Order)
        orders = scale * sizes.orders
        statuses = [status for status, weight in STATUSES for _ in range(weight)]
        order_rows: list[dict[str, Any]] = []
        line_rows: list[dict[str, Any]] = []
        placed_orders = placed_lines = 0
        for i in range(orders):
            order_id = order_start + i
            created = now - timedelta(seconds=rng.randint(3_600, 31_536_000))
            status = rng.choice(statuses)
            paid_at = created + timedelta(minutes=2) if status != Status.CLOSED else None
            goods_total = 0
            units = 0
            for _ in range(rng.choice((1, 1, 2, 3))):
                g = rng.randrange(goods_count)
                sku_id, price, size = skus_of[g][rng.randrange(3)]
                quantity = rng.choice((1, 1, 1, 2, 3))
                goods_total += price * quantity
                units += quantity
                line_rows.append(
                    {
                        "order_id": order_id,
                        "goods_id": goods_rows[g]["id"],
                        "sku_id": sku_id,
                        "title": goods_rows[g]["title"],
                        "spec_text": size,
                        "image_url": "",
                        "unit_price_fen": price,
                        "quantity": quantity,
                        "goods_total_fen": price * quantity,
                        "discount_fen": 0,
                        "pay_fen": price * quantity,
                        "quota_id": None,
                        "is_reviewed": False,
                        "refunded_quantity": quantity if status == Status.REFUNDED else 0,
                        "refunded_fen": price * quantity if status == Status.REFUNDED else 0,
                        "paid_at": paid_at,
                    }
                )
            freight = 0 if goods_total >= 9_900 else 600
            paid = paid_at is not None
            order_rows.append(
                {
                    "id": order_id,
                    "order_no": f"9{order_id:019d}",
                    "user_id": user_start + rng.randrange(shoppers),
                    "status": status,
                    "kind": "normal",
                    "goods_total_fen": goods_total,
                    "freight_fen": freight,
                    "discount_fen": 0,
                    "total_fen": goods_total + freight,
                    "item_count": units,
                    "note": "",
                    "receiver_name": "顾客",
                    "receiver_phone": "13800000000",
                    "province": "上海市",
                    "city": "上海市",
                    "district": "徐汇区",
                    "address_detail": f"{rng.randint(1, 999)} 号",
                    "lat": None,
                    "lng": None,
                    "expires_at": created + timedelta(minutes=30),
                    "paid_at": paid_at,
                    "shipped_at": created + timedelta(hours=5)
                    if status in (Status.SHIPPED, Status.COMPLETED)
                    else None,
                    "completed_at": created + timedelta(days=3)
                    if status == Status.COMPLETED
                    else None,
                    "closed_at": created + timedelta(minutes=30) if not paid else None,
                    "close_reason": "timeout" if not paid else None,
                    "carrier": None,
                    "tracking_no": None,
                    "auto_confirm_at": None,
                    "status_before_refund": Status.PAID if status == Status.REFUNDED else None,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if len(order_rows) >= 20_000:
                placed_orders += await _insert(connection, Order, iter(order_rows))
                placed_lines += await _insert(connection, OrderLine, iter(line_rows))
                order_rows, line_rows = [], []
                if placed_orders % 200_000 == 0:
                    say(f"orders: {placed_orders}")
        placed_orders += await _insert(connection, Order, iter(order_rows))
        placed_lines += await _insert(connection, OrderLine, iter(line_rows))
        say(f"orders: {placed_orders}, lines: {placed_lines}")
    return ScaleReport(
        goods=goods_count,
        skus=sku_count,
        shoppers=shoppers,
        orders=placed_orders,
        lines=placed_lines,
        seconds=time.monotonic() - began,
    )
