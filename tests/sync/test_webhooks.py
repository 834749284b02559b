"""Outbound webhooks: queued with the change, sent by the outbox after the commit, signed,
retried with backoff while the merchant's system is down, listed with answers, re-sent."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests import factories
from tests.conftest import SANDBOX_BASE
from xiaodian.catalog.admin_service import set_low_stock_alerts
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.events import outbox

RECEIVER = f"{SANDBOX_BASE}/webhooks/erp"


def _received(app: FastAPI) -> list[dict[str, Any]]:
    return list(app.state.sandbox.state.webhook_receiver.received.get("erp", []))


def _verify(secret: str, headers: dict[str, str], body: str) -> bool:
    """What the merchant's system does (written here from the documented header)."""
    parts = dict(part.split("=", 1) for part in headers["x-xiaodian-signature"].split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + body.encode(), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


async def _endpoint(
    client: httpx.AsyncClient, owner: dict[str, str], *events: str
) -> dict[str, Any]:
    created = await client.post(
        "/api/admin/v1/webhooks", headers=owner, json={"url": RECEIVER, "events": list(events)}
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def test_a_stock_change_is_delivered_signed_after_the_commit(
    client: httpx.AsyncClient, context: AppContext, app: FastAPI
) -> None:
    app.state.sandbox.state.webhook_receiver.clear()
    owner = await factories.merchant(client, context)
    endpoint = await _endpoint(client, owner, "stock.changed")
    assert endpoint["secret"].startswith("whsec_")
    assert "secret" not in (await client.get("/api/admin/v1/webhooks", headers=owner)).json()[0]
    goods = await factories.make_goods(context, stock=10)
    (sku_id,) = goods["sku_ids"]
    changed = await client.patch(
        f"/api/admin/v1/skus/{sku_id}", headers=owner, json={"stock_delta": -4}
    )
    assert changed.status_code == 200
    # Not sent inside the request: queued, waiting for the outbox.
    assert _received(app) == []
    (queued,) = (await client.get("/api/admin/v1/webhook-deliveries", headers=owner)).json()
    assert (queued["status"], queued["attempts"]) == ("pending", 0)
    await outbox.drain(context)
    (request,) = _received(app)
    assert request["headers"]["x-xiaodian-event"] == "stock.changed"
    assert request["headers"]["x-xiaodian-delivery"] == str(queued["id"])
    assert _verify(endpoint["secret"], request["headers"], request["body"])
    assert not _verify("whsec_other", request["headers"], request["body"])
    body = json.loads(request["body"])
    assert (body["type"], body["data"]) == (
        "stock.changed",
        {"sku_id": sku_id, "goods_id": goods["id"], "stock": 6},
    )
    (done,) = (await client.get("/api/admin/v1/webhook-deliveries", headers=owner)).json()
    assert (done["status"], done["attempts"], done["last_status_code"]) == ("delivered", 1, 200)
    assert done["last_response"] == '{"ok":true}'
    # A refused change queues nothing.
    refused = await client.patch(
        f"/api/admin/v1/skus/{sku_id}", headers=owner, json={"stock_delta": -100}
    )
    assert refused.status_code == 409
    assert len((await client.get("/api/admin/v1/webhook-deliveries", headers=owner)).json()) == 1


async def test_the_endpoints_are_read_again_once_one_is_added_or_removed(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """The active endpoints are kept in the near cache (every stock change asks for them):
    adding or removing one forgets them, so the next change queues for exactly the new set."""
    owner = await factories.merchant(client, context)
    goods = await factories.make_goods(context, stock=10)
    url = f"/api/admin/v1/skus/{goods['sku_ids'][0]}"

    async def change_and_count() -> int:
        assert (await client.patch(url, headers=owner, json={"stock_delta": -1})).is_success
        deliveries = await client.get("/api/admin/v1/webhook-deliveries", headers=owner)
        return len(deliveries.json())

    assert await change_and_count() == 0  # no endpoint yet (and that is now cached)
    endpoint = await _endpoint(client, owner, "stock.changed")
    assert await change_and_count() == 1
    removed = await client.delete(f"/api/admin/v1/webhooks/{endpoint['id']}", headers=owner)
    assert removed.status_code == 204
    assert await change_and_count() == 1


async def test_a_receiver_that_is_down_is_retried_with_backoff_then_resent_on_demand(
    client: httpx.AsyncClient, context: AppContext, app: FastAPI
) -> None:
    app.state.sandbox.state.webhook_receiver.clear()
    owner = await factories.merchant(client, context)
    await _endpoint(client, owner, "stock.changed", "order.paid")
    await context.http.post(f"{RECEIVER}/down", json={"calls": 2})
    goods = await factories.make_goods(context, stock=10)
    clock.freeze(clock.now())
    await client.patch(
        f"/api/admin/v1/skus/{goods['sku_ids'][0]}", headers=owner, json={"stock_delta": 1}
    )
    await outbox.drain(context)
    (first,) = (await client.get("/api/admin/v1/webhook-deliveries", headers=owner)).json()
    assert (first["status"], first["attempts"], first["last_status_code"]) == ("pending", 1, 503)
    assert _received(app) == []
    await outbox.drain(context)  # not due yet: backoff
    assert (await client.get("/api/admin/v1/webhook-deliveries", headers=owner)).json()[0][
        "attempts"
    ] == 1
    clock.advance(timedelta(seconds=1))
    await outbox.drain(context)
    clock.advance(timedelta(seconds=2))
    await outbox.drain(context)
    (done,) = (await client.get("/api/admin/v1/webhook-deliveries", headers=owner)).json()
    assert (done["status"], done["attempts"], done["last_status_code"]) == ("delivered", 3, 200)
    assert len(_received(app)) == 1
    resent = await client.post(
        f"/api/admin/v1/webhook-deliveries/{done['id']}/resend", headers=owner
    )
    assert resent.json()["status"] == "pending"
    await outbox.drain(context)
    copies = _received(app)
    assert [c["headers"]["x-xiaodian-delivery"] for c in copies] == [str(done["id"])] * 2


async def test_only_owners_manage_webhooks_and_urls_are_checked(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    staff = await factories.merchant(client, context, username="staff2", role="staff")
    assert (await client.get("/api/admin/v1/webhooks", headers=staff)).status_code == 403
    for url in ("ftp://x.test/", "javascript:alert(1)", "http://"):
        bad = await client.post(
            "/api/admin/v1/webhooks", headers=owner, json={"url": url, "events": ["order.paid"]}
        )
        assert bad.status_code == 422, url
    unknown = await client.post(
        "/api/admin/v1/webhooks", headers=owner, json={"url": RECEIVER, "events": ["order.eaten"]}
    )
    assert unknown.status_code == 422
    missing = await client.post("/api/admin/v1/webhook-deliveries/999/resend", headers=owner)
    assert (missing.status_code, missing.json()["error"]) == (404, "webhook_not_found")


async def test_stock_low_goes_out_once_per_crossing_below_the_threshold(
    client: httpx.AsyncClient, context: AppContext, app: FastAPI
) -> None:
    """Below the threshold once: one webhook; further changes while low: none; back up, then
    below again: one more. Two orders racing below it give one."""
    app.state.sandbox.state.webhook_receiver.clear()
    owner = await factories.merchant(client, context)
    await _endpoint(client, owner, "stock.low")
    goods = await factories.make_goods(context, stock=12)
    (sku_id,) = goods["sku_ids"]
    async with context.db.transaction() as session:
        await set_low_stock_alerts(session, {sku_id: 10})

    async def change(delta: int) -> None:
        answer = await client.patch(
            f"/api/admin/v1/skus/{sku_id}", headers=owner, json={"stock_delta": delta}
        )
        assert answer.status_code == 200, answer.text

    for delta in (-1, -2, -1, +5, -4):  # 11, 9 (crossed), 8, 13 (re-armed), 9 (crossed)
        await change(delta)
    await outbox.drain(context)
    lows = [json.loads(r["body"])["data"]["stock"] for r in _received(app)]
    assert lows == [9, 9]

    await change(+3)  # 12: re-armed; then two changes at once, each enough to cross
    await asyncio.gather(change(-3), change(-3))
    await outbox.drain(context)
    lows = [json.loads(r["body"])["data"]["stock"] for r in _received(app)]
    assert lows == [9, 9, 9]  # the first of the two to commit crossed (9); 6 stayed quiet
