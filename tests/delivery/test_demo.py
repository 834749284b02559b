"""The demo shop delivers: its settings are in place and tomorrow morning's orders plan."""

from __future__ import annotations

import random
from datetime import timedelta

import httpx

from tests import factories
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.seed.delivery import seed_delivery


async def test_the_demo_has_delivery_settings_and_orders_ready_to_plan(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """`seed_demo` calls `seed_delivery` after the catalog (the whole seed is covered by
    tests/test_platform.py; its pictures take long, so this seeds a small catalog instead)."""
    for title in ("青菜", "鸡蛋", "牛奶"):
        await factories.make_goods(context, title=title)
    async with context.db.transaction() as session:
        await seed_delivery(session, random.Random(1))
    owner = await factories.merchant(client, context, username="demo-owner")
    tomorrow = (clock.to_shop_time(clock.now()).date() + timedelta(days=1)).isoformat()
    slots = await client.get(f"/api/admin/v1/delivery/slots?date={tomorrow}", headers=owner)
    assert [(s["start"], s["taken"]) for s in slots.json()] == [
        ("09:00", 8),
        ("16:00", 0),
        ("19:00", 0),
    ]
    planned = await client.post(
        "/api/admin/v1/delivery/batches",
        json={"date": tomorrow, "slot_start": "09:00", "riders": 2},
        headers=owner,
    )
    assert planned.status_code == 201, planned.text
    routes = planned.json()["routes"]
    assert sum(len(route["stops"]) for route in routes) == 8
    assert all(route["distance_m"] < 20_000 for route in routes)
