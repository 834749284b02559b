"""The zone, fees by distance, slots with capacity and cut-off, at quote and checkout."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.delivery.helpers import (
    MORNING,
    TODAY,
    configure,
    delivery_order,
    paid_delivery_order,
    shopper_at,
)
from tests.payments import helpers as payments
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.models import DeliveryOrder, DeliverySlotLoad, Order


async def test_zone_edge_2999_m_is_in_and_3001_m_is_out(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    await configure(client, context)
    goods = await factories.make_goods(context, prices=[1000])
    sku_id = goods["sku_ids"][0]
    inside, inside_address = await shopper_at(client, context, 2999, openid="in")
    outside, outside_address = await shopper_at(client, context, 3001, openid="out")

    quote_in = (
        await client.get(f"/api/v1/delivery/quote?address_id={inside_address}", headers=inside)
    ).json()
    assert (quote_in["in_zone"], quote_in["distance_m"], quote_in["radius_m"]) == (
        True,
        2999,
        3000,
    )
    assert quote_in["fee_fen"] == 300 + 2 * 100  # 1,999 m past the base km: two started km
    assert [(s["date"], s["start"], s["left"]) for s in quote_in["slots"]][:2] == [
        (TODAY, "09:00", 30),
        (TODAY, "16:00", 30),
    ]
    quote_out = (
        await client.get(f"/api/v1/delivery/quote?address_id={outside_address}", headers=outside)
    ).json()
    assert (quote_out["in_zone"], quote_out["distance_m"], quote_out["slots"]) == (
        False,
        3001,
        [],
    )
    assert quote_out["pickup"]["available"] and quote_out["express"] == {
        "available": True,
        "fee_fen": 1200,
    }

    placed = await client.post(
        "/api/v1/orders", json=delivery_order(sku_id, inside_address), headers=inside
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["freight_fen"] == 500
    refused = await client.post(
        "/api/v1/orders", json=delivery_order(sku_id, outside_address), headers=outside
    )
    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "address_out_of_zone"
    assert body["message"] == "配送范围 3 公里，您的地址约 3.0 公里"
    assert body["details"]["distance_m"] == 3001 and body["details"]["radius_m"] == 3000
    assert body["details"]["pickup"] is True and body["details"]["express"] is True


async def test_out_of_zone_message_names_the_distance(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    await configure(client, context)
    goods = await factories.make_goods(context)
    headers, address_id = await shopper_at(client, context, 3400)
    refused = await client.post(
        "/api/v1/orders/preview",
        json=delivery_order(goods["sku_ids"][0], address_id),
        headers=headers,
    )
    assert refused.status_code == 409
    assert refused.json()["message"] == "配送范围 3 公里，您的地址约 3.4 公里"


async def test_fee_rules_by_distance_free_above_and_by_method(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    await configure(client, context)
    cheap = (await factories.make_goods(context, prices=[1000], title="小葱"))["sku_ids"][0]
    dear = (await factories.make_goods(context, prices=[6000], title="车厘子"))["sku_ids"][0]
    expected = {800: 300, 1000: 300, 1001: 400, 2000: 400, 2001: 500}
    for index, (road_m, fee) in enumerate(expected.items()):
        headers, address_id = await shopper_at(client, context, road_m, openid=f"fee-{index}")
        preview = await client.post(
            "/api/v1/orders/preview", json=delivery_order(cheap, address_id), headers=headers
        )
        assert preview.status_code == 200, preview.text
        assert preview.json()["freight_fen"] == fee, road_m
        assert preview.json()["delivery"]["distance_m"] == road_m
        free = await client.post(
            "/api/v1/orders/preview", json=delivery_order(dear, address_id), headers=headers
        )
        assert free.json()["freight_fen"] == 0  # 60 yuan is above the 50 yuan threshold
        assert free.json()["total_fen"] == 6000
    headers, address_id = await shopper_at(client, context, 5000, openid="far")
    pickup = await client.post(
        "/api/v1/orders/preview",
        json=delivery_order(cheap, address_id, method="pickup"),
        headers=headers,
    )
    assert (pickup.status_code, pickup.json()["freight_fen"]) == (200, 0)
    express = await client.post(
        "/api/v1/orders",
        json=delivery_order(cheap, address_id, method="express"),
        headers=headers,
    )
    assert (express.status_code, express.json()["freight_fen"]) == (201, 1200)


async def test_a_method_the_shop_switched_off_is_refused(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    await configure(client, context, express_enabled=False, pickup_enabled=False)
    goods = await factories.make_goods(context)
    headers, address_id = await shopper_at(client, context, 5000)
    for method in ("express", "pickup"):
        refused = await client.post(
            "/api/v1/orders",
            json=delivery_order(goods["sku_ids"][0], address_id, method=method),
            headers=headers,
        )
        assert (refused.status_code, refused.json()["error"]) == (
            409,
            "delivery_method_unavailable",
        )


async def test_the_last_places_of_a_slot_go_to_exactly_capacity_racing_shoppers(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    slots = [{"start": "09:00", "end": "11:00", "capacity": 3, "cutoff_minutes": 60}]
    await configure(client, context, slots=slots)
    goods = await factories.make_goods(context, stock=100)
    sku_id = goods["sku_ids"][0]
    shoppers = [
        await shopper_at(client, context, 1500, openid=f"racer-{n}", bearing_deg=n * 40)
        for n in range(8)
    ]
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/orders", json=delivery_order(sku_id, address), headers=headers)
            for headers, address in shoppers
        )
    )
    outcomes = Counter((r.status_code, r.json().get("error")) for r in responses)
    assert outcomes == {(201, None): 3, (409, "slot_full"): 5}, outcomes
    async with context.db.transaction(write=False) as session:
        taken = await session.scalar(select(DeliverySlotLoad.taken))
        held = (await session.scalars(select(DeliveryOrder.order_id))).all()
        orders = (await session.scalars(select(Order.id))).all()
    assert taken == 3
    assert sorted(held) == sorted(orders) and len(orders) == 3  # refused orders rolled back
    full = next(r for r in responses if r.status_code == 409).json()
    assert full["message"] == f"{TODAY} 09:00-11:00 已约满，请选择其他时段"


async def test_a_closed_unpaid_order_gives_its_slot_place_back(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    slots = [{"start": "09:00", "end": "11:00", "capacity": 1, "cutoff_minutes": 60}]
    await configure(client, context, slots=slots)
    sku_id = (await factories.make_goods(context))["sku_ids"][0]
    first, first_address = await shopper_at(client, context, 1200, openid="first")
    second, second_address = await shopper_at(client, context, 1200, openid="second")
    placed = await client.post(
        "/api/v1/orders", json=delivery_order(sku_id, first_address), headers=first
    )
    full = await client.post(
        "/api/v1/orders", json=delivery_order(sku_id, second_address), headers=second
    )
    assert full.json()["error"] == "slot_full"
    cancel = await client.post(f"/api/v1/orders/{placed.json()['id']}/cancel", headers=first)
    assert cancel.status_code == 200, cancel.text
    again = await client.post(
        "/api/v1/orders", json=delivery_order(sku_id, second_address), headers=second
    )
    assert again.status_code == 201, again.text


async def test_cut_off_closes_a_slot_before_it_starts(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING + timedelta(minutes=59))  # 07:59, cut-off for 09:00 is 08:00
    await configure(client, context)
    sku_id = (await factories.make_goods(context))["sku_ids"][0]
    headers, address_id = await shopper_at(client, context, 1500)
    ok = await client.post(
        "/api/v1/orders/preview", json=delivery_order(sku_id, address_id), headers=headers
    )
    assert ok.status_code == 200, ok.text
    clock.advance(timedelta(minutes=1))  # 08:00
    late = await client.post(
        "/api/v1/orders", json=delivery_order(sku_id, address_id), headers=headers
    )
    assert (late.status_code, late.json()["error"]) == (409, "slot_unavailable")
    assert late.json()["message"] == f"{TODAY} 09:00-11:00 已截单，请选择其他时段"
    quote = (
        await client.get(f"/api/v1/delivery/quote?address_id={address_id}", headers=headers)
    ).json()
    assert [s["start"] for s in quote["slots"] if s["date"] == TODAY] == ["16:00"]
    missing = await client.post(
        "/api/v1/orders",
        json=delivery_order(sku_id, address_id, slot_start=None, slot_date=None),
        headers=headers,
    )
    assert (missing.status_code, missing.json()["error"]) == (400, "slot_required")


async def test_an_address_without_coordinates_asks_for_a_map_pick(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    await configure(client, context)
    sku_id = (await factories.make_goods(context))["sku_ids"][0]
    headers = await factories.shopper(client, context, "no-point")
    address_id = await factories.address(client, headers)
    refused = await client.post(
        "/api/v1/orders", json=delivery_order(sku_id, address_id), headers=headers
    )
    assert (refused.status_code, refused.json()["error"]) == (409, "address_not_located")
    quote = (
        await client.get(f"/api/v1/delivery/quote?address_id={address_id}", headers=headers)
    ).json()
    assert quote["located"] is False and quote["message"] == "请在地图上选择收货地址的位置"


async def test_quote_needs_a_shopper_and_their_own_address(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await configure(client, context)
    anonymous = await client.get("/api/v1/delivery/quote?lat=31.2&lng=121.5")
    assert anonymous.status_code == 401
    _owner_headers, address_id = await shopper_at(client, context, 1000, openid="owner-of-it")
    other = await factories.shopper(client, context, "someone-else")
    foreign = await client.get(f"/api/v1/delivery/quote?address_id={address_id}", headers=other)
    assert foreign.status_code == 404
    merchant_only = await client.get("/api/admin/v1/delivery/settings", headers=other)
    assert merchant_only.status_code == 401


async def test_order_without_delivery_keeps_the_shop_freight(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await configure(client, context)
    sku_id = (await factories.make_goods(context, prices=[1000]))["sku_ids"][0]
    headers, address_id = await shopper_at(client, context, 9000)
    order = await factories.place_order(client, headers, sku_id=sku_id, address_id=address_id)
    assert order["freight_fen"] == 800


async def test_a_paid_order_refunded_before_delivery_frees_its_slot_place(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    owner = await configure(client, context)
    sku_id = (await factories.make_goods(context))["sku_ids"][0]
    order_id, headers = await paid_delivery_order(
        app, client, context, sku_id=sku_id, road_m=1500, bearing_deg=0, openid="changed-mind"
    )
    slots_url = f"/api/admin/v1/delivery/slots?date={TODAY}"
    assert (await client.get(slots_url, headers=owner)).json()[0]["taken"] == 1
    requested = await client.post(
        f"/api/v1/orders/{order_id}/refund", headers=headers, json={"reason": "不需要了"}
    )
    assert requested.status_code == 200, requested.text
    refunds = await client.get(
        "/api/admin/v1/refunds", params={"status": "requested"}, headers=owner
    )
    refund_id = refunds.json()["items"][0]["id"]
    approved = await client.post(f"/api/admin/v1/refunds/{refund_id}/approve", headers=owner)
    assert approved.status_code == 200, approved.text
    await payments.settle(app)
    assert await payments.order_status(client, headers, order_id) == "refunded"
    assert (await client.get(slots_url, headers=owner)).json()[0]["taken"] == 0
