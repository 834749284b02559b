"""The merchant's web console as an ASGI app, mounted by the shop at `/console`.

It is its own small FastAPI app so that its errors render as pages (not the API's JSON), its
cookies stay under its own path and its CSRF check covers every route it will ever have.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Depends, FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from xiaodian.console.errors import install_error_pages
from xiaodian.console.rendering import STATIC_DIR
from xiaodian.console.routes import EXTRA_ROUTERS, SECTIONS, dashboard
from xiaodian.console.security import CsrfCookieMiddleware, verify_csrf
from xiaodian.context import AppContext
from xiaodian.core.headers import SecurityHeaders


class ConsoleStatic(StaticFiles):
    """Our assets are addressed by version (`?v=` or a versioned vendor folder): cache long."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def content_security_policy(public_base_url: str) -> str:
    """What console pages may load and run: our own scripts only (no inline script, no other
    origin); Alpine evaluates its directives, hence 'unsafe-eval'; htmx, Alpine and the charts
    set inline styles, hence 'unsafe-inline' for styles only. Pictures may also come from the
    public media URL (`XIAODIAN_PUBLIC_BASE_URL`)."""
    parts = urlsplit(public_base_url)
    media = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob:{media}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(public_base_url: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(public_base_url),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def create_console(context: AppContext) -> FastAPI:
    console = FastAPI(title="小店 console", docs_url=None, redoc_url=None, openapi_url=None)
    console.state.context = context
    console.state.sections = SECTIONS
    console.add_middleware(CsrfCookieMiddleware)
    console.add_middleware(
        SecurityHeaders, headers=security_headers(context.settings.public_base_url)
    )
    install_error_pages(console)
    console.mount("/static", ConsoleStatic(directory=STATIC_DIR), name="static")
    csrf = [Depends(verify_csrf)]
    for router in EXTRA_ROUTERS:
        console.include_router(router, dependencies=csrf)
    for section in SECTIONS:
        console.include_router(section.router, dependencies=csrf)
    # a WebSocket takes no CSRF dependency (it checks its Origin instead)
    console.add_api_websocket_route("/dashboard/socket", dashboard.live_socket)
    return console
