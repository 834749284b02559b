from __future__ import annotations

import httpx

from tests import factories
from tests.orders.test_lifecycle import _paid, _setup
from xiaodian.context import AppContext


async def test_merchant_replies_to_and_hides_reviews(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, headers, order = await _setup(client, context)
    admin = await factories.merchant(client, context)
    await _paid(context, order["id"])
    await client.post(
        f"/api/admin/v1/orders/{order['id']}/ship",
        headers=admin,
        json={"carrier": "顺丰", "tracking_no": "SF0001"},
    )
    done = (await client.post(f"/api/v1/orders/{order['id']}/confirm", headers=headers)).json()
    await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        headers=headers,
        json={"reviews": [{"line_id": done["lines"][0]["id"], "score": 2, "content": "不太新鲜"}]},
    )
    listed = (
        await client.get("/api/admin/v1/reviews", headers=admin, params={"unreplied": True})
    ).json()
    review_id = listed["items"][0]["id"]
    replied = await client.post(
        f"/api/admin/v1/reviews/{review_id}/reply",
        headers=admin,
        json={"reply": "抱歉，已为您补发"},
    )
    assert replied.json()["reply"] == "抱歉，已为您补发"
    shown = (await client.get(f"/api/v1/goods/{goods['id']}/reviews")).json()
    assert shown["items"][0]["reply"] == "抱歉，已为您补发"
    await client.post(
        f"/api/admin/v1/reviews/{review_id}/visibility", headers=admin, json={"is_hidden": True}
    )
    assert (await client.get(f"/api/v1/goods/{goods['id']}/reviews")).json()["total"] == 0
    summary = (await client.get(f"/api/v1/goods/{goods['id']}")).json()["review_summary"]
    assert summary == {"count": 0, "average_score": None}
    assert (
        await client.post("/api/admin/v1/reviews/999999/reply", headers=admin, json={"reply": "x"})
    ).status_code == 404
