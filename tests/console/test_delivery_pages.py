"""配送 in the console (settings form, slots, planning, routes with maps, rider sheet) over
HTTP, and the rider page and the console page in Chromium at 375 px."""

from __future__ import annotations

import math
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from playwright.async_api import expect
from sqlalchemy import select

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import signed_in
from tests.delivery.helpers import MORNING, TODAY, paid_delivery_order, pickup_order
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.integrations.amap import Point
from xiaodian.models import OperationLog
from xiaodian.sandbox.amap import DEMO_STORE_LAT, DEMO_STORE_LNG

FORM = {
    "enabled": "on",
    "store_address": "张杨路 1000 号",
    "store_lat": str(DEMO_STORE_LAT),
    "store_lng": str(DEMO_STORE_LNG),
    "radius_m": "3000",
    "base_fee": "3.00",
    "base_distance_m": "1000",
    "per_km_fee": "1.00",
    "free_above": "0",
    "slots_text": "09:00-11:00 30 60\n16:00-18:00 20",
    "slot_days_ahead": "2",
    "rider_capacity": "20",
    "service_minutes": "3",
    "auto_batch_riders": "0",
    "pickup_enabled": "on",
    "pickup_address": "门店",
    "pickup_hours": "09:00-21:00",
    "express_fee": "12.00",
}


async def _planned(app: FastAPI, client: httpx.AsyncClient, context: AppContext) -> Any:
    clock.freeze(MORNING)
    console = await signed_in(client, context)
    saved = await console.post("/delivery/settings", FORM)
    assert saved.status_code == 303, saved.text
    sku_id = (await factories.make_goods(context, title="青菜"))["sku_ids"][0]
    for n, (road_m, bearing) in enumerate([(900, 20), (1700, 150), (2400, 260)]):
        await paid_delivery_order(
            app,
            client,
            context,
            sku_id=sku_id,
            road_m=road_m,
            bearing_deg=bearing,
            openid=f"console-{n}",
        )
    planned = await console.post(
        "/delivery/batches", {"date": TODAY, "slot_start": "09:00", "riders": "1"}
    )
    assert planned.status_code == 303
    return console


