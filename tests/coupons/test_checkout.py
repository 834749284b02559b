"""Coupons and promotions at checkout: the preview's fields, stacking, the order's lines, the
coupon held by its order, used when paid, released exactly once when it closes unpaid."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from tests import factories
from tests.coupons.helpers import claim, coupon, items, my_coupons, order, preview, promotion
from tests.payments.helpers import buyer_confirms, order_status, prepay, settle
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import Order, OrderDiscount
from xiaodian.orders import jobs as order_jobs


async def _shop(client: httpx.AsyncClient, context: AppContext) -> dict[str, Any]:
    """Fruit (two goods in one category) and a tea, a merchant, a shopper with an address."""
    fruit = await factories.make_category(context, name="水果")
    tea = await factories.make_category(context, name="茶叶")
    return {
        "apple": await factories.make_goods(
            context, title="苹果", category_id=fruit, prices=[3333]
        ),
        "pear": await factories.make_goods(context, title="梨", category_id=fruit, prices=[1999]),
        "tea": await factories.make_goods(context, title="龙井", category_id=tea, prices=[5000]),
        "fruit": fruit,
        "admin": await factories.merchant(client, context),
        "shopper": (shopper := await factories.shopper(client, context)),
        "address": await factories.address(client, shopper),
    }


def sku(goods: dict[str, Any]) -> int:
    return int(goods["sku_ids"][0])


async def test_preview_picks_the_best_coupon_and_splits_every_discount_to_the_fen(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    shop = await _shop(client, context)
    admin, shopper = shop["admin"], shop["shopper"]
    await promotion(client, admin)  # 满59减5, 满99减12
    small = await coupon(client, admin, name="满99减10", stacks_with_promotions=True)
    big = await coupon(
        client,
        admin,
        name="九折",
        kind="percent",
        threshold_fen=0,
        discount_fen=0,
        percent_off=10,
        cap_fen=2000,
        stacks_with_promotions=True,
    )
    small_id = await claim(client, shopper, small["id"])
    big_id = await claim(client, shopper, big["id"])
    cart = items((sku(shop["apple"]), 3), (sku(shop["pear"]), 1))  # 9999 + 1999 = 11998
    answer = (await preview(client, shopper, cart)).json()
    # promotion 1200 first; then 10 % of 10798 = 1079 (under the 2000 cap) beats 1000
    assert (answer["promotion_discount_fen"], answer["coupon_discount_fen"]) == (1200, 1079)
    assert (answer["coupon_id"], answer["discount_fen"]) == (big_id, 2279)
    assert sum(line["discount_fen"] for line in answer["lines"]) == 2279
    assert [line["pay_fen"] + line["discount_fen"] for line in answer["lines"]] == [9999, 1999]
    # freight is decided on what the goods cost after every discount: 9719 < 9900
    assert (answer["freight_fen"], answer["total_fen"]) == (800, 11998 - 2279 + 800)
    assert {c["id"]: (c["usable"], c["discount_fen"]) for c in answer["coupons"]} == {
        big_id: (True, 1079),
        small_id: (True, 1000),
    }
    chosen = (await preview(client, shopper, cart, coupon_id=small_id)).json()
    assert (chosen["coupon_id"], chosen["discount_fen"]) == (small_id, 2200)
    none = (await preview(client, shopper, cart, coupon_id=None)).json()
    assert (none["coupon_id"], none["discount_fen"], none["coupon_discount_fen"]) == (None, 1200, 0)


async def test_unusable_coupons_say_why_and_choosing_one_is_refused_with_the_reason(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    shop = await _shop(client, context)
    admin, shopper = shop["admin"], shop["shopper"]
    short = await claim(client, shopper, (await coupon(client, admin))["id"])
    tea_only = await claim(
        client,
        shopper,
        (
            await coupon(
                client,
                admin,
                name="茶券",
                kind="no_threshold",
                threshold_fen=0,
                discount_fen=300,
                scope={"type": "goods", "ids": [shop["tea"]["id"]]},
            )
        )["id"],
    )
    later = await claim(
        client,
        shopper,
        (
            await coupon(
                client,
                admin,
                name="明日券",
                kind="no_threshold",
                threshold_fen=0,
                discount_fen=300,
                valid_from=(clock.now() + timedelta(days=1)).isoformat(),
            )
        )["id"],
    )
    cart = items((sku(shop["apple"]), 2))  # 6666: ¥32.34 short of 满99
    answer = (await preview(client, shopper, cart)).json()
    assert answer["coupon_id"] is None and answer["discount_fen"] == 0
    assert {c["id"]: (c["usable"], c["reason"]) for c in answer["coupons"]} == {
        short: (False, "差 ¥32.34 可用"),
        tea_only: (False, "不适用于该商品"),
        later: (False, "未到使用时间"),
    }
    refused = await preview(client, shopper, cart, coupon_id=short)
    body = refused.json()
    assert (refused.status_code, body["error"]) == (409, "coupon_not_usable")
    assert body["details"]["reason"] == "差 ¥32.34 可用"
    not_started = await order(client, shopper, cart, address_id=shop["address"], coupon_id=later)
    assert (not_started.status_code, not_started.json()["error"]) == (409, "coupon_not_started")
    someone = await factories.shopper(client, context, "someone-else")
    theirs = await preview(client, someone, cart, coupon_id=short)
    assert (theirs.status_code, theirs.json()["error"]) == (404, "coupon_not_found")


async def test_a_coupon_that_does_not_stack_replaces_the_promotion_only_when_it_is_better(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    shop = await _shop(client, context)
    admin, shopper = shop["admin"], shop["shopper"]
    await promotion(client, admin)
    lone = await claim(client, shopper, (await coupon(client, admin))["id"])  # 满99减10, alone
    cart = items((sku(shop["apple"]), 3), (sku(shop["pear"]), 1))
    best = (await preview(client, shopper, cart)).json()
    assert (best["coupon_id"], best["promotion_discount_fen"], best["discount_fen"]) == (
        None,
        1200,
        1200,
    )
    chosen = (await preview(client, shopper, cart, coupon_id=lone)).json()
    assert (chosen["promotion_discount_fen"], chosen["coupon_discount_fen"]) == (0, 1000)
    generous = await claim(
        client,
        shopper,
        (await coupon(client, admin, name="满99减30", discount_fen=3000))["id"],
    )
    best = (await preview(client, shopper, cart)).json()
    assert (best["coupon_id"], best["promotion_discount_fen"], best["coupon_discount_fen"]) == (
        generous,
        0,
        3000,
    )


async def test_a_scoped_promotion_and_coupon_touch_only_their_lines(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    shop = await _shop(client, context)
    admin, shopper = shop["admin"], shop["shopper"]
    await promotion(
        client,
        admin,
        tiers=[{"threshold_fen": 5000, "discount_fen": 700}],
        scope={"type": "categories", "ids": [shop["fruit"]]},
    )
    except_tea = await claim(
        client,
        shopper,
        (
            await coupon(
                client,
                admin,
                name="茶叶除外",
                kind="no_threshold",
                threshold_fen=0,
                discount_fen=999,
                stacks_with_promotions=True,
                scope={"type": "all_except", "ids": [shop["tea"]["id"]]},
            )
        )["id"],
    )
    cart = items((sku(shop["apple"]), 1), (sku(shop["pear"]), 1), (sku(shop["tea"]), 1))
    answer = (await preview(client, shopper, cart)).json()
    assert (answer["coupon_id"], answer["discount_fen"]) == (except_tea, 1699)
    by_title = {line["title"]: line["discount_fen"] for line in answer["lines"]}
    assert by_title["龙井"] == 0
    assert by_title["苹果"] + by_title["梨"] == 1699


async def test_the_order_keeps_each_lines_share_and_the_coupon_is_used_once_paid(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    shop = await _shop(client, context)
    admin, shopper = shop["admin"], shop["shopper"]
    await promotion(client, admin)
    held = await claim(
        client, shopper, (await coupon(client, admin, stacks_with_promotions=True))["id"]
    )
    cart = items((sku(shop["apple"]), 3), (sku(shop["pear"]), 1))
    placed = await order(client, shopper, cart, address_id=shop["address"])
    assert placed.status_code == 201, placed.text
    made = placed.json()
    assert made["discount_fen"] == 2200
    assert sum(line["discount_fen"] for line in made["lines"]) == 2200
    # 1200 over 9999:1999 → 1000+1 (the remainder to the largest), 199; then 1000 over what
    # they still pay, 8998:1800 → 833+1, 166
    assert [line["discount_fen"] for line in made["lines"]] == [1001 + 834, 199 + 166]
    assert [line["pay_fen"] for line in made["lines"]] == [9999 - 1835, 1999 - 365]
    assert await my_coupons(client, shopper, "usable") == []
    assert await my_coupons(client, shopper, "used") == [held]  # held by the unpaid order
    again = await order(client, shopper, cart, address_id=shop["address"], coupon_id=held)
    assert (again.status_code, again.json()["error"]) == (409, "coupon_not_usable")
    await buyer_confirms(context, await prepay(client, shopper, made["id"]))
    await settle(app)
    assert await order_status(client, shopper, made["id"]) == "paid"
    item = (
        await client.get("/api/v1/me/coupons", params={"status": "used"}, headers=shopper)
    ).json()["items"][0]
    assert (item["status"], item["order_id"]) == ("used", made["id"])
    stats = (
        await client.get(f"/api/admin/v1/coupons/{item['coupon_id']}/stats", headers=admin)
    ).json()
    assert (stats["used"], stats["discount_given_fen"], stats["sales_driven_fen"]) == (
        1,
        1000,
        made["total_fen"],
    )
    async with context.db.transaction(write=False) as session:
        recorded = (
            await session.execute(
                select(OrderDiscount.kind, OrderDiscount.amount_fen).where(
                    OrderDiscount.order_id == made["id"]
                )
            )
        ).all()
    assert sorted(recorded) == [("coupon", 1000), ("promotion", 1200)]
    promotions = (await client.get("/api/admin/v1/promotions", headers=admin)).json()
    assert (promotions[0]["orders"], promotions[0]["discount_given_fen"]) == (1, 1200)


async def test_cancelling_or_the_sweep_returns_the_coupon_exactly_once(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    shop = await _shop(client, context)
    admin, shopper = shop["admin"], shop["shopper"]
    held = await claim(client, shopper, (await coupon(client, admin))["id"])
    cart = items((sku(shop["apple"]), 3))
    first = (await order(client, shopper, cart, address_id=shop["address"])).json()
    assert first["discount_fen"] == 1000
    cancels = await asyncio.gather(
        *(client.post(f"/api/v1/orders/{first['id']}/cancel", headers=shopper) for _ in range(3))
    )
    assert sorted(r.status_code for r in cancels)[0] == 200
    assert await my_coupons(client, shopper, "usable") == [held]
    second = (await order(client, shopper, cart, address_id=shop["address"])).json()
    assert second["discount_fen"] == 1000
    async with context.db.transaction() as session:
        await session.execute(
            update(Order)
            .where(Order.id == second["id"])
            .values(expires_at=clock.now() - timedelta(seconds=1))
        )
    assert await order_jobs.close_unpaid_orders(context) == 1
    assert await order_jobs.close_unpaid_orders(context) == 0
    assert await my_coupons(client, shopper, "usable") == [held]
    third = (await order(client, shopper, cart, address_id=shop["address"])).json()
    assert third["discount_fen"] == 1000


async def test_two_racing_checkouts_with_one_coupon_make_one_discounted_order(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    shop = await _shop(client, context)
    held = await claim(client, shop["shopper"], (await coupon(client, shop["admin"]))["id"])
    cart = items((sku(shop["apple"]), 3))
    racing = await asyncio.gather(
        *(
            order(client, shop["shopper"], cart, address_id=shop["address"], coupon_id=held)
            for _ in range(2)
        )
    )
    outcomes = Counter((r.status_code, r.json().get("error")) for r in racing)
    assert outcomes == {(201, None): 1, (409, "coupon_not_usable"): 1}, outcomes
    async with context.db.transaction(write=False) as session:
        assert await session.scalar(select(func.count(Order.id))) == 1


async def test_refunding_one_line_after_a_coupon_refunds_what_that_line_paid(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    shop = await _shop(client, context)
    admin, shopper = shop["admin"], shop["shopper"]
    await claim(client, shopper, (await coupon(client, admin, discount_fen=1500))["id"])
    cart = items((sku(shop["apple"]), 3), (sku(shop["pear"]), 1))
    made = (await order(client, shopper, cart, address_id=shop["address"])).json()
    await buyer_confirms(context, await prepay(client, shopper, made["id"]))
    await settle(app)
    await client.post(
        f"/api/admin/v1/orders/{made['id']}/ship",
        headers=admin,
        json={"carrier": "顺丰", "tracking_no": "SF0000001"},
    )
    apple_line, pear_line = made["lines"]
    assert pear_line["discount_fen"] > 0
    asked = await client.post(
        f"/api/v1/orders/{made['id']}/refund",
        headers=shopper,
        json={"reason": "坏了", "lines": [{"line_id": pear_line["id"], "quantity": 1}]},
    )
    assert asked.status_code == 200, asked.text
    refund = (
        await client.get("/api/admin/v1/refunds", params={"status": "requested"}, headers=admin)
    ).json()["items"][0]
    approved = await client.post(f"/api/admin/v1/refunds/{refund['id']}/approve", headers=admin)
    assert approved.json()["amount_fen"] == pear_line["pay_fen"] == 1999 - pear_line["discount_fen"]
    assert apple_line["pay_fen"] + pear_line["pay_fen"] == 11998 - 1500
