"""The last seat of a group, raced over real HTTP against a running server (issue 11): twenty
joiners, one order, nineteen `group_full`, and never more members than the group's size."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from tests import factories
from tests.live.conftest import LiveShop
from tests.live.shop import buyers, goods_with_stock
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.groupbuy.vocabulary import HOLDING
from xiaodian.models import BuyGroup, GroupSeat, Sku
from xiaodian.orders import actions
from xiaodian.orders import service as orders

ROUNDS = 3
RACERS = 20


async def _confirmed(context: AppContext, order_id: int) -> None:
    """The payment of an order is confirmed (what a notification does after recording it)."""
    async with context.db.transaction() as session:
        order = await orders.order_for_update(session, order_id=order_id)
        assert await actions.mark_paid(session, order=order, by=Actor.system("test"))


async def _race(
    http: httpx.AsyncClient, url: str, calls: list[tuple[dict[str, str], dict[str, int]]]
) -> list[httpx.Response]:
    """Every call waits at a gate until all are there, then they go at once."""
    start, all_waiting = asyncio.Event(), asyncio.Event()
    waiting = 0

    async def one(headers: dict[str, str], body: dict[str, int]) -> httpx.Response:
        nonlocal waiting
        waiting += 1
        if waiting == len(calls):
            all_waiting.set()
        await start.wait()
        return await http.post(url, headers=headers, json=body)

    attempts = [asyncio.create_task(one(headers, body)) for headers, body in calls]
    await all_waiting.wait()
    start.set()
    return list(await asyncio.gather(*attempts))


async def test_twenty_joiners_racing_for_the_last_seat_make_one_order(
    live_shop: LiveShop, client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    limits = httpx.Limits(max_connections=RACERS + 5, max_keepalive_connections=RACERS + 5)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        sku_id = await goods_with_stock(http, live_shop, admin, stock=500)
        async with context.db.transaction(write=False) as session:
            goods_id = await session.scalar(select(Sku.goods_id).where(Sku.id == sku_id))
        made = await http.post(
            f"{live_shop.base_url}/api/admin/v1/group-buys",
            headers=admin,
            json={
                "goods_id": goods_id,
                "group_size": 3,
                "price_percent": 80,
                "fill_minutes": 10,
                "ends_at": (clock.now() + timedelta(days=1)).isoformat(),
            },
        )
        assert made.status_code == 201, made.text
        campaign_id = made.json()["id"]
        people = await buyers(http, live_shop, RACERS + 2)
        leader, first, racers = people[0], people[1], people[2:]

        def seat(who: dict[str, str]) -> dict[str, int]:
            return {"sku_id": sku_id, "quantity": 1, "address_id": int(who["X-Address"])}

        def auth(who: dict[str, str]) -> dict[str, str]:
            return {"Authorization": who["Authorization"]}

        for round_no in range(ROUNDS):
            opened = await http.post(
                f"{live_shop.base_url}/api/v1/group-buys/{campaign_id}/groups",
                headers=auth(leader),
                json=seat(leader),
            )
            assert opened.status_code == 201, opened.text
            group_id = opened.json()["group"]["id"]
            await _confirmed(context, opened.json()["order"]["id"])
            joined = await http.post(
                f"{live_shop.base_url}/api/v1/groups/{group_id}/join",
                headers=auth(first),
                json=seat(first),
            )
            assert joined.status_code == 201, joined.text
            await _confirmed(context, joined.json()["order"]["id"])

            responses = await _race(
                http,
                f"{live_shop.base_url}/api/v1/groups/{group_id}/join",
                [(auth(who), seat(who)) for who in racers],
            )
            outcomes = Counter((r.status_code, r.json().get("error")) for r in responses)
            assert outcomes == {(201, None): 1, (409, "group_full"): RACERS - 1}, (
                round_no,
                outcomes,
            )
            winner = next(r for r in responses if r.status_code == 201)
            await _confirmed(context, winner.json()["order"]["id"])
            async with context.db.transaction(write=False) as session:
                group = await session.get(BuyGroup, group_id)
                members = await session.scalar(
                    select(func.count(GroupSeat.id)).where(
                        GroupSeat.group_id == group_id, GroupSeat.status.in_(HOLDING)
                    )
                )
            assert group is not None
            assert (group.status, group.seats_taken, group.seats_paid, members) == (
                "filled",
                3,
                3,
                3,
            )
            shown = await http.get(f"{live_shop.base_url}/api/v1/groups/{group_id}")
            assert [m["paid"] for m in shown.json()["members"]] == [True, True, True]
