"""Plain async factories with keyword defaults: build what a test needs, nothing shared."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.conftest import SANDBOX_BASE
from xiaodian.admins.schemas import AdminCreate
from xiaodian.admins.service import create_admin
from xiaodian.context import AppContext
from xiaodian.models import Category, Goods, GoodsImage, GoodsSpec, Order, OrderLine, Sku

_numbers = itertools.count(1)


async def make_category(
    context: AppContext, *, name: str = "水果", parent_id: int | None = None
) -> int:
    async with context.db.transaction() as session:
        category = Category(name=name, parent_id=parent_id)
        session.add(category)
        await session.flush()
        return category.id


async def make_goods(
    context: AppContext,
    *,
    title: str = "苹果",
    category_id: int | None = None,
    prices: list[int] | None = None,
    stock: int = 100,
    on_shelf: bool = True,
    specs: dict[str, list[str]] | None = None,
    sales: int = 0,
    subtitle: str = "",
) -> dict[str, Any]:
    """A goods item with one SKU per spec combination; returns ids and SKU ids."""
    if category_id is None:
        category_id = await make_category(context, name=f"分类{next(_numbers)}")
    specs = specs if specs is not None else {"规格": ["500g"]}
    combinations = list(itertools.product(*specs.values())) if specs else [()]
    prices = prices or [1000] * len(combinations)
    async with context.db.transaction() as session:
        goods = Goods(
            category_id=category_id,
            title=title,
            subtitle=subtitle,
            price_fen=min(prices),
            is_on_shelf=on_shelf,
            sales=sales,
            images=[GoodsImage(url=f"/media/images/00/{title}-800.webp", sort_order=0)],
            specs=[
                GoodsSpec(name=k, values=v, sort_order=i) for i, (k, v) in enumerate(specs.items())
            ],
            skus=[
                Sku(spec_values=list(c), price_fen=prices[i % len(prices)], stock=stock)
                for i, c in enumerate(combinations)
            ],
        )
        session.add(goods)
        await session.flush()
        return {
            "id": goods.id,
            "category_id": category_id,
            "sku_ids": [sku.id for sku in goods.skus],
        }


async def login_code(
    client: httpx.AsyncClient, context: AppContext, openid: str, **extra: Any
) -> str:
    response = await context.http.post(
        f"{SANDBOX_BASE}/wechat/codes", json={"openid": openid, **extra}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["code"])


async def shopper(
    client: httpx.AsyncClient, context: AppContext, openid: str = "shopper-1"
) -> dict[str, str]:
    """Log in through the simulator like the mini program; returns auth headers."""
    code = await login_code(client, context, openid)
    response = await client.post("/api/v1/auth/wx-login", json={"code": code})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def address(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> int:
    body = {
        "name": "张三",
        "phone": "13800000000",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "detail": "世纪大道 1 号",
        **fields,
    }
    response = await client.post("/api/v1/me/addresses", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def merchant(
    client: httpx.AsyncClient, context: AppContext, *, username: str = "owner", role: str = "owner"
) -> dict[str, str]:
    async with context.db.transaction() as session:
        await create_admin(
            session,
            data=AdminCreate.model_validate(
                {"username": username, "password": "password123", "role": role}
            ),
        )
    response = await client.post(
        "/api/admin/v1/auth/login", json={"username": username, "password": "password123"}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def place_order(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    sku_id: int,
    quantity: int = 1,
    address_id: int,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/orders",
        headers=headers,
        json={"items": [{"sku_id": sku_id, "quantity": quantity}], "address_id": address_id},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def lines_off_their_orders_paid_at(context: AppContext) -> int:
    """Order lines whose `paid_at` is not their order's (`actions.mark_paid` copies it; the
    seeds write both): the dashboard's top goods read the line's."""
    async with context.db.transaction(write=False) as session:
        return int(
            await session.scalar(
                select(func.count(OrderLine.id))
                .join(Order, Order.id == OrderLine.order_id)
                .where(OrderLine.paid_at.is_distinct_from(Order.paid_at))
            )
            or 0
        )
