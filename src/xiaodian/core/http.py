"""HTTP plumbing: rendering errors (the request's dependencies are in `xiaodian.deps`)."""

from __future__ import annotations

import logging
import socket
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

_HTTP_CODES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限"),
    404: ("not_found", "没有找到"),
    405: ("method_not_allowed", "不支持的请求方法"),
    413: ("payload_too_large", "内容太大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
}


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


async def _on_shop_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ShopError)
    headers = (
        {"Retry-After": str(getattr(error, "retry_after_seconds", 1))}
        if error.status_code in (429, 503)
        else None
    )
    return JSONResponse(error.to_dict(), status_code=error.status_code, headers=headers)


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
    message = f"请求参数有误: {where} {first['msg']}".strip()
    return _error(422, "validation_error", message, details=details)


async def _on_http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code, message = _HTTP_CODES.get(error.status_code, ("http_error", str(error.detail)))
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
        {"error": "service_unavailable", "message": "服务暂时不可用，请稍后重试"},
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
        return _error(409, "conflict", "数据已被修改，请刷新后重试")
    if is_retryable_db_error(error):
        return JSONResponse(
            {"error": "busy", "message": "系统繁忙，请稍后重试"},
            status_code=503,
            headers={"Retry-After": "1"},
        )
    log.exception("database error", exc_info=error)
    return _error(500, "internal_error", "系统错误，请稍后重试")


async def _on_unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    return _error(500, "internal_error", "系统错误，请稍后重试")


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
