"""The owner's integration writes as the API and the console both run them: API keys and
webhook endpoints are the owner's (checked here as well as by the routes), each write with its
operation-log entry in the same transaction. A new key or webhook secret is shown once and
never logged: the entry names the key (prefix, scopes) or the endpoint (URL, events)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Role
from xiaodian.core.errors import Forbidden
from xiaodian.models import AdminUser
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action
from xiaodian.sync import service, webhooks
from xiaodian.sync.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    DeliveryOut,
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
