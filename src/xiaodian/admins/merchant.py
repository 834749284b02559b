"""The owner's staff writes and an account's own password change, with their log entries
(a password is never logged, only that it changed)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.admins import service
from xiaodian.admins.schemas import AdminCreate, AdminOut, AdminPatch
from xiaodian.models import AdminUser
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action

_SHOWN = {"username", "display_name", "role", "permissions", "is_active"}


async def create_admin(
    session: AsyncSession, *, owner: AdminUser, origin: Origin, data: AdminCreate
) -> AdminOut:
    created = await service.create_admin(session, data=data)
    await oplog.record(
        session,
        admin=owner,
        origin=origin,
        action=Action.ADMIN_CREATE,
        target_type="admin",
        target_id=created.id,
        summary=created.username,
        after=created.model_dump(include=_SHOWN),
    )
    return created


async def update_admin(
    session: AsyncSession, *, owner: AdminUser, origin: Origin, admin_id: int, patch: AdminPatch
) -> AdminOut:
    row = await session.get(AdminUser, admin_id)
    before = AdminOut.model_validate(row).model_dump(include=_SHOWN) if row is not None else {}
    after = await service.update_admin(session, admin_id=admin_id, patch=patch)
    changes = oplog.diff(before, after.model_dump(include=_SHOWN))
    if patch.password is not None:
        changes.append({"field": "password", "old": None, "new": oplog.HIDDEN})
    await oplog.record(
        session,
        admin=owner,
        origin=origin,
        action=Action.ADMIN_UPDATE,
        target_type="admin",
        target_id=admin_id,
        summary=after.username,
        changes=changes,
    )
    return after


async def password_changed(session: AsyncSession, *, admin: AdminUser, origin: Origin) -> None:
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.PASSWORD_CHANGE,
        target_type="admin",
        target_id=admin.id,
        summary=admin.username,
        changes=[{"field": "password", "old": None, "new": oplog.HIDDEN}],
    )
