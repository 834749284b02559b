"""Coupons on group orders: only where the campaign allows them, measured on the group price,
never with 满减; locked by the order, used on payment, released when it closes unpaid."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from tests import factories
from tests.coupons.helpers import claim, coupon, my_coupons, promotion
from tests.groupbuy.helpers import campaign, open_group, shoppers
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.orders import jobs as order_jobs


async def test_a_campaign_that_allows_coupons_takes_the_best_one_on_the_group_price(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    goods, created = await campaign(
        client, context, admin, prices=[1000], allow_coupons=True
    )  # group price 800
    sku_id = goods["sku_ids"][0]
    (leader,) = await shoppers(client, context, 1)
    await promotion(client, admin, tiers=[{"threshold_fen": 1000, "discount_fen": 300}])
    # 满 ¥16 减 ¥3 is reached on the group price of 2 units (1600), 满 ¥17 减 ¥5 is not
    reached = await coupon(client, admin, name="满16减3", threshold_fen=1600, discount_fen=300)
    missed = await coupon(client, admin, name="满17减5", threshold_fen=1700, discount_fen=500)
    mine = await claim(client, leader.headers, reached["id"])
    await claim(client, leader.headers, missed["id"])

    answer = await open_group(client, leader, created["id"], sku_id, quantity=2)
    assert answer.status_code == 201, answer.text
    order = answer.json()["order"]
    # group price (2 × 200 off) and the coupon's 300; the 满减 promotion does not apply
    assert (order["goods_total_fen"], order["discount_fen"]) == (2000, 400 + 300)
    assert order["lines"][0]["pay_fen"] == 1300
    assert mine not in await my_coupons(client, leader.headers, "usable")

    # The leader never pays: the order closes and the coupon is usable again.
    clock.advance(timedelta(days=1))
    await order_jobs.close_unpaid_orders(context)
    assert mine in await my_coupons(client, leader.headers, "usable")


async def test_a_campaign_without_coupons_refuses_a_chosen_one_and_ignores_held_ones(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    goods, created = await campaign(client, context, admin, prices=[1000])
    sku_id = goods["sku_ids"][0]
    (leader,) = await shoppers(client, context, 1)
    five = await coupon(
        client, admin, name="无门槛5元", kind="no_threshold", threshold_fen=0, discount_fen=500
    )
    held = await claim(client, leader.headers, five["id"])
    chosen = await client.post(
        f"/api/v1/group-buys/{created['id']}/groups",
        json={"sku_id": sku_id, "address_id": leader.address_id, "coupon_id": held},
        headers=leader.headers,
    )
    assert chosen.status_code == 409
    assert chosen.json()["error"] == "coupon_not_usable"
    plain = await open_group(client, leader, created["id"], sku_id)
    assert plain.status_code == 201
    assert plain.json()["order"]["discount_fen"] == 200  # the group price alone
    assert held in await my_coupons(client, leader.headers, "usable")
