"""Flash sales over the app's HTTP API: windows, limits, pools, the gate rebuilt."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.flash.helpers import buyer, flash_session, grab, sku_stock
from tests.payments.helpers import buyer_confirms, order_status, prepay, settle
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.errors import ShopError
from xiaodian.flash import runtime
from xiaodian.flash import service as flash
from xiaodian.flash.gate import Load, Snapshot
from xiaodian.models import User
from xiaodian.orders import jobs as order_jobs

START = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)


async def _setup(
    client: httpx.AsyncClient, context: AppContext, *, stock: int = 20, **session: object
) -> tuple[dict[str, str], int, int, dict[str, object]]:
    clock.freeze(START - timedelta(minutes=10))
    goods = await factories.make_goods(context, stock=stock, prices=[2990])
    sku_id = goods["sku_ids"][0]
    admin = await factories.merchant(client, context)
    created = await flash_session(
        client,
        admin,
        sku_id=sku_id,
        starts_at=START,
        **session,  # type: ignore[arg-type]
    )
    return admin, sku_id, int(created["item_ids"][0]), created


async def test_creating_a_session_moves_flash_stock_into_its_pool_and_lists_it(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, sku_id, item_id, created = await _setup(client, context, flash_stock=5)
    assert await sku_stock(context, sku_id) == 15
    listing = (await client.get("/api/v1/flash-sales")).json()
    assert listing["server_time"].startswith("2026-12-12T11:50:00")
    (session,) = listing["sessions"]
    assert session["status"] == "upcoming"
    (item,) = session["items"]
    assert item["id"] == item_id
    assert item["flash_price_fen"] == 100
    assert item["price_fen"] == 2990
    assert item["stock_left"] == 5
    assert item["sold"] == 0
    assert item["goods"]["title"] == "苹果"
    clock.freeze(START)
    flash.runtime(context).forget()
    home = (await client.get("/api/v1/home")).json()
    (shown,) = home["promotions"]["flash_sales"]
    assert shown["session_id"] == created["id"]
    assert (shown["id"], shown["status"], shown["price_fen"]) == (item_id, "running", 100)
    assert shown["goods"]["price_fen"] == 2990
    assert created["session"]["items"][0]["flash_stock"] == 5


async def test_too_much_flash_stock_or_a_bad_window_is_refused(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=3)
    admin = await factories.merchant(client, context)
    body = {
        "title": "x",
        "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(hours=1)).isoformat(),
        "items": [{"sku_id": goods["sku_ids"][0], "flash_price_fen": 100, "flash_stock": 4}],
    }
    response = await client.post("/api/admin/v1/flash-sales", headers=admin, json=body)
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "out_of_stock"
    backwards = {**body, "ends_at": (START - timedelta(hours=1)).isoformat()}
    response = await client.post("/api/admin/v1/flash-sales", headers=admin, json=backwards)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_flash_session"
    assert await sku_stock(context, goods["sku_ids"][0]) == 3
    nobody = await client.post("/api/admin/v1/flash-sales", json=body)
    assert nobody.status_code == 401


async def test_one_second_before_the_start_and_at_the_end_nothing_sells(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, _ = await _setup(client, context, per_user_limit=5)
    headers, address_id = await buyer(client, context, "edge")
    clock.freeze(START - timedelta(seconds=1))
    early = await grab(client, headers, item_id, address_id)
    assert early.status_code == 409
    assert early.json()["error"] == "flash_not_started"
    clock.freeze(START)
    first = await grab(client, headers, item_id, address_id)
    assert first.status_code == 201, first.text
    order = first.json()
    assert order["kind"] == "flash"
    assert order["goods_total_fen"] == 2990
    assert order["discount_fen"] == 2890
    assert order["lines"][0]["pay_fen"] == 100
    clock.freeze(START + timedelta(hours=1) - timedelta(seconds=1))
    last = await grab(client, headers, item_id, address_id)
    assert last.status_code == 201, last.text
    clock.freeze(START + timedelta(hours=1))
    ended = await grab(client, headers, item_id, address_id)
    assert ended.status_code == 409
    assert ended.json()["error"] == "flash_ended"
    clock.freeze(START + timedelta(hours=1, seconds=1))
    assert (await grab(client, headers, item_id, address_id)).json()["error"] == "flash_ended"


async def test_one_shopper_racing_themself_gets_exactly_the_limit(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, _ = await _setup(client, context, per_user_limit=2)
    clock.freeze(START + timedelta(seconds=5))
    headers, address_id = await buyer(client, context, "greedy")
    answers = await asyncio.gather(*(grab(client, headers, item_id, address_id) for _ in range(4)))
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [201, 201, 409, 409], [a.text for a in answers]
    assert {a.json()["error"] for a in answers if a.status_code == 409} == {"flash_limit_reached"}
    # and the database agrees even when the gate forgets everything
    await runtime.reset(context).gate.forget(item_id)
    again = await grab(client, headers, item_id, address_id)
    assert again.json()["error"] == "flash_limit_reached"


async def test_the_database_alone_holds_the_limit_against_concurrent_orders(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """Past the gate (as after a crash or a stale gate), concurrent transactions of one
    shopper still get exactly the limit: the conditional update and the unique key."""
    _admin, _sku, item_id, _ = await _setup(client, context, per_user_limit=2, flash_stock=5)
    clock.freeze(START)
    _headers, address_id = await buyer(client, context, "bypass")
    async with context.db.transaction(write=False) as session:
        user = await session.scalar(select(User).where(User.openid == "bypass"))
    assert user is not None

    async def straight_to_the_database() -> str:
        try:
            async with context.db.transaction() as session:
                await flash.place_flash_order(
                    session,
                    user_id=user.id,
                    item_id=item_id,
                    quantity=1,
                    address_id=address_id,
                    defaults=context.settings,
                )
            return "ok"
        except ShopError as error:
            return error.code

    results = await asyncio.gather(*(straight_to_the_database() for _ in range(5)))
    assert sorted(results) == ["flash_limit_reached"] * 3 + ["ok"] * 2


async def test_more_units_than_the_limit_in_one_order_is_refused(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, _ = await _setup(client, context, per_user_limit=2)
    clock.freeze(START)
    headers, address_id = await buyer(client, context, "bulk")
    response = await grab(client, headers, item_id, address_id, quantity=3)
    assert response.status_code == 409
    assert response.json()["error"] == "flash_limit_reached"


async def test_sold_out_answers_come_from_the_gate(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, sku_id, item_id, _ = await _setup(client, context, flash_stock=2)
    clock.freeze(START)
    results = []
    for number in range(4):
        headers, address_id = await buyer(client, context, f"crowd-{number}")
        results.append(await grab(client, headers, item_id, address_id))
    assert [r.status_code for r in results] == [201, 201, 409, 409]
    assert results[2].json()["error"] == "flash_sold_out"
    assert await runtime.runtime(context).gate.stock_left(item_id) == 0
    assert await sku_stock(context, sku_id) == 18


async def test_an_unpaid_flash_order_closes_after_the_sessions_minutes_and_returns_to_the_pool(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, sku_id, item_id, _ = await _setup(client, context, flash_stock=1, unpaid_minutes=3)
    clock.freeze(START)
    first, first_address = await buyer(client, context, "slow")
    second, second_address = await buyer(client, context, "patient")
    order = (await grab(client, first, item_id, first_address)).json()
    assert (await grab(client, second, item_id, second_address)).json()["error"] == (
        "flash_sold_out"
    )
    clock.freeze(START + timedelta(minutes=3, seconds=1))
    assert await order_jobs.close_unpaid_orders(context) == 1
    assert await order_status(client, first, order["id"]) == "closed"
    assert (await grab(client, second, item_id, second_address)).status_code == 201
    # the first shopper's units no longer count against them (but the pool is empty again)
    assert (await grab(client, first, item_id, first_address)).json()["error"] == ("flash_sold_out")
    assert await sku_stock(context, sku_id) == 19


async def test_a_flash_order_is_paid_through_the_ordinary_pay_route(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, _ = await _setup(client, context)
    clock.freeze(START)
    headers, address_id = await buyer(client, context, "payer")
    order = (await grab(client, headers, item_id, address_id)).json()
    assert order["total_fen"] == 100 + order["freight_fen"]
    clock.unfreeze()
    params = await prepay(client, headers, order["id"])
    await buyer_confirms(context, params)
    await settle(app)
    assert await order_status(client, headers, order["id"]) == "paid"


async def test_ending_a_session_gives_what_is_left_back_to_the_sku(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, sku_id, item_id, created = await _setup(client, context, flash_stock=5)
    clock.freeze(START)
    headers, address_id = await buyer(client, context, "ender")
    order = (await grab(client, headers, item_id, address_id)).json()
    assert await sku_stock(context, sku_id) == 15
    ended = await client.post(f"/api/admin/v1/flash-sales/{created['id']}/end", headers=admin)
    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "ended"
    assert await sku_stock(context, sku_id) == 19  # 4 unsold units back
    again = await client.post(f"/api/admin/v1/flash-sales/{created['id']}/end", headers=admin)
    assert again.status_code == 200
    assert await sku_stock(context, sku_id) == 19  # exactly once
    assert (await grab(client, headers, item_id, address_id)).json()["error"] == "flash_ended"
    # the unpaid order closing later returns its unit to the SKU (its pool is closed)
    cancel = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert cancel.status_code == 200, cancel.text
    assert await sku_stock(context, sku_id) == 20
    assert (await client.get("/api/v1/flash-sales")).json()["sessions"] == []


async def test_the_sweep_ends_sessions_past_their_end(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, sku_id, _item, _ = await _setup(client, context, flash_stock=5)
    clock.freeze(START + timedelta(hours=1))
    assert await flash.end_due_sessions(context) == 1
    assert await flash.end_due_sessions(context) == 0
    assert await sku_stock(context, sku_id) == 20


async def test_editing_resizes_the_pool_but_never_below_what_sold(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, sku_id, item_id, created = await _setup(client, context, flash_stock=5)
    clock.freeze(START)
    for number in range(2):
        headers, address_id = await buyer(client, context, f"edit-{number}")
        assert (await grab(client, headers, item_id, address_id)).status_code == 201
    item = {"id": item_id, "sku_id": sku_id, "flash_price_fen": 90, "flash_stock": 8}
    grown = await client.patch(
        f"/api/admin/v1/flash-sales/{created['id']}", headers=admin, json={"items": [item]}
    )
    assert grown.status_code == 200, grown.text
    assert grown.json()["items"][0]["stock_left"] == 6
    assert await sku_stock(context, sku_id) == 12
    too_small = {**item, "flash_stock": 1}
    refused = await client.patch(
        f"/api/admin/v1/flash-sales/{created['id']}", headers=admin, json={"items": [too_small]}
    )
    assert refused.status_code == 422
    assert await sku_stock(context, sku_id) == 12
    headers, address_id = await buyer(client, context, "edit-late")
    late = await grab(client, headers, item_id, address_id)
    assert late.status_code == 201
    assert late.json()["lines"][0]["pay_fen"] == 90


async def test_a_flushed_gate_is_rebuilt_from_the_database_not_reopened(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, sku_id, item_id, _ = await _setup(client, context, flash_stock=4)
    clock.freeze(START)
    shoppers = [await buyer(client, context, f"flush-{n}") for n in range(6)]
    for headers, address_id in shoppers[:2]:
        assert (await grab(client, headers, item_id, address_id)).status_code == 201
    if context.redis is not None:
        await context.redis.flushdb()  # Redis restarted and lost its keys
    else:
        await runtime.runtime(context).gate.forget(item_id)
    # the earlier buyers are still at their limit, and only the 2 unsold units sell
    first, first_address = shoppers[0]
    again = await grab(client, first, item_id, first_address)
    assert again.json()["error"] == "flash_limit_reached"
    codes = [(await grab(client, h, item_id, a)).status_code for h, a in shoppers[2:]]
    assert codes == [201, 201, 409, 409]
    assert await sku_stock(context, sku_id) == 16
    listing = (await client.get("/api/v1/flash-sales")).json()
    assert listing["sessions"][0]["items"][0]["stock_left"] == 0


async def test_a_shopper_flooding_the_route_gets_429_with_retry_after(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, _ = await _setup(client, context)
    clock.freeze(START)
    headers, address_id = await buyer(client, context, "flood")
    answers = [await grab(client, headers, item_id, address_id) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [201, 409, 409, 409, 409]
    assert answers[5].status_code == 429
    assert answers[5].json()["error"] == "rate_limited"
    assert int(answers[5].headers["Retry-After"]) >= 1


async def test_shoppers_and_merchants_must_be_who_they_say(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, created = await _setup(client, context)
    clock.freeze(START)
    anonymous = await client.post(
        f"/api/v1/flash-sales/items/{item_id}/orders", json={"quantity": 1, "address_id": 1}
    )
    assert anonymous.status_code == 401
    headers, _address = await buyer(client, context, "mine")
    _other_headers, other_address = await buyer(client, context, "theirs")
    foreign = await grab(client, headers, item_id, other_address)
    assert foreign.status_code == 404
    assert foreign.json()["error"] == "address_not_found"
    # the refusal gave the unit and the count back
    assert await runtime.runtime(context).gate.stock_left(item_id) == 5
    missing = await grab(client, headers, 999_999, other_address)
    assert missing.status_code == 404
    shopper_as_admin = await client.get(
        f"/api/admin/v1/flash-sales/{created['id']}", headers=headers
    )
    assert shopper_as_admin.status_code == 401


async def test_a_cap_on_participants_turns_the_next_shopper_away(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, created = await _setup(
        client, context, per_user_limit=2, max_participants=2
    )
    clock.freeze(START)
    shoppers = [await buyer(client, context, f"cap-{n}") for n in range(3)]
    for headers, address_id in shoppers[:2]:
        assert (await grab(client, headers, item_id, address_id)).status_code == 201
    third, third_address = shoppers[2]
    refused = await grab(client, third, item_id, third_address)
    assert (refused.status_code, refused.json()["error"]) == (409, "flash_sold_out")
    assert refused.json()["message"] == "参与人数已满"
    # a shopper already in may still buy up to their limit
    first, first_address = shoppers[0]
    assert (await grab(client, first, item_id, first_address)).status_code == 201
    # and the database holds the cap on its own too
    await runtime.reset(context).gate.forget(item_id)
    again = await grab(client, third, item_id, third_address)
    assert again.json()["error"] == "flash_sold_out"
    admin_view = await client.get(f"/api/admin/v1/flash-sales/{created['id']}", headers=_admin)
    assert admin_view.json()["items"][0]["participants"] == 2


async def test_a_token_revoked_after_it_was_remembered_never_buys(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, _ = await _setup(client, context, per_user_limit=2)
    clock.freeze(START)
    headers, address_id = await buyer(client, context, "leaver")
    assert (await grab(client, headers, item_id, address_id)).status_code == 201
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    after = await grab(client, headers, item_id, address_id)
    assert after.status_code == 401
    # the refusal gave the unit back to the gate
    assert await runtime.runtime(context).gate.stock_left(item_id) == 4


async def test_a_gate_that_says_more_than_the_database_learns_the_truth_on_refusal(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, _ = await _setup(client, context, flash_stock=1)
    clock.freeze(START)
    first, first_address = await buyer(client, context, "truth-1")
    assert (await grab(client, first, item_id, first_address)).status_code == 201
    gate = runtime.runtime(context).gate
    await gate.load(item_id, Snapshot(stock_left=3, users={}), ttl_ms=60_000, mode=Load.OVERWRITE)
    second, second_address = await buyer(client, context, "truth-2")
    refused = await grab(client, second, item_id, second_address)
    assert refused.json()["error"] == "flash_sold_out"
    assert await gate.stock_left(item_id) == 0


async def test_the_flash_order_answer_is_the_order_as_read_back(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """The 201 is built from what the order's transaction wrote, not read back: it must not
    differ from the order detail (price, adjustments, lines, timeline)."""
    _admin, _sku, item_id, _ = await _setup(client, context, flash_stock=5)
    clock.freeze(START)
    headers, address_id = await buyer(client, context, "answer")
    placed = await grab(client, headers, item_id, address_id)
    assert placed.status_code == 201, placed.text
    detail = await client.get(f"/api/v1/orders/{placed.json()['id']}", headers=headers)
    assert detail.status_code == 200
    assert placed.json() == detail.json()
    assert placed.json()["kind"] == "flash"
    assert placed.json()["total_fen"] == 100 + placed.json()["freight_fen"]
