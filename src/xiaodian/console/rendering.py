"""Templates, the filters they use (money, shop time), flash messages and htmx toasts."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.templating import Jinja2Templates

from xiaodian.auth.permissions import ROLE_TEXT, permissions_of
from xiaodian.console.sections import navigation
from xiaodian.console.security import console_path, csrf_token, is_https
from xiaodian.console.vocabulary import ORDER_TEXT, ORDER_TONE, REFUND_TEXT, REFUND_TONE
from xiaodian.core import clock, urls
from xiaodian.core.money import format_yuan

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
FLASH_COOKIE = "xd_flash"

VENDOR = {
    "htmx": "vendor/htmx-2.0.11/htmx.min.js",
    "alpine": "vendor/alpinejs-3.17.5/cdn.min.js",
    "echarts": "vendor/echarts-6.1.0/echarts.common.min.js",
}


def _static_version() -> str:
    """A fingerprint of our own assets, so a deploy is never served stale CSS or JS."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.glob("*.*")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


STATIC_VERSION = _static_version()


def yuan(fen: int | None) -> str:
    return "" if fen is None else format_yuan(fen)


def shop_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return "" if moment is None else clock.to_shop_time(moment).strftime(pattern)


def media_path(url: str | None) -> str:
    """Our own media as a site-relative path, so the console loads pictures from whichever
    host it is served on (absolute URLs carry the public base URL meant for phones)."""
    if not url:
        return ""
    base = urls.absolute("/")
    return "/" + url[len(base) :] if url.startswith(base) else url


def media_sized(url: str | None, width: int) -> str:
    path = media_path(url)
    return path.replace("-800.webp", f"-{width}.webp") if path.endswith("-800.webp") else path


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """`params` with `changes` applied, empty values dropped: for pager and filter links."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "", False)})


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        yuan=yuan,
        shop_time=shop_time,
        media=media_path,
        media_sized=media_sized,
        tojson_attr=lambda value: json.dumps(value, ensure_ascii=False),
    )
    env.globals.update(
        query_string=query_string,
        VENDOR=VENDOR,
        STATIC_VERSION=STATIC_VERSION,
        STATUS_TEXT=ORDER_TEXT,
        REFUND_TEXT=REFUND_TEXT,
        REFUND_TONE=REFUND_TONE,
        STATUS_TONE=ORDER_TONE,
        ROLE_TEXT={role.value: text for role, text in ROLE_TEXT.items()},
        ALERT_POLL_SECONDS=10,
    )
    return env


templates = Jinja2Templates(env=_environment())


def base_path(request: Request) -> str:
    root = console_path(request.scope)
    return "" if root == "/" else root


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def page_context(request: Request) -> dict[str, Any]:
    admin = getattr(request.state, "admin", None)
    return {
        "request": request,
        "base": base_path(request),
        "admin": admin,
        "shop_name": getattr(request.state, "shop_name", "小店"),
        "nav": navigation(request.app.state.sections, admin),
        "perms": {p.value for p in permissions_of(admin)} if admin is not None else set(),
        "csrf_token": csrf_token(request),
        "flash": unquote(request.cookies.get(FLASH_COOKIE, "")),
    }


def render(
    request: Request,
    name: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """Render a template with the page chrome's context; a shown flash message is cleared."""
    context = page_context(request)
    response = templates.TemplateResponse(
        request, name, {**context, **values}, status_code=status_code, headers=headers
    )
    if context["flash"] and not is_htmx(request):
        response.delete_cookie(FLASH_COOKIE, path=console_path(request.scope))
    return response


def redirect(request: Request, path: str, *, flash: str | None = None) -> Response:
    """303 to a console page (`path` relative to the console), carrying a one-time message.
    Under htmx the browser is told to navigate instead."""
    target = base_path(request) + path
    response: Response
    if is_htmx(request):
        response = Response(status_code=204, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            quote(flash),
            max_age=60,
            httponly=True,
            samesite="lax",
            secure=is_https(request),
            path=console_path(request.scope),
        )
    return response


def toast(response: Response, message: str, *, kind: str = "success") -> Response:
    """Ask the page (htmx) to show a short message; ASCII-escaped JSON, as headers must be."""
    response.headers["HX-Trigger"] = json.dumps({"toast": {"message": message, "kind": kind}})
    return response
