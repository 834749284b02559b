"""The owner's shop-settings write, with its operation-log entry."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Role
from xiaodian.config import Settings
from xiaodian.core.errors import Forbidden
from xiaodian.models import AdminUser
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action
from xiaodian.shop import service
from xiaodian.shop.schemas import ShopSettingsOut, ShopSettingsPatch


async def update_settings(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    defaults: Settings,
    patch: ShopSettingsPatch,
) -> ShopSettingsOut:
    if admin.role != Role.OWNER:
        raise Forbidden("只有店主可以执行此操作")
    before = service.to_out(await service.current_settings(session, defaults=defaults))
    after = await service.update_settings(session, defaults=defaults, patch=patch)
    changes = oplog.diff(before, after)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.SHOP_UPDATE,
        target_type="shop",
        summary="、".join(change["field"] for change in changes)[:255],
        changes=changes,
    )
    return after
