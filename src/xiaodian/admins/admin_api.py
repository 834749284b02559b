"""Merchant login and account management (owner only for other accounts)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.admins import merchant, service
from xiaodian.admins.errors import AccountLocked, InvalidCredentials
from xiaodian.admins.schemas import (
    AdminCreate,
    AdminLoginIn,
    AdminOut,
    AdminPatch,
    AdminTokenOut,
    PasswordChange,
)
from xiaodian.auth.deps import CurrentAdmin, DetachedAdmin, OwnerAdmin, admin_token
from xiaodian.auth.service import revoke_token
from xiaodian.deps import ContextDep, IdPath, SessionDep, rate_limit
from xiaodian.oplog import service as oplog
from xiaodian.oplog.schemas import LogPage, LogQuery
from xiaodian.oplog.service import ApiOrigin

router = APIRouter(tags=["admin: accounts"])


TOO_MANY_LOGINS = "登录尝试太频繁，请稍后再试"


@router.post(
    "/auth/login",
    dependencies=[
        rate_limit(
            service.LOGIN_RATE_LIMIT,
            lambda settings: settings.login_rate_per_ip,
            message=TOO_MANY_LOGINS,
        )
    ],
)
async def login(body: AdminLoginIn, context: ContextDep) -> AdminTokenOut:
    result = await service.login(
        context.db,
        username=body.username,
        password=body.password,
        ttl=timedelta(hours=context.settings.admin_token_ttl_hours),
        cache=context.cache,
    )
    if result.outcome == "locked":
        raise AccountLocked()
    if result.token is None:
        if result.tries_left is None:
            raise InvalidCredentials()
        raise InvalidCredentials(tries_left=result.tries_left)
    return result.token


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, session: SessionDep) -> Response:
    token = admin_token(request)
    if token is not None:
        await revoke_token(session, token=token)
    return Response(status_code=204)


@router.get("/me")
async def me(admin: CurrentAdmin) -> AdminOut:
    return AdminOut.model_validate(admin)


@router.post("/me/password", status_code=204)
async def change_password(
    body: PasswordChange, admin: DetachedAdmin, origin: ApiOrigin, context: ContextDep
) -> Response:
    """Every token of the account ends, this one included: sign in again with the new one."""

    async def audit(session: AsyncSession) -> None:
        await merchant.password_changed(session, admin=admin, origin=origin)

    await service.change_password(
        context.db,
        admin_id=admin.id,
        current_password=body.current_password,
        new_password=body.new_password,
        audit=audit,
    )
    return Response(status_code=204)


@router.get("/admins")
async def list_admins(_owner: OwnerAdmin, session: SessionDep) -> list[AdminOut]:
    return await service.list_admins(session)


@router.post("/admins", status_code=201)
async def create_admin(
    body: AdminCreate, owner: OwnerAdmin, origin: ApiOrigin, session: SessionDep
) -> AdminOut:
    return await merchant.create_admin(session, owner=owner, origin=origin, data=body)


@router.patch("/admins/{admin_id}")
async def update_admin(
    admin_id: IdPath, body: AdminPatch, owner: OwnerAdmin, origin: ApiOrigin, session: SessionDep
) -> AdminOut:
    return await merchant.update_admin(
        session, owner=owner, origin=origin, admin_id=admin_id, patch=body
    )


@router.get("/operation-logs")
async def operation_logs(
    _owner: OwnerAdmin, session: SessionDep, query: Annotated[LogQuery, Query()]
) -> LogPage:
    """操作日志: every merchant write, newest first (owner only)."""
    return await oplog.search(session, query)
