"""Signing in and out of the console (the admins service counts failures and locks)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xiaodian.admins import service as admins
from xiaodian.admins.schemas import AdminLoginIn
from xiaodian.auth.deps import ADMIN_COOKIE
from xiaodian.auth.service import revoke_token
from xiaodian.console.forms import FORM_ERROR, text, validate
from xiaodian.console.rendering import base_path, redirect, render
from xiaodian.console.security import clear_session_cookie, read_form, set_session_cookie
from xiaodian.core.ratelimit import RateLimiter, by_client_address
from xiaodian.deps import context_of

router = APIRouter()

LOCKED_MESSAGE = "登录失败次数过多，账号已锁定 15 分钟，请稍后再试"
INVALID_MESSAGE = "用户名或密码错误"


def _safe_next(request: Request, target: str) -> str:
    """Only ever send people on to a page of this console (no open redirect)."""
    base = base_path(request)
    if target.startswith(base + "/") and not target.startswith("//") and "\\" not in target:
        return target[len(base) :]
    return "/"


@router.get("/login")
async def login_page(request: Request, next: str = "") -> Response:
    return render(request, "login.html", next=next, values={}, errors={})


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    next_page = text(form, "next")
    values = {"username": text(form, "username")}
    credentials, errors = validate(
        AdminLoginIn, {"username": values["username"], "password": form.get("password", "")}
    )
    if credentials is None:
        return render(
            request, "login.html", status_code=422, next=next_page, values=values, errors=errors
        )
    context = context_of(request)
    limiter = RateLimiter(
        context.cache, name=admins.LOGIN_RATE_LIMIT, rate=context.settings.login_rate_per_ip
    )
    wait = await limiter.hit(await by_client_address(request))
    if wait:
        return render(
            request,
            "login.html",
            status_code=429,
            headers={"Retry-After": str(wait)},
            next=next_page,
            values=values,
            errors={FORM_ERROR: f"登录尝试太频繁，请 {wait} 秒后再试"},
        )
    ttl = timedelta(hours=context.settings.admin_token_ttl_hours)
    result = await admins.login(
        context.db,
        username=credentials.username,
        password=credentials.password,
        ttl=ttl,
        cache=context.cache,
    )
    if result.token is None:
        message = LOCKED_MESSAGE if result.outcome == "locked" else INVALID_MESSAGE
        if result.outcome == "invalid" and result.tries_left:
            message += f"，还可尝试 {result.tries_left} 次（连续输错 5 次锁定 15 分钟）"
        elif result.outcome == "invalid" and result.tries_left == 0:
            message += "，账号已锁定 15 分钟，请稍后再试"
        return render(
            request,
            "login.html",
            status_code=429 if result.outcome == "locked" else 401,
            next=next_page,
            values=values,
            errors={FORM_ERROR: message},
        )
    response = redirect(request, _safe_next(request, next_page))
    set_session_cookie(request, response, token=result.token.token, ttl=ttl)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    token = request.cookies.get(ADMIN_COOKIE)
    if token:
        context = context_of(request)
        async with context.db.transaction() as session:
            await revoke_token(session, token=token)
    response = redirect(request, "/login", flash="已退出登录")
    clear_session_cookie(request, response)
    return response
