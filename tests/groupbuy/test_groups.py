"""Group buying (issue 11): fill, expiry with refunds, simulated fill, the seat rules, late
payments, and the merchant's side, over the real app with the payment simulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.groupbuy.helpers import (
    Shopper,
    campaign,
    group,
    join,
    open_group,
    opened,
    order_of,
    pay,
    refunds_of,
    shoppers,
)
from tests.payments.helpers import buyer_confirms, prepay, settle
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.groupbuy import jobs
from xiaodian.models import GroupBuy, Refund, Sku, StockQuota


async def _setup(
    client: httpx.AsyncClient, context: AppContext, count: int = 3, **fields: Any
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any], list[Shopper]]:
    admin = await factories.merchant(client, context)
    goods, created = await campaign(client, context, admin, **fields)
    people = await shoppers(client, context, count)
    return admin, goods, created, people


async def _expire(context: AppContext) -> int:
    clock.advance(timedelta(minutes=2))
    return await jobs.expire_groups(context)


async def test_three_paid_members_fill_the_group_and_every_order_becomes_paid(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, goods, created, (leader, friend, other) = await _setup(client, context)
    sku_id = goods["sku_ids"][0]
    assert created["skus"][0]["group_price_fen"] == 800

    response = await open_group(client, leader, created["id"], sku_id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["order"]["kind"] == "group"
    assert body["order"]["discount_fen"] == 200
    assert body["group"]["status"] == "pending"
    group_id, leader_order = body["group"]["id"], body["order"]["id"]
    # Not visible before the leader pays: nobody else sees it, nobody can join.
    assert (await client.get(f"/api/v1/groups/{group_id}")).status_code == 404
    assert (await join(client, friend, group_id, sku_id)).json()["error"] == "group_expired"
    detail = (await client.get(f"/api/v1/group-buys/{created['id']}")).json()
    assert detail["open_groups"] == []

    await pay(app, client, context, leader, leader_order)
    assert (await order_of(client, leader, leader_order))["status"] == "grouping"
    mine = await client.get(f"/api/v1/orders/{leader_order}/group", headers=leader.headers)
    assert (mine.json()["id"], mine.json()["my_order_id"]) == (group_id, leader_order)
    theirs = await client.get(f"/api/v1/orders/{leader_order}/group", headers=friend.headers)
    assert theirs.json()["error"] == "group_not_found"
    shown = await group(client, group_id)
    assert (shown["status"], shown["seats_left"], len(shown["members"])) == ("forming", 2, 1)
    assert shown["expires_at"] is not None
    detail = (await client.get(f"/api/v1/group-buys/{created['id']}")).json()
    assert [g["group_id"] for g in detail["open_groups"]] == [group_id]
    assert detail["open_groups"][0]["seats_left"] == 2

    # The merchant cannot ship an order whose group has not filled.
    shipped = await client.post(
        f"/api/admin/v1/orders/{leader_order}/ship",
        json={"carrier": "顺丰", "tracking_no": "SF10001"},
        headers=admin,
    )
    assert shipped.status_code == 409, shipped.text

    orders = [leader_order]
    for who in (friend, other):
        joined = await join(client, who, group_id, sku_id)
        assert joined.status_code == 201, joined.text
        orders.append(joined.json()["order"]["id"])
        assert joined.json()["order"]["total_fen"] == body["order"]["total_fen"]
    assert (await group(client, group_id))["seats_left"] == 0
    await pay(app, client, context, friend, orders[1])
    assert (await order_of(client, friend, orders[1]))["status"] == "grouping"
    await pay(app, client, context, other, orders[2])

    statuses = [
        (await order_of(client, who, order_id))["status"]
        for who, order_id in zip((leader, friend, other), orders, strict=True)
    ]
    assert statuses == ["paid", "paid", "paid"]
    shown = await group(client, group_id)
    assert shown["status"] == "filled"
    assert [m["paid"] for m in shown["members"]] == [True, True, True]
    assert shown["members"][0]["is_leader"] is True
    assert (await client.get(f"/api/admin/v1/group-buys/{created['id']}", headers=admin)).json()[
        "groups_filled"
    ] == 1
    shipped = await client.post(
        f"/api/admin/v1/orders/{leader_order}/ship",
        json={"carrier": "顺丰", "tracking_no": "SF10001"},
        headers=admin,
    )
    assert shipped.status_code == 200, shipped.text
    # Nothing was refunded; the simulator saw three payments and no refund.
    numbers = [
        (await order_of(client, who, o))["order_no"]
        for who, o in zip((leader, friend, other), orders, strict=True)
    ]
    assert refunds_of(app, *numbers) == []


async def test_expiry_refunds_every_paid_member_once_and_closes_the_unpaid(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, goods, created, (leader, friend, slow) = await _setup(client, context, stock=10)
    sku_id = goods["sku_ids"][0]
    group_id, leader_order = await opened(app, client, context, leader, created["id"], sku_id)
    friend_order = (await join(client, friend, group_id, sku_id)).json()["order"]["id"]
    await pay(app, client, context, friend, friend_order)
    slow_order = (await join(client, slow, group_id, sku_id)).json()["order"]["id"]

    assert await _expire(context) == 1
    assert await jobs.expire_groups(context) == 0  # exactly once
    await settle(app)

    for who, order_id in ((leader, leader_order), (friend, friend_order)):
        order = await order_of(client, who, order_id)
        assert order["status"] == "refunded", order
        assert any("拼团失败" in entry["note"] for entry in order["timeline"])
    assert (await order_of(client, slow, slow_order))["status"] == "closed"
    paid = [
        await order_of(client, who, order_id)
        for who, order_id in ((leader, leader_order), (friend, friend_order))
    ]
    assert refunds_of(app, *(o["order_no"] for o in paid)) == [o["total_fen"] for o in paid]
    async with context.db.transaction(write=False) as session:
        refunds = (await session.execute(select(Refund))).scalars().all()
        pool_left = await session.scalar(select(StockQuota.units_left))
    assert (
        sorted((r.kind, r.status, r.reason) for r in refunds)
        == [("group_failed", "succeeded", "拼团失败，自动退款")] * 2
    )
    assert pool_left == 10  # every unit back in the campaign's pool
    shown = await group(client, group_id)
    assert shown["status"] == "failed"
    groups = await client.get(f"/api/admin/v1/group-buys/{created['id']}/groups", headers=admin)
    assert [g["status"] for g in groups.json()] == ["failed"]
    members = groups.json()[0]["members"]
    assert sorted((m["status"], m["refund_status"]) for m in members) == [
        ("refunded", "succeeded"),
        ("refunded", "succeeded"),
        ("released", None),
    ]


async def test_simulated_fill_succeeds_with_enough_paid_members(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, goods, created, (leader, friend, slow) = await _setup(
        client, context, simulated_fill_min_members=2
    )
    sku_id = goods["sku_ids"][0]
    group_id, leader_order = await opened(app, client, context, leader, created["id"], sku_id)
    friend_order = (await join(client, friend, group_id, sku_id)).json()["order"]["id"]
    await pay(app, client, context, friend, friend_order)
    slow_order = (await join(client, slow, group_id, sku_id)).json()["order"]["id"]
    await _expire(context)
    await settle(app)
    assert (await group(client, group_id))["status"] == "filled"
    assert (await order_of(client, leader, leader_order))["status"] == "paid"
    assert (await order_of(client, friend, friend_order))["status"] == "paid"
    assert (await order_of(client, slow, slow_order))["status"] == "closed"
    numbers = [
        (await order_of(client, who, o))["order_no"]
        for who, o in ((leader, leader_order), (friend, friend_order))
    ]
    assert refunds_of(app, *numbers) == []


async def test_one_shopper_joins_a_group_once_and_a_full_group_takes_nobody(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, goods, created, (leader, a, b, late) = await _setup(client, context, count=4)
    sku_id = goods["sku_ids"][0]
    group_id, _ = await opened(app, client, context, leader, created["id"], sku_id)
    self_join = await join(client, leader, group_id, sku_id)
    assert (self_join.status_code, self_join.json()["error"]) == (409, "group_already_joined")
    assert (await join(client, a, group_id, sku_id)).status_code == 201
    twice = await join(client, a, group_id, sku_id)
    assert (twice.status_code, twice.json()["error"]) == (409, "group_already_joined")
    assert (await join(client, b, group_id, sku_id)).status_code == 201
    full = await join(client, late, group_id, sku_id)
    assert (full.status_code, full.json()["error"]) == (409, "group_full")
    assert len((await group(client, group_id))["members"]) == 3
    missing = await join(client, late, 999_999, sku_id)
    assert (missing.status_code, missing.json()["error"]) == (404, "group_not_found")
    assert (await client.get("/api/v1/groups/999999")).json()["error"] == "group_not_found"


async def test_a_leader_who_never_pays_never_opens_the_group(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, goods, created, (leader, friend) = await _setup(client, context, count=2, stock=5)
    sku_id = goods["sku_ids"][0]
    body = (await open_group(client, leader, created["id"], sku_id)).json()
    group_id, order_id = body["group"]["id"], body["order"]["id"]
    cancelled = await client.post(f"/api/v1/orders/{order_id}/cancel", headers=leader.headers)
    assert cancelled.json()["status"] == "closed"
    assert (await client.get(f"/api/v1/groups/{group_id}")).status_code == 404
    assert (await join(client, friend, group_id, sku_id)).json()["error"] == "group_expired"
    detail = (await client.get(f"/api/v1/group-buys/{created['id']}")).json()
    assert detail["open_groups"] == []
    assert detail["skus"][0]["stock"] == 5  # the unit went back to the pool
    assert await _expire(context) == 0


async def test_a_joiner_who_never_pays_frees_the_seat_for_someone_else(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, goods, created, (leader, a, quitter, b) = await _setup(client, context, count=4)
    sku_id = goods["sku_ids"][0]
    group_id, leader_order = await opened(app, client, context, leader, created["id"], sku_id)
    a_order = (await join(client, a, group_id, sku_id)).json()["order"]["id"]
    q_order = (await join(client, quitter, group_id, sku_id)).json()["order"]
    # A joiner must pay before the group's deadline.
    assert q_order["expires_at"] <= (await group(client, group_id))["expires_at"]
    assert (await join(client, b, group_id, sku_id)).json()["error"] == "group_full"
    await client.post(f"/api/v1/orders/{q_order['id']}/cancel", headers=quitter.headers)
    assert (await group(client, group_id))["seats_left"] == 1
    b_join = await join(client, b, group_id, sku_id)
    assert b_join.status_code == 201, b_join.text
    await pay(app, client, context, a, a_order)
    await pay(app, client, context, b, b_join.json()["order"]["id"])
    assert (await group(client, group_id))["status"] == "filled"
    assert (await order_of(client, leader, leader_order))["status"] == "paid"


async def test_a_payment_arriving_after_the_group_failed_is_refunded(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, goods, created, (leader, late) = await _setup(client, context, count=2)
    sku_id = goods["sku_ids"][0]
    group_id, _ = await opened(app, client, context, leader, created["id"], sku_id)
    order = (await join(client, late, group_id, sku_id)).json()["order"]
    params = await prepay(client, late.headers, order["id"])
    # Paid at the channel in time, but the notification comes after the group failed.
    await buyer_confirms(context, params, delay_seconds=1)
    await _expire(context)
    await settle(app)
    mine = await order_of(client, late, order["id"])
    assert mine["status"] in ("closed", "refunded"), mine
    assert refunds_of(app, mine["order_no"]) == [order["total_fen"]]


async def test_money_for_a_seat_of_a_group_that_failed_without_it_is_refunded(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    """The other interleaving: the group failed while the member's order was still open."""
    _, goods, created, (leader, late) = await _setup(client, context, count=2)
    sku_id = goods["sku_ids"][0]
    group_id, _ = await opened(app, client, context, leader, created["id"], sku_id)
    order = (await join(client, late, group_id, sku_id)).json()["order"]
    params = await prepay(client, late.headers, order["id"])
    from xiaodian.core.actors import Actor
    from xiaodian.groupbuy import service
    from xiaodian.groupbuy.views import group_row

    async with context.db.transaction() as session:
        await service.fail(session, group=await group_row(session, group_id), by=Actor.system("t"))
    await buyer_confirms(context, params)
    await settle(app)
    mine = await order_of(client, late, order["id"])
    assert mine["status"] == "refunded", mine
    assert any("拼团已结束" in entry["note"] for entry in mine["timeline"])
    assert refunds_of(app, mine["order_no"]) == [order["total_fen"]]


