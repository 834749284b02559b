"""满减活动 through the merchant API: tiers, pause, window; applied without claiming."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests import factories
from tests.coupons.helpers import items, preview, promotion
from xiaodian.context import AppContext
from xiaodian.core import clock


async def test_a_promotion_applies_its_best_tier_until_paused_or_out_of_its_window(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    goods = await factories.make_goods(context, prices=[3000])
    shopper = await factories.shopper(client, context)
    cart = items((goods["sku_ids"][0], 2))  # 6000: only 满59减5 is reached
    made = await promotion(client, admin)
    assert (await preview(client, shopper, cart)).json()["promotion_discount_fen"] == 500
    richer = await client.patch(
        f"/api/admin/v1/promotions/{made['id']}",
        headers=admin,
        json={"tiers": [{"threshold_fen": 6000, "discount_fen": 900}]},
    )
    assert richer.status_code == 200, richer.text
    assert (await preview(client, shopper, cart)).json()["promotion_discount_fen"] == 900
    paused = await client.patch(
        f"/api/admin/v1/promotions/{made['id']}", headers=admin, json={"status": "paused"}
    )
    assert paused.json()["running"] is False
    assert (await preview(client, shopper, cart)).json()["promotion_discount_fen"] == 0
    await client.patch(
        f"/api/admin/v1/promotions/{made['id']}", headers=admin, json={"status": "active"}
    )
    assert (await preview(client, shopper, cart)).json()["promotion_discount_fen"] == 900
    # Promotions come from the near cache: its copy is checked against the clock each time.
    clock.freeze(clock.now() + timedelta(days=2))  # past ends_at
    assert (await preview(client, shopper, cart)).json()["promotion_discount_fen"] == 0


async def test_a_promotion_still_to_start_applies_once_its_window_opens(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    goods = await factories.make_goods(context, prices=[3000])
    shopper = await factories.shopper(client, context)
    cart = items((goods["sku_ids"][0], 2))
    now = clock.now()
    await promotion(
        client,
        admin,
        starts_at=(now + timedelta(hours=1)).isoformat(),
        ends_at=(now + timedelta(days=1)).isoformat(),
    )
    assert (await preview(client, shopper, cart)).json()["promotion_discount_fen"] == 0
    clock.freeze(now + timedelta(hours=2))
    assert (await preview(client, shopper, cart)).json()["promotion_discount_fen"] == 500


async def test_a_promotion_window_and_tiers_are_checked(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    made = await promotion(client, admin)
    backwards = await client.patch(
        f"/api/admin/v1/promotions/{made['id']}",
        headers=admin,
        json={"ends_at": (clock.now() - timedelta(days=3)).isoformat()},
    )
    assert (backwards.status_code, backwards.json()["error"]) == (422, "promotion_window_invalid")
    bad_tier = await client.post(
        "/api/admin/v1/promotions",
        headers=admin,
        json={
            "name": "亏本",
            "tiers": [{"threshold_fen": 500, "discount_fen": 500}],
            "starts_at": clock.now().isoformat(),
            "ends_at": (clock.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert bad_tier.status_code == 422
    missing = await client.patch("/api/admin/v1/promotions/99999", headers=admin, json={})
    assert (missing.status_code, missing.json()["error"]) == (404, "promotion_not_found")
    shopper = await factories.shopper(client, context)
    assert (await client.get("/api/admin/v1/promotions", headers=shopper)).status_code in (401, 403)
