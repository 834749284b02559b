"""Shared steps for delivery tests: a located store, shoppers at known distances, paid orders."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests import factories
from tests.payments import helpers as payments
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.sandbox.amap import DEMO_STORE_LAT, DEMO_STORE_LNG

EARTH_RADIUS_M = 6_371_008.8
# 07:00 in Shanghai: the 09:00 slot (cut-off 60 min before) still takes orders today
MORNING = datetime(2026, 12, 1, 7, 0, tzinfo=clock.SHOP_TZ)
TODAY = "2026-12-01"
# Order numbers are the (frozen) millisecond plus 3 random digits, and the payment simulator
# remembers every number it was paid for during the run: each paid order gets its own ms.
_milliseconds = itertools.count(1)

SETTINGS: dict[str, Any] = {
    "store_address": "张杨路 1000 号",
    "store_lat": DEMO_STORE_LAT,
    "store_lng": DEMO_STORE_LNG,
    "radius_m": 3000,
    "base_fee_fen": 300,
    "base_distance_m": 1000,
    "per_km_fee_fen": 100,
    "free_above_fen": 5000,
    "slots": [
        {"start": "09:00", "end": "11:00", "capacity": 30, "cutoff_minutes": 60},
        {"start": "16:00", "end": "18:00", "capacity": 30, "cutoff_minutes": 60},
    ],
    "pickup_enabled": True,
    "pickup_address": "张杨路 1000 号门店",
    "express_enabled": True,
    "express_fee_fen": 1200,
    "rider_capacity": 20,
}


def point_at(road_m: float, bearing_deg: float = 0.0, factor: float = 1.3) -> tuple[float, float]:
    """(lat, lng) whose estimated road distance from the demo store is `road_m`."""
    straight = road_m / factor
    bearing = math.radians(bearing_deg)
    dlat = straight * math.cos(bearing) / EARTH_RADIUS_M
    dlng = straight * math.sin(bearing) / (EARTH_RADIUS_M * math.cos(math.radians(DEMO_STORE_LAT)))
    return DEMO_STORE_LAT + math.degrees(dlat), DEMO_STORE_LNG + math.degrees(dlng)


async def configure(
    client: httpx.AsyncClient, context: AppContext, **changes: Any
) -> dict[str, str]:
    owner = await factories.merchant(client, context)
    response = await client.put(
        "/api/admin/v1/delivery/settings", json={**SETTINGS, **changes}, headers=owner
    )
    assert response.status_code == 200, response.text
    return owner


async def shopper_at(
    client: httpx.AsyncClient,
    context: AppContext,
    road_m: float,
    *,
    openid: str = "resident",
    bearing_deg: float = 0.0,
) -> tuple[dict[str, str], int]:
    headers = await factories.shopper(client, context, openid)
    lat, lng = point_at(road_m, bearing_deg)
    address_id = await factories.address(client, headers, lat=lat, lng=lng)
    return headers, address_id


def delivery_order(
    sku_id: int,
    address_id: int,
    *,
    method: str = "delivery",
    slot_date: str | None = TODAY,
    slot_start: str | None = "09:00",
    quantity: int = 1,
) -> dict[str, Any]:
    choice: dict[str, Any] = {"method": method}
    if method == "delivery":
        choice |= {"slot_date": slot_date, "slot_start": slot_start}
    return {
        "items": [{"sku_id": sku_id, "quantity": quantity}],
        "address_id": address_id,
        "delivery": choice,
    }


async def paid_delivery_order(
    app: FastAPI,
    client: httpx.AsyncClient,
    context: AppContext,
    *,
    sku_id: int,
    road_m: float,
    bearing_deg: float,
    openid: str,
) -> tuple[int, dict[str, str]]:
    headers, address_id = await shopper_at(
        client, context, road_m, openid=openid, bearing_deg=bearing_deg
    )
    moment = clock.now().replace(microsecond=0)
    clock.freeze(moment + timedelta(milliseconds=next(_milliseconds) % 1000))
    response = await client.post(
        "/api/v1/orders", json=delivery_order(sku_id, address_id), headers=headers
    )
    assert response.status_code == 201, response.text
    order_id = int(response.json()["id"])
    params = await payments.prepay(client, headers, order_id)
    await payments.buyer_confirms(context, params)
    await payments.settle(app)
    assert await payments.order_status(client, headers, order_id) == "paid"
    return order_id, headers


async def pickup_order(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, *, openid: str, pay: bool = True
) -> tuple[int, dict[str, str]]:
    """A 自提 order of a new shopper, paid unless `pay` is False."""
    sku_id = (await factories.make_goods(context, stock=10))["sku_ids"][0]
    headers, address_id = await shopper_at(client, context, 1200, openid=openid)
    response = await client.post(
        "/api/v1/orders", json=delivery_order(sku_id, address_id, method="pickup"), headers=headers
    )
    assert response.status_code == 201, response.text
    order_id = int(response.json()["id"])
    if pay:
        params = await payments.prepay(client, headers, order_id)
        await payments.buyer_confirms(context, params)
        await payments.settle(app)
        assert await payments.order_status(client, headers, order_id) == "paid"
    return order_id, headers
