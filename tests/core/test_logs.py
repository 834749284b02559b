"""Nothing secret in the logs: a shopper login, a WeChat payment and a refund (through the
simulator) logged at DEBUG leave no AppSecret, login code, token, key or password in any line
or record; and the filter on our handler catches secrets from loggers turned up on purpose."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.conftest import TEST_SECRET
from tests.payments.helpers import buyer_confirms, order_status, prepay, settle
from xiaodian.context import AppContext
from xiaodian.core.logs import configure_logging
from xiaodian.models import User

LEAKY_PARAMETER = re.compile(r"(?i)\b(secret|js_code|password|token)=(?!\[redacted\])")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class CapturedLogs:
    """What our handler wrote, and every record as a handler after ours sees it."""

    stream: io.StringIO = field(default_factory=io.StringIO)
    after: _Records = field(default_factory=_Records)

    def everything(self) -> str:
        parts = [self.stream.getvalue()]
        for record in self.after.records:
            parts += [record.getMessage(), record.exc_text or "", str(record.__dict__)]
        return "\n".join(parts)


@pytest.fixture
def debug_logs() -> Iterator[CapturedLogs]:
    """The app's own logging set-up (JSON lines) at DEBUG, restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    named = ("uvicorn.access", "httpx", "httpcore", "aiosqlite", "sqlalchemy", "python_multipart")
    saved_levels = {name: logging.getLogger(name).level for name in named}
    captured = CapturedLogs()
    configure_logging(json_lines=True, level="DEBUG")
    ours = root.handlers[0]
    assert isinstance(ours, logging.StreamHandler)
    ours.setStream(captured.stream)
    root.addHandler(captured.after)
    try:
        yield captured
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


async def _login(client: httpx.AsyncClient, context: AppContext, openid: str) -> list[str]:
    """Log a shopper in; returns the code, the token and the session key WeChat handed out."""
    code = await factories.login_code(client, context, openid)
    response = await client.post("/api/v1/auth/wx-login", json={"code": code})
    assert response.status_code == 200, response.text
    async with context.db.transaction(write=False) as session:
        session_key = await session.scalar(select(User.session_key).where(User.openid == openid))
    assert session_key
    return [code, response.json()["token"], session_key]


def _configured_secrets(context: AppContext) -> list[str]:
    settings = context.settings
    pems = [settings.wechat_pay_private_key_pem, settings.alipay_app_private_key_pem]
    for path in (settings.wechat_pay_private_key_path, settings.alipay_app_private_key_path):
        if path is not None:
            pems.append(path.read_text())
    pem_lines = [
        line for pem in pems for line in pem.splitlines() if line and not line.startswith("-----")
    ]
    values = [
        TEST_SECRET,
        settings.secret_key,
        settings.wechat_pay_apiv3_key,
        settings.wechat_pay_v2_key,
        *pem_lines,
    ]
    return [value for value in values if value]


async def _login_pay_and_refund(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> list[str]:
    """The whole money path; returns every secret value that passed through it."""
    shopper = await _login(client, context, "log-watcher")
    headers = {"Authorization": f"Bearer {shopper[1]}"}
    goods = await factories.make_goods(context, stock=5, prices=[1990])
    address_id = await factories.address(client, headers)
    order = await factories.place_order(
        client, headers, sku_id=goods["sku_ids"][0], address_id=address_id
    )
    await buyer_confirms(context, await prepay(client, headers, order["id"]))
    await settle(app)
    assert await order_status(client, headers, order["id"]) == "paid"
    requested = await client.post(
        f"/api/v1/orders/{order['id']}/refund", headers=headers, json={"reason": "不要了"}
    )
    assert requested.status_code == 200, requested.text
    admin = await factories.merchant(client, context)
    refund = (await client.get("/api/admin/v1/refunds", headers=admin)).json()["items"][0]
    approved = await client.post(f"/api/admin/v1/refunds/{refund['id']}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    await settle(app)
    assert await order_status(client, headers, order["id"]) == "refunded"
    admin_token = admin["Authorization"].removeprefix("Bearer ")
    return [*shopper, admin_token, "password123", *_configured_secrets(context)]


async def test_login_payment_and_refund_logged_at_debug_leave_no_secret_in_any_record(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, debug_logs: CapturedLogs
) -> None:
    logging.getLogger("xiaodian.test").debug("capture is on")
    secrets = await _login_pay_and_refund(app, client, context)
    written = debug_logs.everything()
    assert "capture is on" in debug_logs.stream.getvalue()
    leaked = [secret for secret in secrets if secret in written]
    assert leaked == []
    assert LEAKY_PARAMETER.search(written) is None


async def test_a_request_url_logged_by_httpx_at_debug_has_its_secret_and_code_redacted(
    client: httpx.AsyncClient, context: AppContext, debug_logs: CapturedLogs
) -> None:
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # someone turns it up to debug WeChat
    code, token, session_key = await _login(client, context, "log-debugger")
    lines = [json.loads(line) for line in debug_logs.stream.getvalue().splitlines()]
    urls = [line["message"] for line in lines if "jscode2session" in line["message"]]
    assert urls, "httpx did not log the jscode2session request"
    assert "secret=[redacted]" in urls[0] and "js_code=[redacted]" in urls[0]
    assert "appid=" + context.settings.wechat_appid in urls[0]  # the rest stays readable
    written = debug_logs.everything()
    assert [value for value in (TEST_SECRET, code, token, session_key) if value in written] == []


def test_headers_bearer_tokens_json_fields_keys_and_tracebacks_are_redacted(
    context: AppContext, debug_logs: CapturedLogs
) -> None:
    log = logging.getLogger("xiaodian.test")
    log.info("calling with %s", {"Authorization": "Bearer abcdef123456", "Accept": "*/*"})
    log.info("request headers:\nAuthorization: Bearer zyxwvu987654\nHost: shop.example.com")
    log.info('body {"password": "hunter2-hunter2", "username": "boss"}')
    log.info("form username=boss&password=p%40ssw0rd&csrf_token=abcdefghij")
    log.warning("a setting", extra={"token": "tok-123456789", "api_key": "k-123456789"})
    log.info('login {"code": "0a3Jwa0w3bQ9xX1pN2kL"} refused: code=INVALID_REQUEST errcode=40029')
    log.info("refund code=ORDER_CLOSED", extra={"code": "out_of_stock"})
    try:
        raise RuntimeError(f"wechat refused secret {TEST_SECRET}")
    except RuntimeError:
        log.exception("failed with the key %s", context.settings.wechat_pay_apiv3_key)
    written = debug_logs.everything()
    for value in (
        "abcdef123456",
        "zyxwvu987654",
        "hunter2-hunter2",
        "p%40ssw0rd",
        "abcdefghij",
        "tok-123456789",
        "k-123456789",
        "0a3Jwa0w3bQ9xX1pN2kL",
        TEST_SECRET,
        context.settings.wechat_pay_apiv3_key,
    ):
        assert value not in written, value
    assert "username=boss" in written and "shop.example.com" in written
    for vocabulary in (
        "code=INVALID_REQUEST",
        "errcode=40029",
        "code=ORDER_CLOSED",
        "out_of_stock",
    ):
        assert vocabulary in written, vocabulary  # error codes are not secrets
    assert "RuntimeError" in written  # the traceback is kept, only the secret is gone
