"""A ceiling on request bodies, enforced before the body is read (a pure ASGI middleware).

A declared ``Content-Length`` over the route's limit is answered 413 at once, without reading a
byte of the body; a body without one (chunked) is counted as it streams in and refused at the
first chunk past the limit. Either way the connection is closed after the answer, so the
client stops sending.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
MIB = 1024 * KIB


class BodyTooLarge(HTTPException):
    """Raised from inside the body stream; rendered like any other 413."""

    code = "payload_too_large"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.message = f"请求内容太大，不能超过 {_size(limit)}"
        super().__init__(413, detail=self.message, headers={"Connection": "close"})


def _size(limit: int) -> str:
    return f"{limit // MIB} MB" if limit >= MIB and limit % MIB == 0 else f"{limit // KIB} KB"


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    """`default` bytes per request body, or the limit of the first pattern matching the path."""

    def __init__(
        self, app: ASGIApp, *, default: int, routes: Sequence[tuple[str, int]] = ()
    ) -> None:
        self.app = app
        self.default = default
        self.routes = [(re.compile(pattern), limit) for pattern, limit in routes]

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.routes:
            if pattern.match(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, BodyTooLarge(limit))
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge as error:
            if started:
                raise
            await _refuse(send, error)


async def _refuse(send: Send, error: BodyTooLarge) -> None:
    body = json.dumps({"error": error.code, "message": error.message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
