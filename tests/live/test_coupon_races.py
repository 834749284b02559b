"""Coupon races over real HTTP against a running server (two workers on MariaDB + Redis):
a hot coupon is never over-issued, a shopper never over their limit, one coupon discounts
one order."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import func, select

from tests import factories
from tests.live.conftest import LiveShop
from tests.live.shop import buyers, goods_with_stock
from xiaodian.context import AppContext
from xiaodian.models import CouponHolder, Order, UserCoupon


async def _logged_in(http: httpx.AsyncClient, shop: LiveShop, count: int) -> list[dict[str, str]]:
    async def one(number: int) -> dict[str, str]:
        minted = await http.post(
            f"{shop.sandbox_url}/wechat/codes", json={"openid": f"claimer-{number}"}
        )
        login = await http.post(
            f"{shop.base_url}/api/v1/auth/wx-login", json={"code": minted.json()["code"]}
        )
        assert login.status_code == 200, login.text
        return {"Authorization": f"Bearer {login.json()['token']}"}

    return [await one(number) for number in range(count)]


async def _coupon(
    http: httpx.AsyncClient, shop: LiveShop, admin: dict[str, str], **fields: Any
) -> int:
    response = await http.post(
        f"{shop.base_url}/api/admin/v1/coupons",
        headers=admin,
        json={
            "name": "限量券",
            "kind": "no_threshold",
            "discount_fen": 100,
            "valid_days": 3,
            **fields,
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _all_at_once(calls: list[Any]) -> list[httpx.Response]:
    """Start every call only when all are ready, so they really race."""
    start, ready = asyncio.Event(), asyncio.Event()
    waiting = 0

    async def racer(call: Any) -> httpx.Response:
        nonlocal waiting
        waiting += 1
        if waiting == len(calls):
            ready.set()
        await start.wait()
        return await call()  # type: ignore[no-any-return]

    tasks = [asyncio.create_task(racer(call)) for call in calls]
    await ready.wait()
    start.set()
    return await asyncio.gather(*tasks)


async def test_two_hundred_claims_of_a_fifty_piece_coupon_issue_exactly_fifty(
    live_shop: LiveShop, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        coupon_id = await _coupon(http, live_shop, admin, total=50, per_user_limit=1)
        shoppers = await _logged_in(http, live_shop, 100)
        url = f"{live_shop.base_url}/api/v1/coupons/{coupon_id}/claim"
        responses = await _all_at_once(
            [
                (lambda h=headers: http.post(url, headers=h))
                for headers in shoppers
                for _ in range(2)
            ]
        )
    outcomes = Counter((r.status_code, r.json().get("error")) for r in responses)
    assert outcomes[(201, None)] == 50, outcomes
    assert set(outcomes) <= {(201, None), (409, "coupon_sold_out"), (409, "coupon_limit_reached")}
    async with context.db.transaction(write=False) as session:
        issued = await session.scalar(
            select(func.count(UserCoupon.id)).where(UserCoupon.coupon_id == coupon_id)
        )
        most_by_one = await session.scalar(
            select(func.max(CouponHolder.claimed)).where(CouponHolder.coupon_id == coupon_id)
        )
    assert (issued, most_by_one) == (50, 1)


async def test_one_shopper_racing_claims_gets_exactly_the_per_user_limit(
    live_shop: LiveShop, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    async with httpx.AsyncClient(timeout=60) as http:
        coupon_id = await _coupon(http, live_shop, admin, total=100, per_user_limit=3)
        (shopper,) = await _logged_in(http, live_shop, 1)
        url = f"{live_shop.base_url}/api/v1/coupons/{coupon_id}/claim"
        responses = await _all_at_once(
            [(lambda: http.post(url, headers=shopper)) for _ in range(20)]
        )
    outcomes = Counter((r.status_code, r.json().get("error")) for r in responses)
    assert outcomes == {(201, None): 3, (409, "coupon_limit_reached"): 17}, outcomes


async def test_two_racing_checkouts_with_one_coupon_over_http_make_one_order(
    live_shop: LiveShop, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    async with httpx.AsyncClient(timeout=60) as http:
        sku_id = await goods_with_stock(http, live_shop, admin, stock=100)
        coupon_id = await _coupon(http, live_shop, admin, total=100, per_user_limit=10)
        (buyer,) = await buyers(http, live_shop, 1)
        auth = {"Authorization": buyer["Authorization"]}
        outcomes: Counter[tuple[int, str | None]] = Counter()
        for _ in range(5):
            claimed = await http.post(
                f"{live_shop.base_url}/api/v1/coupons/{coupon_id}/claim", headers=auth
            )
            held = claimed.json()["id"]
            body = {
                "items": [{"sku_id": sku_id, "quantity": 1}],
                "address_id": int(buyer["X-Address"]),
                "coupon_id": held,
            }
            responses = await _all_at_once(
                [
                    (
                        lambda b=body: http.post(
                            f"{live_shop.base_url}/api/v1/orders", headers=auth, json=b
                        )
                    )
                    for _ in range(2)
                ]
            )
            outcomes.update((r.status_code, r.json().get("error")) for r in responses)
    assert outcomes == {(201, None): 5, (409, "coupon_not_usable"): 5}, outcomes
    async with context.db.transaction(write=False) as session:
        orders = await session.scalar(select(func.count(Order.id)))
        discounted = await session.scalar(
            select(func.count(Order.id)).where(Order.discount_fen == 100)
        )
    assert (orders, discounted) == (5, 5)
