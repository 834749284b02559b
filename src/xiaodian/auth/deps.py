"""Who is asking: dependencies that turn a bearer token into a shopper or a merchant account."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Coroutine
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, FromClause, Select, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.auth.scopes import Merchant, Scope, is_api_key, record_use, resolve_key
from xiaodian.auth.service import live_token, live_token_params, resolve_token
from xiaodian.core import clock
from xiaodian.core.errors import Forbidden, Unauthorized
from xiaodian.deps import SessionDep, context_of
from xiaodian.models import AdminUser, AuthToken, User
from xiaodian.models.admins import ROLE_OWNER

ADMIN_COOKIE = "xd_admin"
_tokens = cast(Table, AuthToken.__table__)
_users = cast(Table, User.__table__)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def user_from_request(session: AsyncSession, request: Request) -> User:
    """The shopper behind the request's bearer token, or Unauthorized/Forbidden."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("请先登录")
    # The token and its shopper in one round trip (this runs on every signed-in request).
    user = await session.scalar(_shopper_statement(), live_token_params(token))
    if user is None:
        raise Unauthorized("登录已过期，请重新登录", reason="token_invalid")
    if user.is_blocked:
        raise Forbidden("账号已被停用")
    return user


@functools.cache
def _shopper_statement() -> Select[User]:
    """The shopper holding the live token `:token_hash` (built once, like the next)."""
    return select(User).join(_tokens, _tokens.c.subject_id == User.id).where(live_token("user"))


async def _current_user(request: Request, session: SessionDep) -> User:
    return await user_from_request(session, request)


def shopper_by_token() -> tuple[FromClause, ColumnElement[bool], list[ColumnElement[Any]]]:
    """What a statement joins to know who is asking: the live shopper token hashed
    `:token_hash` and its shopper (bind `TokenParams`), the condition, and the columns
    `shopper_id` and `shopper_blocked` that `checked_shopper` reads. A hot route's first
    statement can check the caller along with what it reads (the cart's lookups)."""
    return (
        _tokens.join(_users, _users.c.id == _tokens.c.subject_id),
        live_token("user"),
        [_users.c.id.label("shopper_id"), _users.c.is_blocked.label("shopper_blocked")],
    )


def checked_shopper(found: Any) -> int:
    """The shopper id of a row read with `shopper_by_token` (None: no row, so no live token),
    or the refusal `CurrentUser` gives."""
    if found is None:
        raise Unauthorized("登录已过期，请重新登录", reason="token_invalid")
    if found.shopper_blocked:
        raise Forbidden("账号已被停用")
    return int(found.shopper_id)


@functools.cache
def _shopper_id_statement() -> Select[int, bool]:
    """The id and blocked flag of the shopper holding the live token `:token_hash` (built once:
    it runs on every cart change)."""
    joined, live, columns = shopper_by_token()
    return select(*columns).select_from(joined).where(live)


async def _current_user_id(request: Request, session: SessionDep) -> int:
    return await user_id_from_request(session, request)


async def user_id_from_request(session: AsyncSession, request: Request) -> int:
    """`CurrentUser`'s checks, answering only the shopper's id (no ORM object)."""
    params = await _shopper_token(request)
    return checked_shopper((await session.execute(_shopper_id_statement(), params)).first())


