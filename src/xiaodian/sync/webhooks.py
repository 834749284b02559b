"""Outbound webhooks: the merchant's systems hear of orders and stock, signed, retried, listed.

A delivery row per (event, endpoint) is written in the transaction that caused it (an
in-transaction receiver), with a durable `WebhookDue` for the outbox; the outbox sends it after
the commit (never inside the request), retrying with its backoff (1 s, 2 s, 4 s … capped at an
hour; `MAX_ATTEMPTS` reach a day). Each request carries

    X-Xiaodian-Event: order.paid
    X-Xiaodian-Delivery: <delivery id>
    X-Xiaodian-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares in
constant time, and refuses timestamps older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from xiaodian.catalog.hints import threshold
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import affected, after_commit
from xiaodian.events import emit
from xiaodian.inventory.events import StockChanged
from xiaodian.models import Sku, WebhookDelivery, WebhookEndpoint
from xiaodian.orders.events import OrderPaid, OrderShipped, RefundSettled
from xiaodian.sync import sealing
from xiaodian.sync.errors import WebhookNotFound
from xiaodian.sync.events import WebhookDue
from xiaodian.sync.schemas import DeliveryOut, WebhookCreated, WebhookIn, WebhookOut
from xiaodian.sync.vocabulary import DeliveryStatus, WebhookEvent

MAX_ATTEMPTS = 35
"""12 doubling retries (about an hour in all), then hourly: about a day."""
TIMEOUT_SECONDS = 10
_ENDPOINTS = "sync_webhook_endpoints"
NAMESPACE = "webhooks"
"""The near cache's namespace for the active endpoints (forgotten when one is added or
removed, in every process)."""


class DeliveryFailed(Exception):
    """The endpoint did not answer 2xx (the outbox retries)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# ---- endpoints ----


async def create_endpoint(session: AsyncSession, data: WebhookIn) -> WebhookCreated:
    """A new endpoint; its secret is in this answer only (stored sealed, never listed)."""
    secret = "whsec_" + secrets.token_hex(24)
    endpoint = WebhookEndpoint(
        url=str(data.url),
        events=sorted({str(event) for event in data.events}),
        secret_sealed=sealing.seal(secret, secret_key=AppContext.of(session).settings.secret_key),
        is_active=True,
    )
    session.add(endpoint)
    await session.flush()
    _forget_endpoints_after_commit(session)
    out = WebhookOut.model_validate(endpoint, from_attributes=True)
    return WebhookCreated(**out.model_dump(), secret=secret)


async def list_endpoints(session: AsyncSession) -> list[WebhookOut]:
    rows = await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id))
    return [WebhookOut.model_validate(row, from_attributes=True) for row in rows]


async def delete_endpoint(session: AsyncSession, *, endpoint_id: int) -> None:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise WebhookNotFound()
    endpoint.is_active = False
    await session.flush()
    _forget_endpoints_after_commit(session)


def _forget_endpoints_after_commit(session: AsyncSession) -> None:
    near_cache = AppContext.of(session).near_cache
    after_commit(session, lambda: near_cache.invalidate(NAMESPACE))


async def list_deliveries(
    session: AsyncSession, *, endpoint_id: int | None, limit: int = 100
) -> list[DeliveryOut]:
    statement = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if endpoint_id is not None:
        statement = statement.where(WebhookDelivery.endpoint_id == endpoint_id)
    rows = await session.scalars(statement)
    return [DeliveryOut.model_validate(row, from_attributes=True) for row in rows]


