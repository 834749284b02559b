"""Abuse limits answer 429 `rate_limited` with `Retry-After` before any work: shopper sign-in
(per address), refund requests and coupon claims (per shopper). Order creation, flash orders
and merchant sign-in (API and console) are tested beside their routes: tests/orders/
test_limits.py, tests/flash/test_flash_sales.py, tests/admins/test_login_contention.py."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from tests import factories
from tests.coupons.helpers import coupon
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.ratelimit import Rate

MOMENT = datetime(2026, 6, 1, 10, 0, 20, tzinfo=UTC)  # 20 s into a minute: 40 s to wait


def _refused(response: httpx.Response, message: str) -> None:
    assert (response.status_code, response.json()["error"]) == (429, "rate_limited"), response.text
    assert response.headers["Retry-After"] == "40"
    assert response.json()["message"] == message


async def test_shopper_sign_ins_are_limited_per_address_before_wechat_is_asked(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.settings, "wx_login_rate_per_ip", Rate(limit=2, per_seconds=60))
    clock.freeze(MOMENT)
    first = await factories.shopper(client, context, "first")
    assert first["Authorization"].startswith("Bearer ")
    guessed = await client.post("/api/v1/auth/wx-login", json={"code": "guessed-code"})
    assert guessed.status_code == 400, guessed.text
    code = await factories.login_code(client, context, "third")
    refused = await client.post("/api/v1/auth/wx-login", json={"code": code})
    _refused(refused, "登录太频繁，请稍后再试")
    elsewhere = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 4000)),
        base_url="http://testserver",
    )
    async with elsewhere:
        allowed = await elsewhere.post("/api/v1/auth/wx-login", json={"code": code})
    assert allowed.status_code == 200, allowed.text


async def test_refund_requests_are_limited_per_shopper(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context.settings, "refund_rate_per_shopper", Rate(limit=3, per_seconds=60))
    shopper = await factories.shopper(client, context, "asker")
    clock.freeze(MOMENT)
    body = {"reason": "不想要了"}
    statuses = [
        (await client.post("/api/v1/orders/999999/refund", json=body, headers=shopper)).status_code
        for _ in range(3)
    ]
    assert statuses == [404, 404, 404]
    _refused(
        await client.post("/api/v1/orders/999999/refund", json=body, headers=shopper),
        "申请太频繁，请稍后再试",
    )
    other = await factories.shopper(client, context, "someone-else")
    theirs = await client.post("/api/v1/orders/999999/refund", json=body, headers=other)
    assert theirs.status_code == 404


async def test_coupon_claims_and_code_guesses_share_one_allowance_per_shopper(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        context.settings, "coupon_claim_rate_per_shopper", Rate(limit=3, per_seconds=60)
    )
    owner = await factories.merchant(client, context)
    made = await coupon(client, owner, per_user_limit=5)
    shopper = await factories.shopper(client, context, "guesser")
    clock.freeze(MOMENT)
    claimed = await client.post(f"/api/v1/coupons/{made['id']}/claim", headers=shopper)
    assert claimed.status_code == 201, claimed.text
    guesses = [
        (await client.post("/api/v1/coupons/redeem", json={"code": f"GUESS{n}"}, headers=shopper))
        for n in range(2)
    ]
    assert [g.status_code for g in guesses] == [404, 404], [g.text for g in guesses]
    _refused(
        await client.post("/api/v1/coupons/redeem", json={"code": "GUESS9"}, headers=shopper),
        "领券太频繁，请稍后再试",
    )
    _refused(
        await client.post(f"/api/v1/coupons/{made['id']}/claim", headers=shopper),
        "领券太频繁，请稍后再试",
    )