async def _shopper_token(request: Request) -> dict[str, Any]:
    """`live_token_params` of the request's bearer token (401 when there is none). Async so
    that FastAPI calls it on the event loop, not in its thread pool."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("请先登录")
    return live_token_params(token)


@functools.cache
def _shoppers_by_token_statement() -> Select[str, int]:
    """(token hash, shopper id) for the live shopper tokens hashed `:token_hashes` whose
    shoppers are not blocked."""
    return (
        select(_tokens.c.token_hash, _users.c.id)
        .join(_tokens, _tokens.c.subject_id == _users.c.id)
        .where(live_token("user", several=True), _users.c.is_blocked.is_(False))
    )


async def live_shoppers(session: AsyncSession, token_hashes: Collection[str]) -> dict[str, int]:
    """`user_id_from_request` for several requests at once (by their tokens' hashes): the
    shopper of each live token whose shopper may buy. A token missing from the answer is
    refused by `user_id_from_request`, which says why."""
    rows = await session.execute(
        _shoppers_by_token_statement(),
        {"token_hashes": sorted(set(token_hashes)), "now": clock.now()},
    )
    return {token_hash: int(user_id) for token_hash, user_id in rows}


def admin_token(request: Request) -> str | None:
    """A merchant's token from the Authorization header or the console's session cookie."""
    return bearer_token(request) or request.cookies.get(ADMIN_COOKIE)


async def _current_admin(request: Request, session: SessionDep) -> AdminUser:
    token = admin_token(request)
    if token is None:
        raise Unauthorized("请先登录商家后台")
    admin_id = await resolve_token(session, token=token, subject="admin")
    admin = await session.get(AdminUser, admin_id) if admin_id is not None else None
    if admin is None or not admin.is_active:
        raise Unauthorized("登录已过期，请重新登录", reason="token_invalid")
    return admin


async def _owner(admin: Annotated[AdminUser, Depends(_current_admin)]) -> AdminUser:
    if admin.role != ROLE_OWNER:
        raise Forbidden("只有店主可以执行此操作")
    return admin


def permitted(
    *permissions: Permission, detached: bool = False
) -> Callable[..., Coroutine[Any, Any, AdminUser]]:
    """A dependency: the merchant account, refused (403 `no_permission`) unless its role holds
    every one of `permissions`. `detached` reads it in a short transaction of its own (for
    routes that call out, like `DetachedAdmin`)."""
    if detached:

        async def check_detached(request: Request) -> AdminUser:
            admin = await _detached_admin(request)
            require(admin, *permissions)
            return admin

        return check_detached

    async def check(admin: Annotated[AdminUser, Depends(_current_admin)]) -> AdminUser:
        require(admin, *permissions)
        return admin

    return check


async def _detached_user(request: Request) -> User:
    async with context_of(request).db.read_session() as session:
        return await user_from_request(session, request)


async def _detached_admin(request: Request) -> AdminUser:
    async with context_of(request).db.read_session() as session:
        return await _current_admin(request, session)


CurrentUser = Annotated[User, Depends(_current_user)]
CurrentUserId = Annotated[int, Depends(_current_user_id)]
"""The signed-in shopper's id, for hot routes that need nothing else of them (the cart)."""
# For routes that open their own transactions around outbound calls (paying, refunding): the
# caller is looked up in a short read of its own, so no transaction stays open over the call
# (with SQLite, an open write transaction would also block every other writer).
DetachedUser = Annotated[User, Depends(_detached_user)]
TokenParams = Annotated[dict[str, Any], Depends(_shopper_token)]
"""A shopper's bearer token as `shopper_by_token` binds it, not yet checked (401 when there is
none): for routes whose first statement checks it along with what it reads."""
DetachedAdmin = Annotated[AdminUser, Depends(_detached_admin)]
CurrentAdmin = Annotated[AdminUser, Depends(_current_admin)]
OwnerAdmin = Annotated[AdminUser, Depends(_owner)]
GoodsAdmin = Annotated[AdminUser, Depends(permitted(Permission.GOODS))]
StockAdmin = Annotated[AdminUser, Depends(permitted(Permission.PRICES_STOCK))]
ShipAdmin = Annotated[AdminUser, Depends(permitted(Permission.SHIP))]
RefundAdmin = Annotated[AdminUser, Depends(permitted(Permission.REFUNDS))]
DetachedRefundAdmin = Annotated[AdminUser, Depends(permitted(Permission.REFUNDS, detached=True))]
MarketingAdmin = Annotated[AdminUser, Depends(permitted(Permission.MARKETING))]
ReviewsAdmin = Annotated[AdminUser, Depends(permitted(Permission.REVIEWS))]


def merchant_with(scope: Scope) -> Any:
    """A dependency: a merchant account (any role), or an API key (`Bearer xdk_…`) that has
    `scope` (403 `scope_missing` when it has not). Looked up in a short read of its own."""

    async def resolve(request: Request) -> Merchant:
        context = context_of(request)
        token = bearer_token(request)
        if token is not None and is_api_key(token):
            async with context.db.read_session() as session:
                key = await resolve_key(session, token)
            if key is None:
                raise Unauthorized("API 密钥无效或已吊销", reason="token_invalid")
            record_use(context, key)
            merchant = Merchant(admin_id=None, key_id=key.id, scopes=frozenset(key.scopes))
            merchant.require(scope)
            return merchant
        admin = await _detached_admin(request)
        return Merchant(admin_id=admin.id, key_id=None, scopes=frozenset(Scope))

    return Depends(resolve)


OrdersReader = Annotated[Merchant, merchant_with(Scope.ORDERS_READ)]
"""A merchant account, or an API key with `orders:read`."""
CatalogReader = Annotated[Merchant, merchant_with(Scope.CATALOG_READ)]
"""A merchant account, or an API key with `catalog:read`."""
