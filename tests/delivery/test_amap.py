"""The AMap client against the simulator: geocode, regeo, distances, caching, and AMap's
errors (invalid key, over quota, bad signature); the shopper API with and without a key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests import factories
from tests.conftest import SANDBOX_BASE, build_app, wipe
from tests.delivery.helpers import MORNING, configure, delivery_order
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.cache import MemoryCache
from xiaodian.integrations.amap import (
    AddressNotFoundOnMap,
    AmapClient,
    AmapError,
    GeocodingUnavailable,
    Point,
    great_circle_m,
    sign,
)
from xiaodian.sandbox.amap import (
    DEMO_STORE_LAT,
    DEMO_STORE_LNG,
    SANDBOX_AMAP_KEY,
    AmapSimulator,
)

AMAP_BASE = f"{SANDBOX_BASE}/amap"
STORE = Point(lat=DEMO_STORE_LAT, lng=DEMO_STORE_LNG)


def simulator(app: FastAPI) -> AmapSimulator:
    return app.state.sandbox.state.amap  # type: ignore[no-any-return]


@pytest.fixture
def amap_sim(app: FastAPI) -> Iterator[AmapSimulator]:
    sim = simulator(app)
    sim.daily_quota, sim.private_key, sim.calls = None, "", 0
    yield sim
    sim.daily_quota, sim.private_key = None, ""


def client_for(context: AppContext, *, key: str = SANDBOX_AMAP_KEY, **extra: str) -> AmapClient:
    return AmapClient(http=context.http, cache=MemoryCache(), key=key, base_url=AMAP_BASE, **extra)


async def test_geocode_gives_a_point_near_the_store_and_falls_back_to_province(
    context: AppContext, amap_sim: AmapSimulator
) -> None:
    amap = client_for(context)
    found = await amap.geocode("锦绣路 88 弄 5 号", city="上海")
    assert found.city == "上海市"  # AMap sends city: [] for a municipality
    assert found.district == "浦东新区" and found.level == "门址"
    assert 200 <= great_circle_m(found.point, STORE) <= 2300
    again = await amap.geocode("锦绣路 88 弄 5 号", city="上海")
    assert again == found and amap_sim.calls == 1  # the second answer came from the cache
    with pytest.raises(AddressNotFoundOnMap):
        await amap.geocode("查无此地 1 号")


async def test_regeo_names_the_place_of_a_point(
    context: AppContext, amap_sim: AmapSimulator
) -> None:
    place = await client_for(context).regeo(Point(lat=31.23, lng=121.55))
    assert place.formatted_address.startswith("上海市浦东新区张杨路")
    assert place.city == "上海市"


async def test_distances_come_from_amap_in_one_call_and_are_cached(
    context: AppContext, amap_sim: AmapSimulator
) -> None:
    amap = client_for(context)
    origins = [Point(lat=31.235, lng=121.55), Point(lat=31.22, lng=121.57)]
    legs = await amap.distances_to(origins, STORE)
    assert amap_sim.calls == 1
    for origin, leg in zip(origins, legs, strict=True):
        straight = great_circle_m(origin, STORE)
        assert straight * 1.19 <= leg.distance_m <= straight * 1.36
        assert leg.duration_s == round(leg.distance_m / 5.5)
    assert await amap.distances_to(origins, STORE) == legs and amap_sim.calls == 1
    assert await amap.cached_distance(origins[0], STORE) == legs[0]


async def test_an_invalid_key_is_amaps_10001(context: AppContext, amap_sim: AmapSimulator) -> None:
    with pytest.raises(AmapError) as raised:
        await client_for(context, key="wrong-key").geocode("锦绣路 1 号")
    assert raised.value.infocode == "10001" and raised.value.bad_key


async def test_over_the_daily_quota_is_amaps_10003(
    context: AppContext, amap_sim: AmapSimulator
) -> None:
    response = await context.http.post(f"{AMAP_BASE}/_control", json={"daily_quota": 1})
    assert response.status_code == 200
    amap = client_for(context)
    await amap.geocode("锦绣路 2 号")
    with pytest.raises(AmapError) as raised:
        await amap.geocode("锦绣路 3 号")
    assert raised.value.infocode == "10003" and raised.value.over_quota


async def test_signed_requests_pass_and_a_wrong_private_key_is_10007(
    context: AppContext, amap_sim: AmapSimulator
) -> None:
    amap_sim.private_key = "private-key-1"
    good = client_for(context, private_key="private-key-1")
    assert (await good.geocode("锦绣路 4 号")).province == "上海市"
    with pytest.raises(AmapError) as raised:
        await client_for(context, private_key="another").geocode("锦绣路 5 号")
    assert raised.value.infocode == "10007"


def test_signature_is_md5_of_sorted_raw_pairs_plus_the_private_key() -> None:
    # md5("address=北京&key=k1" + "secret"), computed independently
    import hashlib

    expected = hashlib.md5("address=北京&key=k1secret".encode()).hexdigest()  # noqa: S324
    assert sign({"key": "k1", "address": "北京"}, "secret") == expected


async def test_without_a_key_distances_are_estimated_and_geocoding_is_skipped(
    context: AppContext,
) -> None:
    amap = client_for(context, key="")
    point = Point(lat=31.24, lng=121.56)
    [leg] = await amap.distances_to([point], STORE)
    assert leg.distance_m == round(great_circle_m(point, STORE) * 1.3)
    with pytest.raises(GeocodingUnavailable):
        await amap.geocode("锦绣路 6 号")


async def test_shopper_geocoding_without_a_key_asks_for_a_map_pick(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context, "typist")
    response = await client.post(
        "/api/v1/delivery/geocode", json={"address": "锦绣路 7 号"}, headers=headers
    )
    assert response.status_code == 409
    assert response.json() == {
        "error": "address_not_located",
        "message": "未开通地图服务，请在地图上选择收货地址的位置",
    }


@pytest.fixture(scope="module")
async def amap_app(settings: Settings, migrated: str, workdir: Path) -> AsyncIterator[FastAPI]:
    """The same shop with an AMap key, its web service answered by the simulator."""
    application = build_app(
        settings, workdir, overrides={"amap_key": SANDBOX_AMAP_KEY, "amap_base_url": AMAP_BASE}
    )
    async with application.router.lifespan_context(application):
        yield application


async def test_with_a_key_the_shopper_geocodes_and_the_quote_distance_holds_at_checkout(
    amap_app: FastAPI,
) -> None:
    context: AppContext = amap_app.state.context
    await wipe(context)
    clock.freeze(MORNING)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=amap_app), base_url="http://testserver"
    ) as client:
        await configure(client, context, free_above_fen=0)
        headers = await factories.shopper(client, context, "mapped")
        located = await client.post(
            "/api/v1/delivery/geocode",
            json={"address": "锦绣路 8 号", "city": "上海"},
            headers=headers,
        )
        assert located.status_code == 200, located.text
        point = located.json()
        address_id = await factories.address(
            client, headers, detail="锦绣路 8 号", lat=point["lat"], lng=point["lng"]
        )
        quote = (
            await client.get(f"/api/v1/delivery/quote?address_id={address_id}", headers=headers)
        ).json()
        straight = great_circle_m(Point(lat=point["lat"], lng=point["lng"]), STORE)
        assert quote["in_zone"] and quote["distance_m"] != round(straight * 1.3)
        assert straight * 1.19 <= quote["distance_m"] <= straight * 1.36  # AMap's, not ours
        sku_id = (await factories.make_goods(context))["sku_ids"][0]
        preview = await client.post(
            "/api/v1/orders/preview", json=delivery_order(sku_id, address_id), headers=headers
        )
        assert preview.json()["delivery"]["distance_m"] == quote["distance_m"]
        assert preview.json()["freight_fen"] == quote["fee_fen"]

        simulator(amap_app).daily_quota = 0
        try:
            over = await client.post(
                "/api/v1/delivery/geocode", json={"address": "锦绣路 9 号"}, headers=headers
            )
        finally:
            simulator(amap_app).daily_quota = None
        assert (over.status_code, over.json()["error"]) == (503, "geocoding_failed")
        assert over.json()["message"] == "地图服务今日查询次数已用完，请在地图上选择位置"


async def test_when_amap_refuses_the_quote_and_the_plan_fall_back_to_the_estimate(
    amap_app: FastAPI,
) -> None:
    context: AppContext = amap_app.state.context
    await wipe(context)
    clock.freeze(MORNING)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=amap_app), base_url="http://testserver"
    ) as client:
        await configure(client, context)
        headers = await factories.shopper(client, context, "over-quota")
        lat, lng = 31.2380, 121.5600
        address_id = await factories.address(client, headers, lat=lat, lng=lng)
        simulator(amap_app).daily_quota = 0
        try:
            quote = await client.get(
                f"/api/v1/delivery/quote?address_id={address_id}", headers=headers
            )
        finally:
            simulator(amap_app).daily_quota = None
        assert quote.status_code == 200, quote.text
        estimate = round(great_circle_m(Point(lat=lat, lng=lng), STORE) * 1.3)
        assert quote.json()["distance_m"] == estimate
