"""Merchant accounts: password login with lockout, owner and staff, account management."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.admins.errors import (
    AdminNotFound,
    InvalidCredentials,
    LastOwner,
    PasswordChangedMeanwhile,
    UsernameTaken,
)
from xiaodian.admins.schemas import AdminCreate, AdminOut, AdminPatch, AdminTokenOut
from xiaodian.auth.permissions import join_permissions
from xiaodian.auth.service import IssuedToken, issue_token, revoke_all
from xiaodian.core import clock
from xiaodian.core.cache import Cache
from xiaodian.core.db import Database, affected
from xiaodian.core.security import DUMMY_PASSWORD_HASH, hash_password, verify_password
from xiaodian.models import AdminUser
from xiaodian.models.admins import ROLE_OWNER

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
LOGIN_RATE_LIMIT = "admin-login"
"""The rate limit's name: the API's login and the console's count against one allowance."""


@dataclass(frozen=True)
class LoginResult:
    outcome: Literal["ok", "invalid", "locked"]
    token: AdminTokenOut | None = None
    tries_left: int | None = None
    """After a wrong password: how many more before the lockout (0: locked now)."""


async def _unknown_tries_left(cache: Cache | None, username: str) -> LoginResult:
    """An unknown username counts down like a real account (in the cache, for the lockout's
    time), so the answer never tells whether the account exists."""
    if cache is None:
        return LoginResult("invalid")
    key = "admin-login-unknown:" + hashlib.sha256(username.encode()).hexdigest()
    failures = await cache.incr(key, ttl_seconds=LOCKOUT.total_seconds())
    if failures > MAX_FAILED_LOGINS:
        return LoginResult("locked")
    return LoginResult("invalid", tries_left=MAX_FAILED_LOGINS - failures)


async def login(
    db: Database,
    *,
    username: str,
    password: str,
    ttl: timedelta,
    cache: Cache | None = None,
) -> LoginResult:
    """Check the password; count failures and lock the account after five in a row.

    The slow password check runs outside any transaction (read the account, verify, then a
    short write for the outcome), so failed logins never hold the write lock that orders and
    payments need. An unknown username is checked against a dummy hash, so it takes as long
    as a wrong password. Returns the outcome instead of raising.
    """
    async with db.transaction(write=False) as session:
        admin = await session.scalar(select(AdminUser).where(AdminUser.username == username))
    if admin is None:
        await verify_password(DUMMY_PASSWORD_HASH, password)  # same time as a real check
        return await _unknown_tries_left(cache, username)
    if _is_locked(admin):
        return LoginResult("locked")
    verified_hash = admin.password_hash
    if not await verify_password(verified_hash, password):
        verified_hash = ""
    async with db.transaction() as session:
        return await _record_login(session, admin_id=admin.id, verified_hash=verified_hash, ttl=ttl)


def _is_locked(admin: AdminUser) -> bool:
    return admin.locked_until is not None and admin.locked_until > clock.now()


