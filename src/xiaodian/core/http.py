"""HTTP plumbing: rendering errors (the request's dependencies are in `xiaodian.deps`)."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from xiaodian.core.bodylimit import BodyTooLarge
from xiaodian.core.db import is_retryable_db_error
from xiaodian.core.errors import ShopError
from xiaodian.core.outage import RETRY_AFTER_SECONDS, is_connection_lost

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrameworkError:
    """An answer this module renders itself (not a `ShopError`): listed in docs/errors.md."""

    code: str
    status: str
    message: str
    when: str


VALIDATION = FrameworkError(
    "validation_error", "422", "请求参数有误", "a body, query or path fails validation"
)
CONFLICT = FrameworkError(
    "conflict", "409", "数据已被修改，请刷新后重试", "a unique index refused a write"
)
BUSY = FrameworkError("busy", "503", "系统繁忙，请稍后重试", "a deadlock or lock timeout")
UNAVAILABLE = FrameworkError(
    "service_unavailable", "503", "服务暂时不可用，请稍后重试", "the database is out of reach"
)
INTERNAL = FrameworkError("internal_error", "500", "系统错误，请稍后重试", "a bug")
OTHER_HTTP = FrameworkError("http_error", "4xx", "", "any other HTTP error (its own message)")
_HTTP_STATUS: dict[int, FrameworkError] = {
    400: FrameworkError("bad_request", "400", "请求有误", "a request the framework cannot read"),
    401: FrameworkError("unauthorized", "401", "请先登录", "an HTTP 401"),
    403: FrameworkError("forbidden", "403", "没有权限", "an HTTP 403 (also /metrics)"),
    404: FrameworkError("not_found", "404", "没有找到", "no such route"),
    405: FrameworkError(
        "method_not_allowed", "405", "不支持的请求方法", "a route without that method"
    ),
    413: FrameworkError("payload_too_large", "413", "内容太大", "a body over the route's limit"),
    415: FrameworkError(
        "unsupported_media_type", "415", "不支持的内容类型", "a body of the wrong type"
    ),
}
FRAMEWORK_ERRORS: tuple[FrameworkError, ...] = (
    VALIDATION,
    CONFLICT,
    BUSY,
    UNAVAILABLE,
    INTERNAL,
    OTHER_HTTP,
    *_HTTP_STATUS.values(),
)


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


def shop_error_response(error: ShopError) -> JSONResponse:
    """How every `ShopError` is answered (also by `flash.fastpath`, before routing)."""
    headers = (
        {"Retry-After": str(getattr(error, "retry_after_seconds", 1))}
        if error.status_code in (429, 503)
        else None
    )
    return JSONResponse(error.to_dict(), status_code=error.status_code, headers=headers)


async def _on_shop_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ShopError)
    return shop_error_response(error)


async def _on_validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    details = [
        {
            "loc": [str(part) for part in item.get("loc", ())],
            "msg": str(item.get("msg", "")),
            "type": str(item.get("type", "")),
        }
        for item in error.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": ""}
    where = ".".join(p for p in first["loc"] if p not in ("body", "query", "path"))
    message = f"{VALIDATION.message}: {where} {first['msg']}".strip()
    return _error(422, VALIDATION.code, message, details=details)


async def _on_http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    known = _HTTP_STATUS.get(error.status_code)
    code, message = (known.code, known.message) if known else (OTHER_HTTP.code, str(error.detail))
    if isinstance(error, BodyTooLarge):
        code, message = error.code, error.message
    return JSONResponse(
        {"error": code, "message": message},
        status_code=error.status_code,
        headers=getattr(error, "headers", None),
    )


def note_database_unreachable(request: Request, error: BaseException) -> None:
    """Count the failure in this process's outage (logged once per outage, never per request)."""
    context = getattr(request.app.state, "context", None)
    if context is not None:
        context.db.outage.failed(error)


def service_unavailable() -> JSONResponse:
    """The database is out of reach: a short outage the client should simply retry."""
    return JSONResponse(
        {"error": UNAVAILABLE.code, "message": UNAVAILABLE.message},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _on_connection_error(request: Request, error: Exception) -> JSONResponse:
    """A socket error no driver wrapped (asyncpg's connect): the database is unreachable."""
    note_database_unreachable(request, error)
    return service_unavailable()


async def _on_db_error(request: Request, error: Exception) -> JSONResponse:
    if is_connection_lost(error):
        note_database_unreachable(request, error)
        return service_unavailable()
    if isinstance(error, IntegrityError):
        log.warning("integrity error reached the handler: %s", error.orig)
        return _error(409, CONFLICT.code, CONFLICT.message)
    if is_retryable_db_error(error):
        return JSONResponse(
            {"error": BUSY.code, "message": BUSY.message},
            status_code=503,
            headers={"Retry-After": "1"},
        )
    log.exception("database error", exc_info=error)
    return _error(500, INTERNAL.code, INTERNAL.message)


async def _on_unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    return _error(500, INTERNAL.code, INTERNAL.message)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ShopError, _on_shop_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(DBAPIError, _on_db_error)
    # Registered by class (not under Exception) so that the answer is final: Starlette re-raises
    # whatever its catch-all handler saw, and the server would log a traceback per request.
    app.add_exception_handler(ConnectionError, _on_connection_error)
    app.add_exception_handler(socket.gaierror, _on_connection_error)
    app.add_exception_handler(Exception, _on_unexpected)
