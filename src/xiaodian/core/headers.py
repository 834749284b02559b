"""Security headers on every response (a pure ASGI middleware), and what "secure" means here.

A request is secure when it came over TLS: to uvicorn directly, or through a proxy listed in
``XIAODIAN_TRUSTED_PROXIES`` (uvicorn then takes the scheme from ``X-Forwarded-Proto``).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000"


def is_secure(scope: Scope) -> bool:
    """The request reached us over TLS (directly or through a trusted proxy)."""
    return scope.get("scheme") in ("https", "wss")


class SecurityHeaders:
    """Adds `headers` to every HTTP response that does not set them itself, and
    Strict-Transport-Security to those answering a secure request when `hsts` is on."""

    def __init__(self, app: ASGIApp, *, headers: Mapping[str, str], hsts: bool = False) -> None:
        self.app = app
        self.headers = dict(headers)
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = dict(self.headers)
        if self.hsts and is_secure(scope):
            extra["Strict-Transport-Security"] = HSTS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
