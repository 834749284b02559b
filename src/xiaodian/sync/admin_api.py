"""Merchant routes for machine clients: API keys (owner only), bulk stock (`stock:write`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query

from xiaodian.auth.deps import OwnerAdmin, merchant_with
from xiaodian.auth.scopes import Merchant, Scope
from xiaodian.core.responses import RawJSONResponse
from xiaodian.deps import IdPath, SessionDep
from xiaodian.oplog.service import ApiOrigin
from xiaodian.sync import merchant, service, webhooks
from xiaodian.sync.errors import StockRequestKeyInvalid
from xiaodian.sync.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    DeliveryOut,
    StockAdjustIn,
    StockResult,
    StockSetIn,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)

router = APIRouter(tags=["sync"])
_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")
StockWriter = Annotated[Merchant, merchant_with(Scope.STOCK_WRITE)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


@router.get("/api-keys")
async def api_keys(_owner: OwnerAdmin, session: SessionDep) -> list[ApiKeyOut]:
    return await service.list_keys(session)


@router.post("/api-keys", status_code=201)
async def create_api_key(
    body: ApiKeyIn, owner: OwnerAdmin, origin: ApiOrigin, session: SessionDep
) -> ApiKeyCreated:
    return await merchant.create_key(session, admin=owner, origin=origin, data=body)


@router.delete("/api-keys/{key_id}")
async def revoke_api_key(
    key_id: IdPath, owner: OwnerAdmin, origin: ApiOrigin, session: SessionDep
) -> ApiKeyOut:
    return await merchant.revoke_key(session, admin=owner, origin=origin, key_id=key_id)


def _answer(result: StockResult, replayed: bool) -> Any:
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return RawJSONResponse(result.model_dump_json().encode(), headers=headers)


def _checked(key: str | None) -> str | None:
    if key is not None and not _KEY.match(key):
        raise StockRequestKeyInvalid()
    return key


@router.put("/stock", response_model=StockResult)
async def set_stock(
    body: StockSetIn,
    caller: StockWriter,
    origin: ApiOrigin,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Set what each SKU can sell from now (units held by unpaid orders stay held)."""
    by = await merchant.stock_writer(session, caller)
    result, replayed = await service.idempotent(
        session,
        principal=caller.principal,
        key=_checked(idempotency_key),
        request_hash=service.fingerprint("set", body.model_dump(mode="json")),
        run=lambda: merchant.set_stock(
            session, by=by, origin=origin, lines=body.items, request_key=idempotency_key
        ),
    )
    return _answer(result, replayed)


@router.post("/stock/adjust", response_model=StockResult)
async def adjust_stock(
    body: StockAdjustIn,
    caller: StockWriter,
    origin: ApiOrigin,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Add or remove units relative to now; refused whole if any SKU would go below 0."""
    by = await merchant.stock_writer(session, caller)
    result, replayed = await service.idempotent(
        session,
        principal=caller.principal,
        key=_checked(idempotency_key),
        request_hash=service.fingerprint("adjust", body.model_dump(mode="json")),
        run=lambda: merchant.adjust_stock(
            session, by=by, origin=origin, lines=body.items, request_key=idempotency_key
        ),
    )
    return _answer(result, replayed)


@router.get("/webhooks")
async def webhooks_list(_owner: OwnerAdmin, session: SessionDep) -> list[WebhookOut]:
    return await webhooks.list_endpoints(session)


@router.post("/webhooks", status_code=201)
async def webhook_create(
    body: WebhookIn, owner: OwnerAdmin, origin: ApiOrigin, session: SessionDep
) -> WebhookCreated:
    return await merchant.create_webhook(session, admin=owner, origin=origin, data=body)


@router.delete("/webhooks/{endpoint_id}", status_code=204)
async def webhook_delete(
    endpoint_id: IdPath, owner: OwnerAdmin, origin: ApiOrigin, session: SessionDep
) -> None:
    await merchant.delete_webhook(session, admin=owner, origin=origin, endpoint_id=endpoint_id)


@router.get("/webhook-deliveries")
async def deliveries(
    _owner: OwnerAdmin, session: SessionDep, endpoint_id: Annotated[int | None, Query(ge=1)] = None
) -> list[DeliveryOut]:
    return await webhooks.list_deliveries(session, endpoint_id=endpoint_id)


@router.post("/webhook-deliveries/{delivery_id}/resend")
async def resend(
    delivery_id: IdPath, owner: OwnerAdmin, origin: ApiOrigin, session: SessionDep
) -> DeliveryOut:
    return await merchant.resend(session, admin=owner, origin=origin, delivery_id=delivery_id)
