"""Claiming coupons: limits, pause/resume/end, codes, the new-user grant, 我的优惠券 tabs."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from datetime import timedelta

import httpx

from tests import factories
from tests.coupons.helpers import claim, coupon, my_coupons
from xiaodian.context import AppContext
from xiaodian.core import clock


async def test_claiming_counts_against_the_per_user_limit_and_the_total(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    two_each = await coupon(client, admin, total=3, per_user_limit=2)
    alice = await factories.shopper(client, context, "alice")
    bob = await factories.shopper(client, context, "bob")
    await claim(client, alice, two_each["id"])
    await claim(client, alice, two_each["id"])
    third = await client.post(f"/api/v1/coupons/{two_each['id']}/claim", headers=alice)
    assert (third.status_code, third.json()["error"]) == (409, "coupon_limit_reached")
    await claim(client, bob, two_each["id"])
    sold_out = await client.post(f"/api/v1/coupons/{two_each['id']}/claim", headers=bob)
    assert (sold_out.status_code, sold_out.json()["error"]) == (409, "coupon_sold_out")
    listed = (await client.get("/api/v1/coupons", headers=alice)).json()
    assert [(c["id"], c["claimed_by_me"], c["left"]) for c in listed] == [(two_each["id"], 2, 0)]
    anonymous = (await client.get("/api/v1/coupons")).json()
    assert [c["claimed_by_me"] for c in anonymous] == [0]


async def test_concurrent_claims_never_issue_more_than_the_total(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    scarce = await coupon(client, admin, total=5, per_user_limit=3)
    shoppers = [await factories.shopper(client, context, f"racer-{n}") for n in range(4)]
    attempts = [
        client.post(f"/api/v1/coupons/{scarce['id']}/claim", headers=headers)
        for headers in shoppers
        for _ in range(3)
    ]
    outcomes = Counter(
        (r.status_code, r.json().get("error")) for r in await asyncio.gather(*attempts)
    )
    assert outcomes == {(201, None): 5, (409, "coupon_sold_out"): 7}, outcomes
    stats = (await client.get(f"/api/admin/v1/coupons/{scarce['id']}/stats", headers=admin)).json()
    assert stats["claimed"] == 5


async def test_a_paused_coupon_cannot_be_claimed_until_resumed_and_an_ended_one_not_used(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    made = await coupon(client, admin, kind="no_threshold", threshold_fen=0, discount_fen=500)
    shopper = await factories.shopper(client, context)
    paused = await client.post(f"/api/admin/v1/coupons/{made['id']}/pause", headers=admin)
    assert paused.json()["status"] == "paused"
    refused = await client.post(f"/api/v1/coupons/{made['id']}/claim", headers=shopper)
    assert (refused.status_code, refused.json()["error"]) == (409, "coupon_not_claimable")
    assert (await client.get("/api/v1/coupons")).json() == []
    await client.post(f"/api/admin/v1/coupons/{made['id']}/resume", headers=admin)
    held = await claim(client, shopper, made["id"])
    assert await my_coupons(client, shopper, "usable") == [held]
    await client.post(f"/api/admin/v1/coupons/{made['id']}/end", headers=admin)
    resumed = await client.post(f"/api/admin/v1/coupons/{made['id']}/resume", headers=admin)
    assert resumed.json()["status"] == "ended"
    assert await my_coupons(client, shopper, "usable") == []
    assert await my_coupons(client, shopper, "expired") == [held]


async def test_a_coupon_valid_for_days_expires_that_long_after_claiming(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    made = await coupon(client, admin, valid_days=3)
    shopper = await factories.shopper(client, context)
    held = await claim(client, shopper, made["id"])
    item = (await client.get("/api/v1/me/coupons", headers=shopper)).json()["items"][0]
    assert item["id"] == held and item["name"] == "满99减10"
    clock.freeze(clock.now() + timedelta(days=3, seconds=1))
    assert await my_coupons(client, shopper, "usable") == []
    expired = (
        await client.get("/api/v1/me/coupons", params={"status": "expired"}, headers=shopper)
    ).json()
    assert (expired["total"], expired["items"][0]["id"]) == (1, held)


async def test_unknown_coupons_and_other_merchants_input_are_refused_cleanly(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    shopper = await factories.shopper(client, context)
    missing = await client.post("/api/v1/coupons/999999/claim", headers=shopper)
    assert (missing.status_code, missing.json()["error"]) == (404, "coupon_not_found")
    assert (await client.post("/api/admin/v1/coupons", json={}, headers=shopper)).status_code in (
        401,
        403,
        422,
    )
    admin = await factories.merchant(client, context)
    bad = await client.post(
        "/api/admin/v1/coupons",
        headers=admin,
        json={
            "name": "坏券",
            "kind": "threshold",
            "threshold_fen": 500,
            "discount_fen": 800,
            "total": 10,
            "valid_days": 3,
        },
    )
    assert bad.status_code == 422 and "减免金额必须小于门槛金额" in bad.text
    no_end = await client.post(
        "/api/admin/v1/coupons",
        headers=admin,
        json={"name": "无期", "kind": "percent", "percent_off": 10, "total": 10},
    )
    assert no_end.status_code == 422 and "有效期" in no_end.text
    made = await coupon(client, admin, total=2)
    await claim(client, shopper, made["id"])
    await claim(client, await factories.shopper(client, context, "other"), made["id"])
    shrink = await client.patch(
        f"/api/admin/v1/coupons/{made['id']}", json={"total": 1}, headers=admin
    )
    assert (shrink.status_code, shrink.json()["error"]) == (409, "coupon_total_below_claimed")


async def test_a_code_is_redeemed_once_and_the_csv_lists_every_code(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    made = await coupon(client, admin, by_code=True, total=10)
    codes = await client.post(
        f"/api/admin/v1/coupons/{made['id']}/codes", json={"count": 3}, headers=admin
    )
    assert codes.status_code == 201, codes.text
    first, *_ = codes.json()["codes"]
    shopper = await factories.shopper(client, context)
    direct = await client.post(f"/api/v1/coupons/{made['id']}/claim", headers=shopper)
    assert direct.json()["error"] == "coupon_not_found"  # code coupons are claimed by code only
    redeemed = await client.post(
        "/api/v1/coupons/redeem", json={"code": first.lower()}, headers=shopper
    )
    assert redeemed.status_code == 201, redeemed.text
    again = await client.post(
        "/api/v1/coupons/redeem",
        json={"code": first},
        headers=await factories.shopper(client, context, "late"),
    )
    assert (again.status_code, again.json()["error"]) == (404, "coupon_code_invalid")
    sheet = await client.get(f"/api/admin/v1/coupons/{made['id']}/codes.csv", headers=admin)
    rows = list(csv.reader(io.StringIO(sheet.text.lstrip("\ufeff"))))
    assert rows[0] == ["code", "redeemed"]
    assert sorted(rows[1:]) == sorted(
        [[code, "yes" if code == first else "no"] for code in codes.json()["codes"]]
    )


async def test_a_new_user_coupon_is_granted_once_on_the_first_login(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    await coupon(
        client,
        admin,
        name="新人专享券",
        kind="no_threshold",
        threshold_fen=0,
        discount_fen=500,
        new_user=True,
    )
    first = await factories.shopper(client, context, "newcomer")
    assert len(await my_coupons(client, first, "usable")) == 1
    again = await factories.shopper(client, context, "newcomer")
    assert len(await my_coupons(client, again, "usable")) == 1
    assert (await client.get("/api/v1/coupons")).json() == []  # not on the claim list
