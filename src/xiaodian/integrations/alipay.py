"""Alipay OpenAPI client (RSA2) over an injected httpx client, and notification verification.

Covers ``alipay.trade.create`` (JSAPI_PAY with a buyer id, for Alipay mini programs),
``alipay.trade.query``, ``alipay.trade.close``, ``alipay.trade.refund``,
``alipay.trade.fastpay.refund.query`` and the app-pay order string (``alipay.trade.app.pay``,
no server call). Amounts go over the wire as yuan strings converted exactly from integer fen.
Successful replies must be signed over the exact raw ``…_response`` text; calls are retried at
most 3 times (timeout / 5xx / 429 / ACQ.SYSTEM_ERROR), and after an ambiguous failure create
and refund query first. The gateway is configuration (production, sandbox or our simulator).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from xiaodian.core import clock
from xiaodian.integrations import alipay_sign
from xiaodian.integrations.alipay_sign import fen_to_yuan, yuan_to_fen
from xiaodian.integrations.retry import (
    RETRYABLE_STATUSES,
    RetriesExhaustedError,
    RetryPolicy,
    Sleep,
    TransientError,
    call_with_retries,
    send_once,
)
from xiaodian.integrations.wechat.crypto import load_private_key, load_public_key, rsa_verify

__all__ = [
    "DEFAULT_GATEWAY",
    "NOTIFY_ACK_BODY",
    "AlipayClient",
    "AlipayConfig",
    "AlipayError",
    "AlipayNotification",
    "AlipayRefund",
    "AlipayTrade",
    "AlipayUnavailable",
    "InvalidAlipayNotification",
    "check_notification",
    "fen_to_yuan",
    "yuan_to_fen",
]

DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
NOTIFY_ACK_BODY = "success"  # plain text answer to an applied notification
_TRANSIENT_SUB_CODES = frozenset({"ACQ.SYSTEM_ERROR", "isp.unknow-error", "aop.ACQ.SYSTEM_ERROR"})


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    app_private_key_pem: str = field(repr=False)
    alipay_public_key_pem: str
    notify_url: str | None = None
    seller_id: str | None = None
    gateway: str = DEFAULT_GATEWAY
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class AlipayError(Exception):
    """Alipay refused a call: ``code`` is the gateway code, ``sub_code`` the business reason."""

    def __init__(
        self,
        code: str,
        sub_code: str | None,
        message: str,
        *,
        http_status: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(f"{code}/{sub_code}: {message}")
        self.code = code
        self.sub_code = sub_code
        self.message = message
        self.http_status = http_status
        self.retryable = retryable


class AlipayUnavailable(AlipayError):
    """Still failing after every allowed attempt; ``ambiguous`` means query before assuming."""

    def __init__(self, message: str, *, http_status: int | None, attempts: int, ambiguous: bool):
        super().__init__("NETWORK_ERROR", None, message, http_status=http_status, retryable=True)
        self.attempts = attempts
        self.ambiguous = ambiguous


class AlipayResponseError(AlipayError):
    """A reply that is unsigned, wrongly signed or malformed: never trust its content."""

    def __init__(self, reason: str, *, http_status: int | None) -> None:
        super().__init__("INVALID_RESPONSE", None, reason, http_status=http_status)


class InvalidAlipayNotification(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AlipayTrade:
    out_trade_no: str
    trade_no: str | None
    trade_status: str | None
    total_fen: int | None
    buyer_id: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_reply(cls, data: Mapping[str, Any]) -> AlipayTrade:
        total = data.get("total_amount")
        return cls(
            out_trade_no=str(data.get("out_trade_no", "")),
            trade_no=data.get("trade_no") or None,
            trade_status=data.get("trade_status") or None,
            total_fen=yuan_to_fen(total) if isinstance(total, str) and total else None,
            buyer_id=data.get("buyer_user_id") or data.get("buyer_open_id") or None,
            raw=dict(data),
        )


@dataclass(frozen=True)
class AlipayRefund:
    out_trade_no: str
    out_request_no: str
    refund_fen: int
    status: str | None  # REFUND_SUCCESS once the money moved
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class AlipayNotification:
    """A verified async notification; the raw (URL-decoded) form fields are in ``fields``."""

    fields: Mapping[str, str]

    @property
    def notify_id(self) -> str:
        return self.fields.get("notify_id", "")

    @property
    def out_trade_no(self) -> str:
        return self.fields.get("out_trade_no", "")

    @property
    def trade_no(self) -> str:
        return self.fields.get("trade_no", "")

    @property
    def trade_status(self) -> str:
        return self.fields.get("trade_status", "")

    @property
    def total_fen(self) -> int:
        return yuan_to_fen(self.fields.get("total_amount", ""))

    @property
    def is_paid(self) -> bool:
        return self.fields.get("trade_status") in ("TRADE_SUCCESS", "TRADE_FINISHED")


def check_notification(
    notification: AlipayNotification,
    *,
    app_id: str,
    out_trade_no: str,
    total_fen: int,
    seller_id: str | None = None,
) -> None:
    """Raise InvalidAlipayNotification unless it is about our order, for its amount."""
    fields = notification.fields
    if fields.get("app_id") != app_id:
        raise InvalidAlipayNotification("app_id does not match")
    if fields.get("out_trade_no") != out_trade_no:
        raise InvalidAlipayNotification("out_trade_no does not match")
    try:
        amount = notification.total_fen
    except ValueError as error:
        raise InvalidAlipayNotification("total_amount is not an amount") from error
    if amount != total_fen:
        raise InvalidAlipayNotification("total_amount does not match the order")
    if seller_id is not None and fields.get("seller_id") != seller_id:
        raise InvalidAlipayNotification("seller_id does not match")


class AlipayClient:
    def __init__(
        self,
        config: AlipayConfig,
        http: httpx.AsyncClient,
        *,
        now: Callable[[], datetime] = clock.now,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self._http = http
        self._now = now
        self._sleep = sleep
        self._private_key = load_private_key(config.app_private_key_pem)
        self._alipay_key = load_public_key(config.alipay_public_key_pem)

    async def create_trade(
        self,
        *,
        out_trade_no: str,
        total_fen: int,
        subject: str,
        buyer_id: str | None = None,
        buyer_open_id: str | None = None,
        time_expire: datetime | None = None,
    ) -> AlipayTrade:
        """``alipay.trade.create`` (JSAPI_PAY) for an Alipay mini-program buyer; gives trade_no."""
        if (buyer_id is None) == (buyer_open_id is None):
            raise ValueError("give exactly one of buyer_id and buyer_open_id")
        if total_fen <= 0:
            raise ValueError("total_fen must be positive")
        biz: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "total_amount": fen_to_yuan(total_fen),
            "subject": subject,
            "product_code": "JSAPI_PAY",
            "op_app_id": self.config.app_id,
        }
        biz.update({"buyer_id": buyer_id} if buyer_id else {"buyer_open_id": buyer_open_id})
        if time_expire is not None:
            biz["time_expire"] = self._shop_time(time_expire)

        async def reconcile() -> dict[str, Any] | None:
            found = await self._probe("alipay.trade.query", {"out_trade_no": out_trade_no})
            status = (found or {}).get("trade_status")
            if status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                raise AlipayError("40004", "ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
            if status == "TRADE_CLOSED":
                raise AlipayError("40004", "ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
            return found if status == "WAIT_BUYER_PAY" else None

        reply = await self._call("alipay.trade.create", biz, reconcile=reconcile, notify=True)
        return AlipayTrade.from_reply(reply)

    async def query_trade(self, out_trade_no: str) -> AlipayTrade:
        reply = await self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        try:
            return AlipayTrade.from_reply(reply)
        except ValueError as error:  # signed, but total_amount is not an amount
            raise AlipayResponseError("malformed trade query reply", http_status=200) from error

    async def close_trade(self, out_trade_no: str) -> None:
        await self._call("alipay.trade.close", {"out_trade_no": out_trade_no})

    async def refund(
        self, *, out_trade_no: str, out_request_no: str, refund_fen: int, reason: str | None = None
    ) -> AlipayRefund:
        """Refund part or all of a trade; the same ``out_request_no`` refunds only once."""
        if refund_fen <= 0:
            raise ValueError("refund_fen must be positive")
        biz = {
            "out_trade_no": out_trade_no,
            "out_request_no": out_request_no,
            "refund_amount": fen_to_yuan(refund_fen),
        }
        if reason:
            biz["refund_reason"] = reason

        async def reconcile() -> dict[str, Any] | None:
            found = await self._probe("alipay.trade.fastpay.refund.query", biz)
            return found if found and found.get("refund_amount") else None

        reply = await self._call("alipay.trade.refund", biz, reconcile=reconcile)
        status = reply.get("refund_status", "REFUND_SUCCESS")
        return AlipayRefund(out_trade_no, out_request_no, refund_fen, status, reply)

    async def query_refund(self, *, out_trade_no: str, out_request_no: str) -> AlipayRefund:
        """The refund's state; ``status`` is None while Alipay knows no such refund."""
        reply = await self._call(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": out_trade_no, "out_request_no": out_request_no},
        )
        amount = reply.get("refund_amount")
        refund_fen = yuan_to_fen(amount) if isinstance(amount, str) and amount else 0
        status = reply.get("refund_status") or ("REFUND_SUCCESS" if refund_fen else None)
        return AlipayRefund(out_trade_no, out_request_no, refund_fen, status, reply)

    def app_pay_order_string(
        self,
        *,
        out_trade_no: str,
        total_fen: int,
        subject: str,
        time_expire: datetime | None = None,
    ) -> str:
        """The signed order string an app passes to the Alipay SDK (no server call)."""
        biz: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "total_amount": fen_to_yuan(total_fen),
            "subject": subject,
            "product_code": "QUICK_MSECURITY_PAY",
        }
        if time_expire is not None:
            biz["time_expire"] = self._shop_time(time_expire)
        return urlencode(self._signed_params("alipay.trade.app.pay", biz, notify=True))

    def verify_notification(self, form: Mapping[str, str]) -> AlipayNotification:
        """Check an async notification's RSA2 signature, app_id, and that it names a trade
        and carries a well-formed total_amount; raise otherwise.

        The caller still checks out_trade_no / total_amount / seller_id against its records
        (``check_notification``) and answers ``NOTIFY_ACK_BODY``.
        """
        fields = {key: str(value) for key, value in form.items()}
        if fields.get("sign_type", "RSA2") != "RSA2":
            raise InvalidAlipayNotification("only RSA2 is accepted")
        if not fields.get("sign"):
            raise InvalidAlipayNotification("unsigned notification")
        source = alipay_sign.notification_sign_source(fields)
        if not rsa_verify(self._alipay_key, source, fields["sign"]):
            raise InvalidAlipayNotification("bad signature")
        if fields.get("app_id") != self.config.app_id:
            raise InvalidAlipayNotification("app_id does not match")
        if not fields.get("out_trade_no"):
            raise InvalidAlipayNotification("no out_trade_no")
        try:
            yuan_to_fen(fields.get("total_amount", ""))
        except ValueError as error:  # "18e2", "１８.00", "" …: signed, but not an amount
            raise InvalidAlipayNotification("total_amount is not an amount") from error
        return AlipayNotification(fields)

    # --- internals ---------------------------------------------------------------------------

    def _shop_time(self, moment: datetime) -> str:
        return clock.to_shop_time(moment).strftime("%Y-%m-%d %H:%M:%S")

    def _signed_params(
        self, method: str, biz: Mapping[str, Any], *, notify: bool = False
    ) -> dict[str, str]:
        params = {
            "app_id": self.config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": self._shop_time(self._now()),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        if notify and self.config.notify_url:
            params["notify_url"] = self.config.notify_url
        params["sign"] = alipay_sign.sign_request(params, self._private_key)
        return params

    async def _call(
        self,
        method: str,
        biz: Mapping[str, Any],
        *,
        reconcile: Callable[[], Awaitable[dict[str, Any] | None]] | None = None,
        notify: bool = False,
    ) -> dict[str, Any]:
        params = self._signed_params(method, biz, notify=notify)
        try:
            return await call_with_retries(
                lambda: self._attempt(method, params),
                policy=self.config.retry,
                sleep=self._sleep,
                reconcile=reconcile,
            )
        except RetriesExhaustedError as exhausted:
            last = exhausted.last
            raise AlipayUnavailable(
                last.reason,
                http_status=last.status,
                attempts=exhausted.attempts,
                ambiguous=last.ambiguous,
            ) from exhausted

    async def _probe(self, method: str, biz: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            return await self._attempt(method, self._signed_params(method, biz))
        except TransientError:
            return None
        except AlipayResponseError:
            raise
        except AlipayError:
            return None

    async def _attempt(self, method: str, params: Mapping[str, str]) -> dict[str, Any]:
        request = self._http.build_request("POST", self.config.gateway, data=dict(params))
        response = await send_once(
            self._http, request, timeout_seconds=self.config.retry.timeout_seconds
        )
        status = response.status_code
        if status in RETRYABLE_STATUSES:
            raise TransientError(f"HTTP {status}", ambiguous=False, status=status)
        try:
            raw, data, sign = alipay_sign.signed_response(response.content.decode(), method)
        except ValueError as error:
            raise AlipayResponseError(f"malformed reply: {error}", http_status=status) from error
        if raw is None:
            raise AlipayResponseError("no response member in the reply", http_status=status)
        code = str(data.get("code", ""))
        signed = sign is not None and rsa_verify(self._alipay_key, raw, sign)
        if (sign is not None or code == "10000") and not signed:
            raise AlipayResponseError("missing or bad reply signature", http_status=status)
        if code == "10000":
            return data
        sub_code = data.get("sub_code")
        message = str(data.get("sub_msg") or data.get("msg") or "")
        if code == "20000" or sub_code in _TRANSIENT_SUB_CODES:
            raise TransientError(f"{code}/{sub_code}: {message}", ambiguous=True, status=status)
        raise AlipayError(code, sub_code, message, http_status=status)