async def _record_login(
    session: AsyncSession, *, admin_id: int, verified_hash: str, ttl: timedelta
) -> LoginResult:
    """The short write after a password check. A success counts only if the password that
    matched is still the account's (not changed meanwhile, which ended every session), the
    account is still active and no concurrent failures locked it."""
    admin = await session.scalar(
        select(AdminUser)
        .where(AdminUser.id == admin_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if admin is None:
        return LoginResult("invalid")
    if _is_locked(admin):
        return LoginResult("locked")
    if not verified_hash or verified_hash != admin.password_hash or not admin.is_active:
        admin.failed_logins += 1
        tries_left = max(0, MAX_FAILED_LOGINS - admin.failed_logins)
        if admin.failed_logins >= MAX_FAILED_LOGINS:
            admin.locked_until = clock.now() + LOCKOUT
            admin.failed_logins = 0
        await session.flush()
        return LoginResult("invalid", tries_left=tries_left)
    admin.failed_logins = 0
    admin.locked_until = None
    admin.last_login_at = clock.now()
    issued = await issue_token(session, subject="admin", subject_id=admin.id, ttl=ttl)
    return LoginResult(
        "ok",
        AdminTokenOut(
            token=issued.token, expires_at=issued.expires_at, admin=AdminOut.model_validate(admin)
        ),
    )


async def create_admin(session: AsyncSession, *, data: AdminCreate) -> AdminOut:
    taken = await session.scalar(select(AdminUser.id).where(AdminUser.username == data.username))
    if taken is not None:
        raise UsernameTaken()
    admin = AdminUser(
        username=data.username,
        display_name=data.display_name or data.username,
        password_hash=await hash_password(data.password),
        role=data.role,
        permissions=join_permissions(set(data.permissions)) if data.role == "custom" else "",
    )
    session.add(admin)
    await session.flush()
    return AdminOut.model_validate(admin)


async def list_admins(session: AsyncSession) -> list[AdminOut]:
    rows = await session.execute(select(AdminUser).order_by(AdminUser.id))
    return [AdminOut.model_validate(admin) for admin in rows.scalars()]


async def _admin(session: AsyncSession, admin_id: int) -> AdminUser:
    admin = await session.get(AdminUser, admin_id)
    if admin is None:
        raise AdminNotFound()
    return admin


async def _other_active_owners(session: AsyncSession, admin_id: int) -> int:
    return (
        await session.scalar(
            select(func.count(AdminUser.id)).where(
                AdminUser.role == ROLE_OWNER,
                AdminUser.is_active.is_(True),
                AdminUser.id != admin_id,
            )
        )
        or 0
    )


async def update_admin(session: AsyncSession, *, admin_id: int, patch: AdminPatch) -> AdminOut:
    """Edit an account; the shop always keeps at least one active owner."""
    admin = await _admin(session, admin_id)
    demoted = patch.role is not None and patch.role != ROLE_OWNER
    disabled = patch.is_active is False
    if (
        admin.role == ROLE_OWNER
        and (demoted or disabled)
        and not await _other_active_owners(session, admin.id)
    ):
        raise LastOwner()
    if patch.display_name is not None:
        admin.display_name = patch.display_name
    if patch.role is not None:
        admin.role = patch.role
    if patch.permissions is not None:
        admin.permissions = join_permissions(set(patch.permissions))
    if admin.role != "custom":
        admin.permissions = ""
    if patch.is_active is not None:
        admin.is_active = patch.is_active
    if patch.password is not None:
        admin.password_hash = await hash_password(patch.password)
        admin.failed_logins = 0
        admin.locked_until = None
    if disabled or patch.password is not None:
        await revoke_all(session, subject="admin", subject_id=admin.id)
    await session.flush()
    return AdminOut.model_validate(admin)


async def change_password(
    db: Database,
    *,
    admin_id: int,
    current_password: str,
    new_password: str,
    new_session_ttl: timedelta | None = None,
    audit: Callable[[AsyncSession], Awaitable[None]] | None = None,
) -> IssuedToken | None:
    """Set a new password once the current one is checked, and end every session and API token
    of the account. With `new_session_ttl`, the caller gets a fresh token (the browser that
    changed the password stays signed in; the old token ends like the others).

    Both slow hashes run outside any transaction; the write succeeds only if the password is
    still the one that was checked, so of two simultaneous changes one wins and the other is
    refused instead of silently overwriting it.
    """
    async with db.transaction(write=False) as session:
        old_hash = (await _admin(session, admin_id)).password_hash
    if not await verify_password(old_hash, current_password):
        raise InvalidCredentials("当前密码不正确", field="current_password")
    new_hash = await hash_password(new_password)
    async with db.transaction() as session:
        changed = await session.execute(
            update(AdminUser)
            .where(AdminUser.id == admin_id, AdminUser.password_hash == old_hash)
            .values(password_hash=new_hash, failed_logins=0, locked_until=None)
        )
        if affected(changed) != 1:
            raise PasswordChangedMeanwhile()
        await revoke_all(session, subject="admin", subject_id=admin_id)
        if audit is not None:
            await audit(session)
        if new_session_ttl is None:
            return None
        return await issue_token(session, subject="admin", subject_id=admin_id, ttl=new_session_ttl)


async def ensure_owner(session: AsyncSession, *, username: str, password: str) -> bool:
    """Create an owner account unless the username exists; True if it was created."""
    exists = await session.scalar(select(AdminUser.id).where(AdminUser.username == username))
    if exists is not None:
        return False
    await create_admin(
        session, data=AdminCreate(username=username, password=password, role="owner")
    )
    return True
