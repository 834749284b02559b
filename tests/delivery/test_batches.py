"""Batches: routes planned for a slot's paid orders (1 and 3 riders, capacities), the SVG map,
the signed rider page (tampering, expiry), marking stops delivered or failed, re-planning."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.delivery.helpers import MORNING, TODAY, configure, paid_delivery_order, point_at
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.cache import MemoryCache
from xiaodian.delivery import jobs
from xiaodian.delivery.routing import tour_length
from xiaodian.integrations.amap import AmapClient, Point
from xiaodian.models import OperationLog
from xiaodian.sandbox.amap import DEMO_STORE_LAT, DEMO_STORE_LNG


async def _paid_orders(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, spots: list[tuple[int, int]]
) -> tuple[list[int], dict[int, dict[str, str]]]:
    sku_id = (await factories.make_goods(context, stock=100))["sku_ids"][0]
    ids: list[int] = []
    shoppers: dict[int, dict[str, str]] = {}
    for n, (road_m, bearing) in enumerate(spots):
        order_id, headers = await paid_delivery_order(
            app,
            client,
            context,
            sku_id=sku_id,
            road_m=road_m,
            bearing_deg=bearing,
            openid=f"resident-{n}",
        )
        ids.append(order_id)
        shoppers[order_id] = headers
    return ids, shoppers


def _rider_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_one_rider_gets_the_shortest_tour_and_the_orders_go_out(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    owner = await configure(client, context)
    spots = [(800, 10), (2500, 80), (1500, 200), (2900, 300), (1200, 140), (2000, 30)]
    ids, shoppers = await _paid_orders(app, client, context, spots)
    response = await client.post(
        "/api/admin/v1/delivery/batches",
        json={"date": TODAY, "slot_start": "09:00", "riders": 1},
        headers=owner,
    )
    assert response.status_code == 201, response.text
    batch = response.json()
    [route] = batch["routes"]
    assert sorted(stop["order_id"] for stop in route["stops"]) == sorted(ids)
    assert [stop["seq"] for stop in route["stops"]] == [1, 2, 3, 4, 5, 6]

    # the same distances the planner used (no AMap key: great-circle x 1.3), brute-forced
    amap = AmapClient(http=context.http, cache=MemoryCache(), key="")
    points = [Point(lat=DEMO_STORE_LAT, lng=DEMO_STORE_LNG)] + [
        Point(*point_at(road_m, bearing)) for road_m, bearing in spots
    ]
    matrix, _ = await amap.matrix(points)
    best = min(tour_length(matrix, [0, *order]) for order in itertools.permutations(range(1, 7)))
    assert route["distance_m"] == best
    legs = sum(stop["distance_from_prev_m"] for stop in route["stops"])
    last = ids.index(route["stops"][-1]["order_id"]) + 1
    assert legs + matrix[last][0] == route["distance_m"]
    etas = [datetime.fromisoformat(stop["eta"]) for stop in route["stops"]]
    slot_start = MORNING + timedelta(hours=2)  # the rider leaves at 09:00
    assert etas == sorted(etas) and slot_start < etas[0] < etas[-1] < slot_start + timedelta(
        hours=2
    )

    for order_id, headers in shoppers.items():
        detail = (await client.get(f"/api/v1/orders/{order_id}", headers=headers)).json()
        assert detail["status"] == "delivering"
        mine = (await client.get(f"/api/v1/delivery/orders/{order_id}", headers=headers)).json()
        seq = next(s["seq"] for s in route["stops"] if s["order_id"] == order_id)
        assert (mine["stop_seq"], mine["slot_start"], mine["slot_end"]) == (seq, "09:00", "11:00")

    again = await client.post(
        "/api/admin/v1/delivery/batches",
        json={"date": TODAY, "slot_start": "09:00", "riders": 1},
        headers=owner,
    )
    assert (again.status_code, again.json()["error"]) == (409, "nothing_to_deliver")


async def test_three_riders_share_the_stops_within_their_capacity(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    owner = await configure(client, context, rider_capacity=3)
    spots = [(600 + 300 * n, n * 45) for n in range(8)]
    ids, _ = await _paid_orders(app, client, context, spots)
    too_few = await client.post(
        "/api/admin/v1/delivery/batches",
        json={"date": TODAY, "slot_start": "09:00", "riders": 2},
        headers=owner,
    )
    assert (too_few.status_code, too_few.json()["error"]) == (409, "riders_over_capacity")
    response = await client.post(
        "/api/admin/v1/delivery/batches",
        json={"date": TODAY, "slot_start": "09:00", "riders": 3},
        headers=owner,
    )
    assert response.status_code == 201, response.text
    routes = response.json()["routes"]
    assert [route["rider_no"] for route in routes] == [1, 2, 3]
    assert all(1 <= len(route["stops"]) <= 3 for route in routes)
    assert sorted(s["order_id"] for r in routes for s in r["stops"]) == sorted(ids)
    assert response.json()["distance_m"] == sum(r["distance_m"] for r in routes)
    listed = await client.get(f"/api/admin/v1/delivery/batches?date={TODAY}", headers=owner)
    assert [(b["id"], b["stops"]) for b in listed.json()] == [(response.json()["id"], 8)]


async def test_route_map_is_an_svg_with_zone_store_stops_path_and_scale(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    owner = await configure(client, context)
    await _paid_orders(app, client, context, [(900, 0), (1800, 120), (2600, 240)])
    batch = (
        await client.post(
            "/api/admin/v1/delivery/batches",
            json={"date": TODAY, "slot_start": "09:00"},
            headers=owner,
        )
    ).json()
    [route] = batch["routes"]
    svg = await client.get(route["map_svg_url"], headers=owner)
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    text = svg.text
    assert text.count('class="stop"') == 3 and 'class="zone"' in text
    assert 'class="store"' in text and 'class="path"' in text and 'class="scale"' in text
    assert len(re.search(r'points="([^"]+)"', text).group(1).split()) == 5  # type: ignore[union-attr]
    assert (await client.get(route["map_svg_url"])).status_code == 401


async def _one_route(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, count: int = 2
) -> tuple[dict[str, str], dict[str, Any], dict[int, dict[str, str]], int]:
    clock.freeze(MORNING)
    owner = await configure(client, context)
    spots = [(1000 + 500 * n, 90 * n) for n in range(count)]
    _ids, shoppers = await _paid_orders(app, client, context, spots)
    batch = (
        await client.post(
            "/api/admin/v1/delivery/batches",
            json={"date": TODAY, "slot_start": "09:00"},
            headers=owner,
        )
    ).json()
    return owner, batch["routes"][0], shoppers, batch["id"]


async def test_rider_marks_a_stop_delivered_and_another_failed(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    owner, route, shoppers, batch_id = await _one_route(app, client, context)
    page = await client.get(_rider_path(route["rider_url"]))
    assert page.status_code == 200, page.text
    first, second = route["stops"]
    assert f'href="tel:{first["phone"]}"' in page.text
    assert "uri.amap.com/marker" in page.text and "已送达" in page.text
    assert 'name="viewport" content="width=device-width' in page.text

    signed = urlsplit(route["rider_url"]).query
    base = f"/rider/routes/{route['id']}/stops"
    done = await client.post(f"{base}/{first['order_id']}/delivered?{signed}")
    assert done.status_code == 303
    failed = await client.post(
        f"{base}/{second['order_id']}/failed?{signed}", data={"reason": "无人接听"}
    )
    assert failed.status_code == 303

    first_shopper = shoppers[first["order_id"]]
    order = (await client.get(f"/api/v1/orders/{first['order_id']}", headers=first_shopper)).json()
    assert order["status"] == "completed"
    second_shopper = shoppers[second["order_id"]]
    order = (
        await client.get(f"/api/v1/orders/{second['order_id']}", headers=second_shopper)
    ).json()
    assert order["status"] == "paid"  # back for another round or a refund
    seen = (await client.get(f"/api/admin/v1/delivery/batches/{batch_id}", headers=owner)).json()
    outcomes = {s["order_id"]: (s["outcome"], s["fail_reason"]) for s in seen["routes"][0]["stops"]}
    assert outcomes == {
        first["order_id"]: ("delivered", None),
        second["order_id"]: ("failed", "无人接听"),
    }
    twice = await client.post(f"{base}/{first['order_id']}/delivered?{signed}")
    assert twice.status_code == 303  # the second tap changes nothing
    timeline = (await client.get(f"/api/admin/v1/orders/{first['order_id']}", headers=owner)).json()
    assert [e["note"] for e in timeline["timeline"]].count("已送达") == 1

    replanned = await client.post(
        f"/api/admin/v1/delivery/batches/{batch_id}/replan", json={}, headers=owner
    )
    assert replanned.status_code == 200, replanned.text
    [new_route] = replanned.json()["routes"]
    assert [s["order_id"] for s in new_route["stops"]] == [second["order_id"]]
    again = (
        await client.get(f"/api/v1/orders/{second['order_id']}", headers=second_shopper)
    ).json()
    assert again["status"] == "delivering"
    old_link = await client.get(_rider_path(route["rider_url"]))
    assert old_link.status_code == 403  # that route was replaced

    async with context.db.transaction(write=False) as session:
        entries = list(
            await session.scalars(
                select(OperationLog)
                .where(OperationLog.target_type == "delivery_batch")
                .order_by(OperationLog.id)
            )
        )
    assert [(e.action, e.target_id, e.admin_name) for e in entries] == [
        ("delivery.batch_plan", str(batch_id), "owner"),
        ("delivery.batch_replan", str(batch_id), "owner"),
    ]
    orders = f"{first['order_no']}, {second['order_no']}"
    assert {"field": "orders", "old": None, "new": orders} in entries[0].changes
    assert {"field": "orders", "old": orders, "new": second["order_no"]} in entries[1].changes


async def test_rider_link_refuses_tampering_and_expires_after_the_slot_day(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _owner, route, _shoppers, _batch = await _one_route(app, client, context, count=1)
    path = _rider_path(route["rider_url"])
    assert (await client.get(path)).status_code == 200
    expires = int(re.search(r"exp=(\d+)", path).group(1))  # type: ignore[union-attr]
    sig = re.search(r"sig=([0-9a-f]+)", path).group(1)  # type: ignore[union-attr]
    tampered = [
        f"/rider/routes/{route['id']}?exp={expires}&sig={sig[:-1]}{'0' if sig[-1] != '0' else '1'}",
        f"/rider/routes/{route['id']}?exp={expires + 86400}&sig={sig}",
        f"/rider/routes/{route['id'] + 1}?exp={expires}&sig={sig}",
        f"/rider/routes/{route['id']}",
    ]
    for bad in tampered:
        refused = await client.get(bad)
        assert refused.status_code in (403, 422), bad
        if refused.status_code == 403:
            assert refused.json()["error"] == "rider_link_invalid"
    stop = route["stops"][0]
    forged = await client.post(
        f"/rider/routes/{route['id']}/stops/{stop['order_id']}/delivered?exp={expires}&sig=00"
    )
    assert forged.status_code == 403
    clock.freeze(MORNING + timedelta(hours=16, minutes=59))  # 23:59 the same day
    assert (await client.get(path)).status_code == 200
    clock.advance(timedelta(minutes=1))  # midnight: the link has expired
    expired = await client.get(path)
    assert (expired.status_code, expired.json()["error"]) == (403, "rider_link_invalid")


async def test_the_cut_off_sweep_plans_the_slot_once(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    owner = await configure(client, context, auto_batch_riders=2)
    ids, _ = await _paid_orders(app, client, context, [(900, 10), (1800, 200), (2500, 100)])
    assert await jobs.plan_slots_at_cut_off(context) == 0  # 07:00: the slot still takes orders
    clock.advance(timedelta(hours=1, minutes=1))  # 08:01, past the 09:00 slot's cut-off
    assert await jobs.plan_slots_at_cut_off(context) == 1
    assert await jobs.plan_slots_at_cut_off(context) == 0  # nothing new: no second batch
    listed = (
        await client.get(f"/api/admin/v1/delivery/batches?date={TODAY}", headers=owner)
    ).json()
    assert [b["stops"] for b in listed] == [3]
    batch = (
        await client.get(f"/api/admin/v1/delivery/batches/{listed[0]['id']}", headers=owner)
    ).json()
    assert sorted(s["order_id"] for r in batch["routes"] for s in r["stops"]) == sorted(ids)


async def test_riders_carry_at_most_their_weight_from_the_skus_weights(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(MORNING)
    owner = await configure(client, context, rider_capacity_g=5000)
    sku_id = (await factories.make_goods(context, title="大米", stock=100))["sku_ids"][0]
    weighed = await client.patch(
        f"/api/admin/v1/skus/{sku_id}", json={"weight_g": 2000}, headers=owner
    )
    assert weighed.status_code == 200, weighed.text
    assert weighed.json()["weight_g"] == 2000
    ids: list[int] = []
    for n, (road_m, bearing) in enumerate([(900, 0), (1500, 90), (2100, 180), (2700, 270)]):
        order_id, _ = await paid_delivery_order(
            app,
            client,
            context,
            sku_id=sku_id,
            road_m=road_m,
            bearing_deg=bearing,
            openid=f"rice-{n}",
        )
        ids.append(order_id)
    # 4 orders of 2 kg: the order count (20 per rider) allows one rider, the weight does not
    one = await client.post(
        "/api/admin/v1/delivery/batches",
        json={"date": TODAY, "slot_start": "09:00", "riders": 1},
        headers=owner,
    )
    assert (one.status_code, one.json()["error"]) == (409, "riders_over_capacity")
    assert one.json()["message"] == "共 8 公斤，超过 1 名骑手的载重（每人 5 公斤）"
    two = await client.post(
        "/api/admin/v1/delivery/batches",
        json={"date": TODAY, "slot_start": "09:00", "riders": 2},
        headers=owner,
    )
    assert two.status_code == 201, two.text
    routes = two.json()["routes"]
    assert sorted(len(route["stops"]) for route in routes) == [2, 2]
    assert [route["weight_g"] for route in routes] == [4000, 4000]
    assert {stop["weight_g"] for route in routes for stop in route["stops"]} == {2000}
    settings = (await client.get("/api/admin/v1/delivery/settings", headers=owner)).json()
    assert settings["rider_capacity_g"] == 5000
