"""The integration writes as the API and the console both run them, each with its
operation-log entry in the same transaction. API keys and webhook endpoints are the owner's
(checked here as well as by the routes); a new key or webhook secret is shown once and never
logged: the entry names the key (prefix, scopes) or the endpoint (URL, events). Bulk stock is
written by an API key with `stock:write` (the entry names the key as the one who wrote) or by a
merchant account holding 改价格/库存; the entry lists each SKU whose stock changed, old → new."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, Role, require
from xiaodian.auth.scopes import Merchant
from xiaodian.core.errors import Forbidden, Unauthorized
from xiaodian.models import AdminUser, ApiKey
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action
from xiaodian.sync import service, webhooks
from xiaodian.sync.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    DeliveryOut,
    StockAdjustLine,
    StockResult,
    StockSetLine,
    WebhookCreated,
    WebhookIn,
)


def _owner_only(admin: AdminUser) -> None:
    if admin.role != Role.OWNER:
        raise Forbidden("只有店主可以执行此操作")


async def create_key(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, data: ApiKeyIn
) -> ApiKeyCreated:
    _owner_only(admin)
    created = await service.create_key(session, data=data, admin_id=admin.id)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.API_KEY_CREATE,
        target_type="api_key",
        target_id=created.id,
        summary=f"{created.name}（{created.prefix}…）",
        after=ApiKeyOut.model_validate(created.model_dump(exclude={"key"})),
    )
    return created


async def revoke_key(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, key_id: int
) -> ApiKeyOut:
    _owner_only(admin)
    revoked = await service.revoke_key(session, key_id=key_id)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.API_KEY_REVOKE,
        target_type="api_key",
        target_id=key_id,
        summary=f"{revoked.name}（{revoked.prefix}…）",
    )
    return revoked


async def create_webhook(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, data: WebhookIn
) -> WebhookCreated:
    _owner_only(admin)
    created = await webhooks.create_endpoint(session, data)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.WEBHOOK_CREATE,
        target_type="webhook",
        target_id=created.id,
        summary=created.url,
        after=WebhookCreated.model_validate(created).model_dump(exclude={"secret"}),
    )
    return created


async def delete_webhook(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, endpoint_id: int
) -> None:
    _owner_only(admin)
    await webhooks.delete_endpoint(session, endpoint_id=endpoint_id)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.WEBHOOK_DELETE,
        target_type="webhook",
        target_id=endpoint_id,
    )


async def resend(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, delivery_id: int
) -> DeliveryOut:
    _owner_only(admin)
    delivery = await webhooks.resend(session, delivery_id=delivery_id)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.WEBHOOK_RESEND,
        target_type="webhook_delivery",
        target_id=delivery_id,
        summary=delivery.event_type,
    )
    return delivery


# ---- bulk stock ----


async def stock_writer(session: AsyncSession, caller: Merchant) -> AdminUser | ApiKey:
    """The API key or the merchant account behind `caller` (the route checked the key's scope),
    read in the write's own transaction, as the operation log names it."""
    if caller.key_id is not None:
        key = await session.get(ApiKey, caller.key_id)
        if key is None or key.revoked_at is not None:
            raise Unauthorized("API 密钥无效或已吊销", reason="token_invalid")
        return key
    admin = await session.get(AdminUser, caller.admin_id) if caller.admin_id is not None else None
    if admin is None or not admin.is_active:
        raise Unauthorized("请重新登录", reason="token_invalid")
    return admin


async def _logged(
    session: AsyncSession,
    *,
    by: AdminUser | ApiKey,
    origin: Origin,
    action: Action,
    request_key: str | None,
    write: Callable[[], Awaitable[StockResult]],
) -> StockResult:
    result = await write()
    changes = [
        {"field": f"sku[{line.sku_id}].stock", "old": line.stock_was, "new": line.stock}
        for line in result.items
        if line.stock_was != line.stock
    ]
    summary = f"{result.changed} 个 SKU 改了库存（共 {len(result.items)} 行）"
    if request_key:
        summary += f" · Idempotency-Key {request_key}"
    await oplog.record(
        session,
        admin=by,
        origin=origin,
        action=action,
        target_type="sku",
        target_id=",".join(str(line.sku_id) for line in result.items),
        summary=summary,
        changes=changes,
    )
    return result


async def set_stock(
    session: AsyncSession,
    *,
    by: AdminUser | ApiKey,
    origin: Origin,
    lines: Sequence[StockSetLine],
    request_key: str | None = None,
    action: Action = Action.STOCK_SET,
) -> StockResult:
    """Set absolute stock (`service.set_stock`) and log it; all lines or none."""
    if isinstance(by, AdminUser):
        require(by, Permission.PRICES_STOCK)
    return await _logged(
        session,
        by=by,
        origin=origin,
        action=action,
        request_key=request_key,
        write=lambda: service.set_stock(session, lines),
    )


async def adjust_stock(
    session: AsyncSession,
    *,
    by: AdminUser | ApiKey,
    origin: Origin,
    lines: Sequence[StockAdjustLine],
    request_key: str | None = None,
) -> StockResult:
    """Add or remove units (`service.adjust_stock`) and log it; all lines or none."""
    if isinstance(by, AdminUser):
        require(by, Permission.PRICES_STOCK)
    return await _logged(
        session,
        by=by,
        origin=origin,
        action=Action.STOCK_ADJUST,
        request_key=request_key,
        write=lambda: service.adjust_stock(session, lines),
    )