async def test_limits_and_campaign_windows(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, goods, created, (leader, friend) = await _setup(
        client, context, count=2, per_user_limit=1
    )
    sku_id = goods["sku_ids"][0]
    assert (await open_group(client, leader, created["id"], sku_id)).status_code == 201
    again = await open_group(client, leader, created["id"], sku_id)
    assert (again.status_code, again.json()["error"]) == (409, "group_limit_reached")
    listed = (await client.get("/api/v1/group-buys")).json()
    assert [(c["id"], c["group_price_fen"], c["price_fen"]) for c in listed] == [
        (created["id"], 800, 1000)
    ]
    home = (await client.get("/api/v1/home")).json()["promotions"]["group_buys"]
    assert [(c["id"], c["goods"]["id"], c["price_fen"]) for c in home] == [
        (created["id"], goods["id"], 800)
    ]
    ended = await client.post(f"/api/admin/v1/group-buys/{created['id']}/end", headers=admin)
    assert ended.json()["status"] == "ended"
    refused = await open_group(client, friend, created["id"], sku_id)
    assert (refused.status_code, refused.json()["error"]) == (409, "campaign_not_running")
    assert (await client.get("/api/v1/group-buys")).json() == []
    assert (await client.get("/api/v1/home")).json()["promotions"]["group_buys"] == []
    async with context.db.transaction(write=False) as session:
        stock = await session.scalar(select(Sku.stock).where(Sku.id == sku_id))
    assert stock == 49  # the pool went back; the leader's unpaid unit is still held


async def test_the_merchant_api_checks_its_input_and_who_asks(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    goods = await factories.make_goods(context, prices=[999], stock=5)
    ends = (clock.now() + timedelta(days=1)).isoformat()
    base = {"goods_id": goods["id"], "ends_at": ends}
    assert (
        await client.post("/api/admin/v1/group-buys", json={**base, "price_percent": 80})
    ).status_code == 401
    both = await client.post(
        "/api/admin/v1/group-buys",
        json={
            **base,
            "price_percent": 80,
            "prices": [{"sku_id": goods["sku_ids"][0], "group_price_fen": 1}],
        },
        headers=admin,
    )
    assert both.status_code == 422
    big = await client.post(
        "/api/admin/v1/group-buys",
        json={**base, "price_percent": 80, "group_size": 11},
        headers=admin,
    )
    assert big.status_code == 422
    short = await client.post(
        "/api/admin/v1/group-buys", json={**base, "price_percent": 80, "stock": 6}, headers=admin
    )
    assert (short.status_code, short.json()["error"]) == (409, "out_of_stock")
    made = await client.post(
        "/api/admin/v1/group-buys", json={**base, "price_percent": 80, "stock": 5}, headers=admin
    )
    assert made.status_code == 201, made.text
    assert made.json()["skus"][0]["group_price_fen"] == 799  # 80% of 9.99, rounded half up
    patched = await client.patch(
        f"/api/admin/v1/group-buys/{made.json()['id']}", json={"stock": 2}, headers=admin
    )
    assert patched.json()["skus"][0]["stock"] == 2
    async with context.db.transaction(write=False) as session:
        assert await session.scalar(select(Sku.stock)) == 3


async def test_the_leader_discount_is_the_leaders_alone_and_prices_split_to_the_fen(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, goods, created, (leader, friend) = await _setup(
        client, context, count=2, prices=[999], leader_discount_fen=100
    )
    sku_id = goods["sku_ids"][0]
    assert created["skus"][0]["group_price_fen"] == 799
    response = await open_group(client, leader, created["id"], sku_id, quantity=2)
    order = response.json()["order"]
    assert (order["goods_total_fen"], order["discount_fen"]) == (1998, 400 + 100)
    assert order["lines"][0]["pay_fen"] == 1998 - 500
    await pay(app, client, context, leader, order["id"])
    joined = (await join(client, friend, response.json()["group"]["id"], sku_id)).json()["order"]
    assert (joined["goods_total_fen"], joined["discount_fen"]) == (999, 200)
    assert joined["total_fen"] == 799 + joined["freight_fen"]


async def test_a_campaign_past_its_end_is_ended_by_the_sweep_and_its_pool_goes_back(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _, goods, created, (leader,) = await _setup(client, context, count=1, stock=8)
    sku_id = goods["sku_ids"][0]
    group_id, leader_order = await opened(app, client, context, leader, created["id"], sku_id)
    clock.advance(timedelta(days=2))
    assert await jobs.end_campaigns(context) == 1
    assert await jobs.end_campaigns(context) == 0
    assert await jobs.expire_groups(context) == 1  # its deadline was the campaign's end at most
    await settle(app)
    assert (await order_of(client, leader, leader_order))["status"] == "refunded"
    async with context.db.transaction(write=False) as session:
        campaign = await session.get(GroupBuy, created["id"])
        assert campaign is not None
        assert (campaign.status, campaign.groups_failed) == ("ended", 1)
        stock = await session.scalar(select(Sku.stock).where(Sku.id == sku_id))
        pool = await session.scalar(select(StockQuota.status))
    assert (stock, pool) == (50, "closed")  # the pool and the refunded unit are all back
    assert (await group(client, group_id))["status"] == "failed"
