"""Who is using the console, and proof that a form came from the console itself.

The session is an ordinary admin token (an `auth_tokens` row with subject "admin") kept in the
HttpOnly cookie `xd_admin`, scoped to the console's path. Every unsafe request must carry a
CSRF token: an HMAC (keyed from `XIAODIAN_SECRET_KEY`) over a random per-browser nonce held in
the `xd_csrf` cookie and over the session cookie, so a token leaks nothing and dies with the
session. Forms send it as the `csrf_token` field, htmx and fetch as the `X-CSRF-Token` header.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy import select
from starlette.datastructures import FormData, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xiaodian.auth.deps import ADMIN_COOKIE
from xiaodian.auth.permissions import Permission, require
from xiaodian.auth.service import resolve_token
from xiaodian.context import AppContext
from xiaodian.core.errors import Forbidden, Unauthorized
from xiaodian.core.headers import is_secure
from xiaodian.deps import READ_METHODS, context_of
from xiaodian.models import AdminUser, ShopSettings
from xiaodian.models.admins import ROLE_OWNER

CSRF_COOKIE = "xd_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_NONCE = re.compile(r"^[A-Za-z0-9_\-]{32,64}$")
# The goods editor posts five fields per SKU (up to 200 SKUs); Starlette's default is 1000.
MAX_FORM_FIELDS = 5000


class LoginRequired(Unauthorized):
    code = "login_required"
    default_message = "请先登录商家后台"


class OwnerOnly(Forbidden):
    code = "owner_only"
    default_message = "只有店主可以访问此页面"


class CsrfRejected(Forbidden):
    code = "csrf_failed"
    default_message = "页面已过期或来源不明，请刷新页面后重试"


def console_path(scope: Scope) -> str:
    """Where the console is mounted ("/console"): cookies are scoped to it."""
    return str(scope.get("root_path") or "") or "/"


def is_https(connection: HTTPConnection) -> bool:
    """Cookies get `Secure` when the request came over TLS (directly or through a proxy in
    XIAODIAN_TRUSTED_PROXIES)."""
    return is_secure(connection.scope)


def _key(context: AppContext) -> bytes:
    secret = context.settings.secret_key.encode()
    return hashlib.sha256(b"xiaodian console csrf v1|" + secret).digest()


def _session_binding(connection: HTTPConnection) -> str:
    session = connection.cookies.get(ADMIN_COOKIE, "")
    return hashlib.sha256(session.encode()).hexdigest() if session else "-"


def csrf_token(request: Request) -> str:
    """The token this browser must send back with its next unsafe request."""
    nonce = getattr(request.state, "csrf_nonce", "")
    context = context_of(request)
    message = f"{nonce}|{_session_binding(request)}".encode()
    return hmac.new(_key(context), message, hashlib.sha256).hexdigest()


class CsrfCookieMiddleware:
    """Gives every browser a random CSRF nonce cookie (once) and exposes it as
    `request.state.csrf_nonce`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        nonce = connection.cookies.get(CSRF_COOKIE, "")
        state = scope.setdefault("state", {})
        if _NONCE.match(nonce):
            state["csrf_nonce"] = nonce
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(32)
        state["csrf_nonce"] = nonce
        cookie = Response()
        cookie.set_cookie(
            CSRF_COOKIE,
            nonce,
            httponly=True,
            samesite="lax",
            secure=is_https(connection),
            path=console_path(scope),
        )
        set_cookie = cookie.headers["set-cookie"]

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", set_cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def read_form(request: Request) -> FormData:
    """The request's form (parsed once and cached), with room for the biggest console form."""
    return await request.form(max_fields=MAX_FORM_FIELDS)


async def verify_csrf(request: Request) -> None:
    """Refuse (403) any unsafe request without this browser's valid CSRF token."""
    if request.method in READ_METHODS:
        return
    supplied = request.headers.get(CSRF_HEADER, "")
    if not supplied and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await read_form(request)).get(CSRF_FIELD, "")
        supplied = value if isinstance(value, str) else ""
    if not supplied or not hmac.compare_digest(supplied, csrf_token(request)):
        raise CsrfRejected()


def set_session_cookie(request: Request, response: Response, *, token: str, ttl: timedelta) -> None:
    response.set_cookie(
        ADMIN_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path=console_path(request.scope),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        ADMIN_COOKIE,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path=console_path(request.scope),
    )


async def _console_admin(request: Request) -> AdminUser:
    """The signed-in merchant account, read in a short read-only transaction of its own (a
    route may then open its own write transaction, or none, as refund approval needs)."""
    token = request.cookies.get(ADMIN_COOKIE)
    if not token:
        raise LoginRequired()
    context = context_of(request)
    async with context.db.transaction(write=False) as session:
        admin_id = await resolve_token(session, token=token, subject="admin")
        admin = await session.get(AdminUser, admin_id) if admin_id is not None else None
        shop_name = await session.scalar(
            select(ShopSettings.name).order_by(ShopSettings.id).limit(1)
        )
    if admin is None or not admin.is_active:
        raise LoginRequired("登录已过期，请重新登录")
    request.state.admin = admin
    request.state.shop_name = shop_name or "小店"
    return admin


async def _console_owner(admin: Annotated[AdminUser, Depends(_console_admin)]) -> AdminUser:
    if admin.role != ROLE_OWNER:
        raise OwnerOnly()
    return admin


def console_permitted(permission: Permission) -> Any:
    """A console dependency: the signed-in account, refused (403 page) without `permission`."""

    async def check(admin: Annotated[AdminUser, Depends(_console_admin)]) -> AdminUser:
        require(admin, permission)
        return admin

    return Depends(check)


ConsoleAdmin = Annotated[AdminUser, Depends(_console_admin)]
ConsoleShip = Annotated[AdminUser, console_permitted(Permission.SHIP)]
ConsoleRevenue = Annotated[AdminUser, console_permitted(Permission.REVENUE)]
ConsoleMarketing = Annotated[AdminUser, console_permitted(Permission.MARKETING)]
ConsoleOwner = Annotated[AdminUser, Depends(_console_owner)]