async def test_settings_slots_and_a_planned_batch_over_http(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await _planned(app, client, context)
    page = await console.get(f"/delivery?date={TODAY}")
    assert page.status_code == 200
    html = page.text
    assert 'data-slot="09:00"' in html and 'data-slot="16:00"' in html
    assert html.count("data-stop=") == 3 and "1 号骑手" in html and "/rider/routes/" in html
    assert 'class="zone"' in html  # the radius preview
    owner_api = await factories.merchant(client, context, username="api-owner")
    settings = (await client.get("/api/admin/v1/delivery/settings", headers=owner_api)).json()
    assert settings["base_fee_fen"] == 300 and settings["express_fee_fen"] == 1200
    assert [(s["start"], s["capacity"], s["cutoff_minutes"]) for s in settings["slots"]] == [
        ("09:00", 30, 60),
        ("16:00", 20, 60),
    ]
    slots = (
        await client.get(f"/api/admin/v1/delivery/slots?date={TODAY}", headers=owner_api)
    ).json()
    assert [(s["start"], s["taken"], s["left"]) for s in slots] == [
        ("09:00", 3, 27),
        ("16:00", 0, 20),
    ]
    bad = await console.post("/delivery/settings", FORM | {"slots_text": "9点到11点"})
    assert bad.status_code == 422 and "格式应为" in bad.text
    batch_id = int(html.split('data-batch="')[1].split('"')[0])
    sheet = await console.get(f"/delivery/batches/{batch_id}/sheet")
    assert sheet.status_code == 200 and sheet.text.count("<tr><td>") == 3
    route_id = int(html.split('data-route="')[1].split('"')[0])
    svg = await console.get(f"/delivery/routes/{route_id}/map.svg")
    assert svg.headers["content-type"] == "image/svg+xml"


async def test_rider_page_and_console_page_fit_a_375_px_phone(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    console = await _planned(app, client, context)
    html = (await console.get(f"/delivery?date={TODAY}")).text
    rider_url = unescape(html.split("data-rider-link>")[1].split("<")[0])
    parts = urlsplit(rider_url)
    tab = await open_tab(browser, live_url, phone=True)
    await tab.page.goto(f"{live_url}{parts.path}?{parts.query}")
    stops = tab.page.locator("li.stop")
    await expect(stops).to_have_count(3)
    await expect(stops.first.locator("a[href^='tel:']")).to_be_visible()
    assert await tab.horizontal_overflow() == 0
    await tab.screenshot("delivery-rider-375")
    await stops.first.get_by_role("button", name="已送达").click()
    await tab.page.wait_for_load_state()
    await expect(tab.page.locator("li.stop.done")).to_have_count(1)
    await expect(tab.page.locator(".outcome").first).to_have_text("✓ 已送达")
    assert tab.errors == []

    desk = await open_tab(browser, live_url, phone=True)
    await desk.login("owner")
    await desk.open(f"/delivery?date={TODAY}")
    await expect(desk.page.locator("[data-route]")).to_have_count(1)
    await desk.screenshot("delivery-console-375")
    assert desk.errors == []


async def test_the_merchant_finds_a_pickup_code_and_completes_the_order_in_chromium(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    clock.freeze(MORNING)
    console = await signed_in(client, context)
    assert (await console.post("/delivery/settings", FORM)).status_code == 303
    order_id, headers = await pickup_order(app, client, context, openid="console-picker")
    mine = (await client.get(f"/api/v1/delivery/orders/{order_id}", headers=headers)).json()
    code = mine["pickup_code"]

    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/delivery")
    card = tab.page.locator("[data-pickup]")
    await card.get_by_label("顾客出示的自提码").fill("00000000" if code != "00000000" else "1")
    await card.get_by_role("button", name="查找订单").click()
    await expect(tab.page.locator("[data-pickup-error]")).to_contain_text("没有这个自提码")
    await card.get_by_label("顾客出示的自提码").fill(f"{code[:4]} {code[4:]}")
    await card.get_by_role("button", name="查找订单").click()
    await expect(tab.page.locator(f'[data-pickup-order="{order_id}"]')).to_contain_text("待发货")
    await tab.screenshot("delivery-pickup-found")
    # every form of the page carries this browser's CSRF token (the macro needs the context)
    tokens = await tab.page.locator("input[name=csrf_token]").evaluate_all(
        "inputs => inputs.map(input => input.value)"
    )
    assert len(tokens) >= 3 and all(tokens)
    await card.get_by_role("button", name="已交给顾客，确认核销").click()
    await tab.page.wait_for_load_state()
    await expect(tab.page.get_by_text("已自提核销")).to_be_visible()
    assert tab.errors == []
    detail = (await client.get(f"/api/v1/orders/{order_id}", headers=headers)).json()
    assert detail["status"] == "completed"
    again = await console.post(f"/delivery/pickups/{code}/complete", {})
    assert again.status_code == 303
    location = urlsplit(again.headers["location"])
    followed = await console.get(f"{location.path.removeprefix('/console')}?{location.query}")
    assert "该自提码已核销" in followed.text


async def test_the_riders_weight_capacity_is_set_in_kilograms(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    saved = await console.post("/delivery/settings", FORM | {"rider_capacity_kg": "12.5"})
    assert saved.status_code == 303, saved.text
    owner_api = await factories.merchant(client, context, username="api-weigher")
    settings = (await client.get("/api/admin/v1/delivery/settings", headers=owner_api)).json()
    assert settings["rider_capacity_g"] == 12500
    page = await console.get("/delivery")
    assert 'value="12.5"' in page.text
    for bad in ("很重", "-1", "2000"):
        refused = await console.post("/delivery/settings", FORM | {"rider_capacity_kg": bad})
        assert refused.status_code == 422 and "载重应为 0–1000 公斤" in refused.text


async def test_the_store_is_moved_on_the_offline_zone_plot_by_dragging_in_chromium(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await _planned(app, client, context)
    tab = await open_tab(browser, live_url)
    await tab.login("owner")
    await tab.open("/delivery")
    plot = tab.page.locator("svg[data-map-picker]")
    await expect(plot.locator("circle.order")).to_have_count(3)  # the three orders' points
    await plot.scroll_into_view_if_needed()
    px_per_m = float(await plot.get_attribute("data-px-per-m") or "0")
    size = float(await plot.get_attribute("data-size") or "0")
    box = await plot.bounding_box()
    assert box is not None and px_per_m > 0
    shown = box["width"] / size  # CSS pixels per SVG unit
    marker = await plot.locator("[data-store-marker] rect").bounding_box()
    assert marker is not None
    start_x, start_y = marker["x"] + marker["width"] / 2, marker["y"] + marker["height"] / 2
    await tab.page.mouse.move(start_x, start_y)
    await tab.page.mouse.down()
    await tab.page.mouse.move(start_x + 30, start_y - 20, steps=5)
    await tab.page.mouse.move(start_x + 60 * shown, start_y - 40 * shown, steps=5)
    await tab.page.mouse.up()
    lat = float(await tab.page.locator("#f-store_lat").input_value())
    lng = float(await tab.page.locator("#f-store_lng").input_value())
    moved = Point(lat=lat, lng=lng)
    east_m = (lng - DEMO_STORE_LNG) * 111_320 * math.cos(math.radians(DEMO_STORE_LAT))
    north_m = (lat - DEMO_STORE_LAT) * 111_320
    assert (
        abs(east_m - 60 / px_per_m) < 2 / px_per_m and abs(north_m - 40 / px_per_m) < 2 / px_per_m
    )
    await expect(tab.page.locator("[data-picker-note]")).to_contain_text("保存后生效")
    await tab.screenshot("delivery-map-picker")
    await tab.page.get_by_role("button", name="保存配送设置").click()
    await tab.page.wait_for_load_state()
    assert tab.errors == []
    owner_api = await factories.merchant(client, context, username="api-picker")
    settings = (await client.get("/api/admin/v1/delivery/settings", headers=owner_api)).json()
    assert (round(settings["store_lat"], 6), round(settings["store_lng"], 6)) == (
        round(moved.lat, 6),
        round(moved.lng, 6),
    )


async def test_only_shippers_plan_only_the_owner_saves_and_each_write_is_logged(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    """An account without 发货 sees no 规划并出发 / 重新规划 and is refused them; the settings'
    save is the owner's (shown disabled to others); the owner's saves and plans are logged."""
    await _planned(app, client, context)
    async with context.db.transaction(write=False) as session:
        entries = list(await session.scalars(select(OperationLog).order_by(OperationLog.id)))
    assert [(e.action, e.source, e.admin_name) for e in entries] == [
        ("delivery.settings", "console", "owner"),
        ("delivery.batch_plan", "console", "owner"),
    ]
    assert {"field": "store_address", "old": "", "new": "张杨路 1000 号"} in entries[0].changes
    owner_html = (await client.get(f"/console/delivery?date={TODAY}")).text
    assert "规划并出发" in owner_html and "重新规划" in owner_html
    assert "data-no-permission" not in owner_html

    clerk = await signed_in(client, context, username="clerk", role="custom")
    html = (await clerk.get(f"/delivery?date={TODAY}")).text
    assert "规划并出发" not in html and "重新规划" not in html
    assert "只有店主可以修改配送设置" in html and "disabled" in html
    batch_id = int(html.split('data-batch="')[1].split('"')[0])
    refused = [
        await clerk.post("/delivery/batches", {"date": TODAY, "slot_start": "16:00"}),
        await clerk.post(f"/delivery/batches/{batch_id}/replan", {"date": TODAY}),
        await clerk.post("/delivery/settings", FORM),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    async with context.db.transaction(write=False) as session:
        assert len((await session.scalars(select(OperationLog))).all()) == 2