async def resend(session: AsyncSession, *, delivery_id: int) -> DeliveryOut:
    """Send it again (whatever happened before), through the outbox."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise WebhookNotFound("没有这次推送")
    delivery.status = DeliveryStatus.PENDING
    await session.flush()
    await emit(session, WebhookDue(delivery_id=delivery.id))
    return DeliveryOut.model_validate(delivery, from_attributes=True)


# ---- queueing (in the transaction of the change) ----


async def _active_endpoints(connection: AsyncConnection) -> list[tuple[int, list[str]]]:
    rows = await connection.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.is_active.is_(True)
        )
    )
    return [(row[0], list(row[1])) for row in rows]


async def _endpoints(session: AsyncSession) -> list[tuple[int, list[str]]]:
    """The active endpoints and their events, from the near cache. Every stock change asks
    (after its units are taken, with the SKU rows locked), and they change once in a blue
    moon: reading them each time was one more statement in every order's lock window. A miss
    reads on its own autocommit connection, so what is cached is what has committed, not
    this transaction's older snapshot. An endpoint removed a moment ago that still gets a
    delivery queued is skipped when sending (`send` checks `is_active`)."""
    cached: list[tuple[int, list[str]]] | None = session.info.get(_ENDPOINTS)
    if cached is None:
        context = AppContext.of(session)
        cached = await context.near_cache.get_or_load(
            NAMESPACE, "active", lambda: context.db.read(_active_endpoints)
        )
        session.info[_ENDPOINTS] = cached
    return cached


async def _queue(
    session: AsyncSession, event: WebhookEvent, key: str, payload: dict[str, Any]
) -> None:
    for endpoint_id, events in await _endpoints(session):
        if event not in events:
            continue
        delivery = WebhookDelivery(
            endpoint_id=endpoint_id,
            event_type=event,
            event_key=key,
            payload=payload,
            status=DeliveryStatus.PENDING,
            attempts=0,
        )
        session.add(delivery)
        await session.flush()
        await emit(session, WebhookDue(delivery_id=delivery.id))


async def on_order_paid(session: AsyncSession, event: OrderPaid) -> None:
    await _queue(
        session,
        WebhookEvent.ORDER_PAID,
        f"order.paid:{event.order_id}",
        {"order_id": event.order_id, "total_fen": event.total_fen, "kind": event.kind},
    )


async def on_order_shipped(session: AsyncSession, event: OrderShipped) -> None:
    await _queue(
        session,
        WebhookEvent.ORDER_SHIPPED,
        f"order.shipped:{event.order_id}:{event.tracking_no}",
        {"order_id": event.order_id, "carrier": event.carrier, "tracking_no": event.tracking_no},
    )


async def on_refund_settled(session: AsyncSession, event: RefundSettled) -> None:
    await _queue(
        session,
        WebhookEvent.ORDER_REFUNDED,
        f"order.refunded:{event.refund_id}",
        {"order_id": event.order_id, "refund_id": event.refund_id, "amount_fen": event.amount_fen},
    )


async def on_stock_changed(session: AsyncSession, event: StockChanged) -> None:
    data = {"sku_id": event.sku_id, "goods_id": event.goods_id, "stock": event.stock}
    await _queue(
        session, WebhookEvent.STOCK_CHANGED, f"stock.changed:{event.sku_id}:{event.version}", data
    )
    if not any(WebhookEvent.STOCK_LOW in events for _, events in await _endpoints(session)):
        return
    below = event.low_below if event.low_below is not None else threshold()
    # Once per crossing: the SKU's flag is set by the change that takes it below the threshold
    # (only one transaction can set it) and cleared by one that brings it back up.
    low = event.stock < below
    crossed = await session.execute(
        update(Sku)
        .where(Sku.id == event.sku_id, Sku.low_stock_alerted.is_(not low))
        .values(low_stock_alerted=low)
        .execution_options(synchronize_session=False)
    )
    if low and affected(crossed) == 1:
        await _queue(
            session,
            WebhookEvent.STOCK_LOW,
            f"stock.low:{event.sku_id}:{event.version}",
            {**data, "below": below},
        )


# ---- sending (the outbox, after the commit) ----


async def send(context: AppContext, event: WebhookDue) -> None:
    """POST one delivery; record what the endpoint answered; raise to be retried."""
    async with context.db.transaction(write=False) as session:
        row = (
            await session.execute(
                select(WebhookDelivery, WebhookEndpoint)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.id == event.delivery_id)
            )
        ).one_or_none()
    if row is None:
        return
    delivery, endpoint = row
    if delivery.status == DeliveryStatus.DELIVERED or not endpoint.is_active:
        return
    body = json.dumps(
        {
            "id": delivery.id,
            "type": delivery.event_type,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.payload,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    timestamp = int(time.time())
    status_code: int | None = None
    answer = ""
    error = ""
    try:
        secret = sealing.unseal(endpoint.secret_sealed, secret_key=context.settings.secret_key)
    except sealing.SecretUnreadable:
        secret = None
        error = "推送密钥无法解密（XIAODIAN_SECRET_KEY 是否改过？请重新添加推送地址）"
    if secret is not None:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "xiaodian-webhooks/1",
            "X-Xiaodian-Event": delivery.event_type,
            "X-Xiaodian-Delivery": str(delivery.id),
            "X-Xiaodian-Signature": sign(secret, timestamp, body),
        }
        try:
            response = await context.http.post(
                endpoint.url, content=body, headers=headers, timeout=TIMEOUT_SECONDS
            )
            status_code, answer = response.status_code, response.text[:500]
        except Exception as failure:  # an endpoint that is down: connection refused, timeout
            error = f"{type(failure).__name__}: {failure}"[:200]
    delivered = status_code is not None and 200 <= status_code < 300
    attempts = delivery.attempts + 1
    if delivered:
        status = DeliveryStatus.DELIVERED
    elif attempts >= MAX_ATTEMPTS or secret is None:  # no retry can open the secret
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.PENDING
    async with context.db.transaction() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id)
            .values(
                attempts=WebhookDelivery.attempts + 1,
                status=status,
                last_status_code=status_code,
                last_response=answer,
                last_error=error,
                delivered_at=clock.now() if delivered else None,
            )
        )
    if not delivered and secret is not None:
        raise DeliveryFailed(error or f"HTTP {status_code}")
