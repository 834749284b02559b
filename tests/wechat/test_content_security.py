"""Content security (msg_sec_check v2) on reviews and nicknames: risky refused, review held
for the merchant, an outage held too — never shown unchecked."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.wechat.conftest import platform
from tests.wechat.helpers import admin, paid_order, ship
from xiaodian.context import AppContext
from xiaodian.sandbox.wechat_platform import REVIEW_PHRASE, RISKY_PHRASE


async def _completed(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    order, headers = await paid_order(app, client, context, openid="reviewer")
    merchant = await admin(client, context)
    await ship(client, merchant, order["id"])
    confirmed = await client.post(f"/api/v1/orders/{order['id']}/confirm", headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    return order, headers, merchant


async def _review(
    client: httpx.AsyncClient, headers: dict[str, str], order: dict[str, Any], content: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        json={"reviews": [{"line_id": order["lines"][0]["id"], "score": 5, "content": content}]},
        headers=headers,
    )


async def _public(client: httpx.AsyncClient, order: dict[str, Any]) -> list[str]:
    goods_id = order["lines"][0]["goods_id"]
    page = (await client.get(f"/api/v1/goods/{goods_id}/reviews")).json()
    return [item["content"] for item in page["items"]]


async def test_a_risky_review_is_refused(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, headers, _ = await _completed(app, client, context)
    refused = await _review(client, headers, order, f"很好 {RISKY_PHRASE}")
    assert refused.status_code == 422
    assert refused.json()["error"] == "content_risky"
    assert await _public(client, order) == []
    [check] = platform(app).received["msg_sec_check"]
    assert check["version"] == 2 and check["scene"] == 2 and check["openid"] == "reviewer"
    # nothing was written: the shopper can still review the line
    assert (await _review(client, headers, order, "很好吃")).status_code == 201
    assert await _public(client, order) == ["很好吃"]


async def test_a_review_wechat_wants_looked_at_waits_for_the_merchant(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, headers, merchant = await _completed(app, client, context)
    created = await _review(client, headers, order, f"还行 {REVIEW_PHRASE}")
    assert created.status_code == 201
    review_id = created.json()["reviews"][0]["id"]
    assert created.json()["held"] == [review_id]
    assert await _public(client, order) == []
    held = (await client.get("/api/admin/v1/reviews?held=true", headers=merchant)).json()
    assert [(r["id"], r["moderation"], r["is_hidden"]) for r in held["items"]] == [
        (review_id, "review", True)
    ]
    approved = await client.post(
        f"/api/admin/v1/reviews/{review_id}/visibility",
        json={"is_hidden": False},
        headers=merchant,
    )
    assert approved.json()["moderation"] == "approved"
    assert await _public(client, order) == [f"还行 {REVIEW_PHRASE}"]
    held = (await client.get("/api/admin/v1/reviews?held=true", headers=merchant)).json()
    assert held["items"] == []


async def test_a_wechat_outage_holds_reviews_instead_of_blocking_them(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, headers, merchant = await _completed(app, client, context)
    platform(app).faults["msg_sec_check"] = [-1]
    created = await _review(client, headers, order, "好评")
    assert created.status_code == 201
    assert created.json()["held"] == [created.json()["reviews"][0]["id"]]
    assert await _public(client, order) == []
    held = (await client.get("/api/admin/v1/reviews?held=true", headers=merchant)).json()
    assert [r["moderation"] for r in held["items"]] == ["unchecked"]


async def test_a_review_that_passes_is_shown_at_once(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, headers, _ = await _completed(app, client, context)
    created = await _review(client, headers, order, "新鲜")
    assert created.status_code == 201 and created.json()["held"] == []
    assert await _public(client, order) == ["新鲜"]


async def test_nicknames_are_checked(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    from tests import factories

    headers = await factories.shopper(client, context, "nick-1")
    risky = await client.patch("/api/v1/me", json={"nickname": RISKY_PHRASE}, headers=headers)
    assert risky.status_code == 422 and risky.json()["error"] == "content_risky"
    held = await client.patch("/api/v1/me", json={"nickname": REVIEW_PHRASE}, headers=headers)
    assert held.status_code == 422 and held.json()["error"] == "nickname_unchecked"
    platform(app).faults["msg_sec_check"] = [-1]
    down = await client.patch("/api/v1/me", json={"nickname": "小明"}, headers=headers)
    assert down.status_code == 422 and down.json()["error"] == "nickname_unchecked"
    fine = await client.patch("/api/v1/me", json={"nickname": "小明"}, headers=headers)
    assert fine.status_code == 200 and fine.json()["nickname"] == "小明"
    scenes = [c["scene"] for c in platform(app).received["msg_sec_check"]]
    assert scenes == [1, 1, 1, 1]
    assert platform(app).received["msg_sec_check"][0]["nickname"] == RISKY_PHRASE


async def test_the_minute_quota_holds_reviews_for_the_merchant(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    order, headers, _ = await _completed(app, client, context)
    platform(app).text_checks_per_minute = 0
    created = await _review(client, headers, order, "好吃")
    assert created.status_code == 201
    assert created.json()["held"] == [created.json()["reviews"][0]["id"]]
    assert await _public(client, order) == []
