"""Errors as people in a browser should meet them: a login page when signed out, a page that
says what went wrong (403, 404, 409 …), or, under htmx, a toast on the page they are on."""

from __future__ import annotations

import logging
import socket
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from xiaodian.console.rendering import base_path, is_htmx, render, toast
from xiaodian.core.db import is_retryable_db_error
from xiaodian.core.errors import ShopError, Unauthorized
from xiaodian.core.http import note_database_unreachable
from xiaodian.core.outage import RETRY_AFTER_SECONDS, is_connection_lost

log = logging.getLogger(__name__)

_TITLES = {
    400: "请求有误",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的操作",
    409: "操作未完成",
    413: "内容太大",
    422: "填写有误",
    429: "操作太频繁",
    500: "系统错误",
    503: "系统繁忙",
}


def _login_url(request: Request) -> str:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET" or is_htmx(request):
        target = request.headers.get("hx-current-url", "") or base_path(request) + "/"
    return f"{base_path(request)}/login?{urlencode({'next': target})}"


def error_page(request: Request, status_code: int, message: str) -> Response:
    if is_htmx(request):
        response = Response(status_code=status_code)
        return toast(response, message, kind="error")
    return render(
        request,
        "error.html",
        status_code=status_code,
        status=status_code,
        title=_TITLES.get(status_code, "出错了"),
        message=message,
    )


async def _on_shop_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ShopError)
    if isinstance(error, Unauthorized):
        login = _login_url(request)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": login})
        return Response(status_code=303, headers={"Location": login})
    return error_page(request, error.status_code, error.message)


async def _on_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    path_problem = any(item.get("loc", ("",))[0] == "path" for item in error.errors())
    if path_problem:
        return error_page(request, 404, "没有找到这个页面，它可能已被删除")
    return error_page(request, 422, "请求参数有误，请返回重试")


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    message = "没有找到这个页面" if error.status_code == 404 else str(error.detail)
    return error_page(request, error.status_code, message)


def _unavailable(request: Request, error: Exception) -> Response:
    note_database_unreachable(request, error)
    response = error_page(request, 503, "服务暂时不可用，请稍后重试")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def _on_connection_error(request: Request, error: Exception) -> Response:
    return _unavailable(request, error)


async def _on_db_error(request: Request, error: Exception) -> Response:
    if is_connection_lost(error):
        return _unavailable(request, error)
    if isinstance(error, IntegrityError):
        log.warning("integrity error in the console: %s", error.orig)
        return error_page(request, 409, "数据已被修改，请刷新后重试")
    if is_retryable_db_error(error):
        return error_page(request, 503, "系统繁忙，请稍后重试")
    log.exception("database error in the console", exc_info=error)
    return error_page(request, 500, "系统错误，请稍后重试")


async def _on_unexpected(request: Request, error: Exception) -> Response:
    log.exception("unhandled error in the console", exc_info=error)
    return error_page(request, 500, "系统错误，请稍后重试")


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(ShopError, _on_shop_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(DBAPIError, _on_db_error)
    app.add_exception_handler(ConnectionError, _on_connection_error)  # see core.http
    app.add_exception_handler(socket.gaierror, _on_connection_error)
    app.add_exception_handler(Exception, _on_unexpected)
