"""Webhook secrets at rest: sealed with AES-GCM under a key derived from the secret key, shown
once on creation, never in lists or the log; deliveries still verify; migration 0018 seals the
rows stored in plaintext before it (and 0017 gets them back)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from tests import factories
from tests.sync.test_webhooks import _endpoint, _received, _verify
from xiaodian import migrate
from xiaodian.context import AppContext
from xiaodian.events import outbox
from xiaodian.models import OperationLog, WebhookEndpoint
from xiaodian.sync import sealing

SECRET_KEY = "m" * 48


async def _stored(context: AppContext, endpoint_id: int) -> str:
    async with context.db.transaction(write=False) as session:
        stored = await session.scalar(
            select(WebhookEndpoint.secret_sealed).where(WebhookEndpoint.id == endpoint_id)
        )
    assert stored is not None
    return stored


async def test_the_secret_is_stored_sealed_shown_once_and_deliveries_still_verify(
    client: httpx.AsyncClient, context: AppContext, app: FastAPI
) -> None:
    app.state.sandbox.state.webhook_receiver.clear()
    owner = await factories.merchant(client, context)
    endpoint = await _endpoint(client, owner, "stock.changed")
    secret = endpoint["secret"]
    stored = await _stored(context, endpoint["id"])
    assert stored.startswith("v1:") and secret not in stored and secret[6:] not in stored
    assert sealing.unseal(stored, secret_key=context.settings.secret_key) == secret
    with pytest.raises(sealing.SecretUnreadable):
        sealing.unseal(stored, secret_key="another key of the right length, forty-eight!")
    listed = await client.get("/api/admin/v1/webhooks", headers=owner)
    assert secret not in listed.text and stored not in listed.text
    async with context.db.transaction(write=False) as session:
        entries = (await session.scalars(select(OperationLog))).all()
    assert entries and all(secret not in str(entry.changes) for entry in entries)
    goods = await factories.make_goods(context, stock=10)
    changed = await client.patch(
        f"/api/admin/v1/skus/{goods['sku_ids'][0]}", headers=owner, json={"stock_delta": -1}
    )
    assert changed.status_code == 200
    await outbox.drain(context)
    (request,) = _received(app)
    assert _verify(secret, request["headers"], request["body"])


async def test_a_secret_that_does_not_open_fails_its_delivery_without_sending(
    client: httpx.AsyncClient, context: AppContext, app: FastAPI
) -> None:
    app.state.sandbox.state.webhook_receiver.clear()
    owner = await factories.merchant(client, context)
    endpoint = await _endpoint(client, owner, "stock.changed")
    stored = await _stored(context, endpoint["id"])
    tampered = stored[:-6] + ("AAAAAA" if not stored.endswith("AAAAAA") else "BBBBBB")
    async with context.db.transaction() as session:
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint["id"])
            .values(secret_sealed=tampered)
        )
    goods = await factories.make_goods(context, stock=10)
    await client.patch(
        f"/api/admin/v1/skus/{goods['sku_ids'][0]}", headers=owner, json={"stock_delta": 1}
    )
    await outbox.drain(context)
    assert _received(app) == []
    (delivery,) = (await client.get("/api/admin/v1/webhook-deliveries", headers=owner)).json()
    assert (delivery["status"], delivery["attempts"]) == ("failed", 1)
    assert "无法解密" in delivery["last_error"]


async def _sql(url: str, statement: str, **values: object) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement), values)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


def test_migration_0018_seals_plaintext_secrets_and_0017_opens_them_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XIAODIAN_SECRET_KEY", raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    migrate.upgrade(url, "0017")
    asyncio.run(
        _sql(
            url,
            "INSERT INTO webhook_endpoints (url, events, secret, is_active, created_at)"
            " VALUES ('https://erp.example/hook', '[\"order.paid\"]', :secret, 1,"
            " '2026-12-01 00:00:00')",
            secret="whsec_plain0123456789",
        )
    )
    with pytest.raises(RuntimeError, match="XIAODIAN_SECRET_KEY"):
        migrate.upgrade(url, "0018")  # no key: stops before changing anything
    migrate.upgrade(url, "0018", secret_key=SECRET_KEY)
    ((stored,),) = asyncio.run(_sql(url, "SELECT secret_sealed FROM webhook_endpoints"))
    assert isinstance(stored, str) and "plain0123456789" not in stored
    assert sealing.unseal(stored, secret_key=SECRET_KEY) == "whsec_plain0123456789"
    config = migrate.alembic_config(url, secret_key=SECRET_KEY)
    migrate._in_thread(lambda: migrate.command.downgrade(config, "0017"))
    assert asyncio.run(_sql(url, "SELECT secret FROM webhook_endpoints")) == [
        ("whsec_plain0123456789",)
    ]
