"""WeChat Pay API v2 (legacy XML) client: unifiedorder, orderquery, closeorder, refund.

Requests are flat ``<xml>`` documents signed with MD5 or HMAC-SHA256 (``sign_type`` in the
config); replies with ``return_code=SUCCESS`` must carry a valid signature. Retries follow the
v3 client: at most 3 attempts on timeout / 5xx / 429 / ``SYSTEMERROR`` with the very same
body, and a query before re-sending after an ambiguous failure. A real refund needs the
merchant's client certificate: pass ``refund_http``, an httpx client built with
``cert=config.client_cert`` (the simulator needs none).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from xiaodian.core import clock
from xiaodian.integrations.retry import (
    RETRYABLE_STATUSES,
    RetriesExhaustedError,
    RetryPolicy,
    Sleep,
    TransientError,
    call_with_retries,
    send_once,
)
from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.crypto import V2SignType
from xiaodian.integrations.wechat.pay_errors import (
    NETWORK_ERROR,
    InvalidNotification,
    UnverifiedResponseError,
    WeChatPayError,
    WeChatPayUnavailable,
)
from xiaodian.integrations.wechat.pay_types import (
    Refund,
    Transaction,
    fen_field,
    format_compact_time,
)

DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"
RETURN_FAIL = "RETURN_FAIL"
_TRANSIENT_ERR_CODES = frozenset({"SYSTEMERROR", "BIZERR_NEED_RETRY", "FREQUENCY_LIMITED"})


@dataclass(frozen=True)
class WeChatPayV2Config:
    appid: str
    mchid: str
    api_key: str = field(repr=False)
    notify_url: str
    sign_type: V2SignType = "MD5"
    refund_notify_url: str | None = None
    base_url: str = DEFAULT_BASE_URL
    # (certificate path, key path) for /secapi/pay/refund; give it to the refund httpx client.
    client_cert: tuple[str, str] | None = None
    spbill_create_ip: str = "127.0.0.1"
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def notify_reply(*, success: bool = True, message: str = "OK") -> str:
    """The XML answer to a v2 notification (``FAIL`` makes WeChat Pay send it again)."""
    return crypto.to_xml({"return_code": "SUCCESS" if success else "FAIL", "return_msg": message})


def _first_refund(query_reply: Mapping[str, str]) -> dict[str, str]:
    """A refundquery reply (``out_refund_no_0``, …) in the shape of a refund reply."""
    flat = {key[:-2]: value for key, value in query_reply.items() if key.endswith("_0")}
    return {**query_reply, **flat}


def _refund_from_v2(data: Mapping[str, str]) -> Refund:
    def number(name: str) -> int | None:
        try:
            return fen_field(data.get(name))
        except ValueError:
            return None

    status = data.get("refund_status", "PROCESSING")
    return Refund(
        out_refund_no=data.get("out_refund_no", ""),
        refund_id=data.get("refund_id") or None,
        status="CLOSED" if status == "REFUNDCLOSE" else status,
        refund_fen=number("refund_fee"),
        total_fen=number("total_fee"),
        out_trade_no=data.get("out_trade_no") or None,
        success_time=None,
        raw=dict(data),
    )


class WeChatPayV2:
    """Calls WeChat Pay API v2 for one merchant."""

    def __init__(
        self,
        config: WeChatPayV2Config,
        http: httpx.AsyncClient,
        *,
        refund_http: httpx.AsyncClient | None = None,
        now: Callable[[], datetime] = clock.now,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self._http = http
        self._refund_http = refund_http or http
        self._now = now
        self._sleep = sleep
        self._base_url = config.base_url.rstrip("/")

    async def unified_order(
        self,
        *,
        out_trade_no: str,
        body: str,
        total_fen: int,
        openid: str,
        spbill_create_ip: str | None = None,
        time_expire: datetime | None = None,
        attach: str | None = None,
    ) -> str:
        """Create (or find again) the JSAPI order and return its ``prepay_id``."""
        if isinstance(total_fen, bool) or not isinstance(total_fen, int) or total_fen <= 0:
            raise ValueError("total_fen must be a positive integer")
        fields = {
            "body": body,
            "out_trade_no": out_trade_no,
            "total_fee": str(total_fen),
            "spbill_create_ip": spbill_create_ip or self.config.spbill_create_ip,
            "notify_url": self.config.notify_url,
            "trade_type": "JSAPI",
            "openid": openid,
            "time_expire": format_compact_time(time_expire) if time_expire else None,
            "attach": attach,
        }

        async def reconcile() -> dict[str, str] | None:
            found = await self._probe("/pay/orderquery", {"out_trade_no": out_trade_no})
            state = (found or {}).get("trade_state")
            if state in ("SUCCESS", "REFUND"):
                raise WeChatPayError("ORDERPAID", "该订单已支付")
            if state in ("CLOSED", "REVOKED"):
                raise WeChatPayError("ORDERCLOSED", "订单已关闭")
            return None

        reply = await self._call("/pay/unifiedorder", fields, reconcile=reconcile)
        prepay_id = reply.get("prepay_id", "")
        if not prepay_id:
            raise UnverifiedResponseError("no prepay_id in the reply", http_status=200)
        return prepay_id

    async def order_query(self, out_trade_no: str) -> Transaction:
        reply = await self._call("/pay/orderquery", {"out_trade_no": out_trade_no})
        try:
            return Transaction.from_v2(reply)
        except ValueError as error:  # signed, but not a usable answer
            raise UnverifiedResponseError("malformed orderquery reply", http_status=200) from error

    async def close_order(self, out_trade_no: str) -> None:
        """Close an unpaid order; an already closed order counts as closed."""
        try:
            await self._call("/pay/closeorder", {"out_trade_no": out_trade_no})
        except WeChatPayError as error:
            if error.code != "ORDERCLOSED":
                raise

    async def refund(
        self,
        *,
        out_trade_no: str,
        out_refund_no: str,
        total_fen: int,
        refund_fen: int,
        reason: str | None = None,
    ) -> Refund:
        """Ask for a refund (status PROCESSING); the same ``out_refund_no`` refunds only once."""
        if not 0 < refund_fen <= total_fen:
            raise ValueError("refund_fen must be positive and at most total_fen")
        fields = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "total_fee": str(total_fen),
            "refund_fee": str(refund_fen),
            "refund_desc": reason,
            "notify_url": self.config.refund_notify_url,
        }

        async def reconcile() -> dict[str, str] | None:
            found = await self._probe("/pay/refundquery", {"out_refund_no": out_refund_no})
            if found is None or found.get("out_refund_no_0") != out_refund_no:
                return None
            return _first_refund(found)

        reply = await self._call(
            "/secapi/pay/refund", fields, reconcile=reconcile, http=self._refund_http
        )
        return _refund_from_v2(reply)

    async def refund_query(self, out_refund_no: str) -> Refund:
        reply = await self._call("/pay/refundquery", {"out_refund_no": out_refund_no})
        return _refund_from_v2(_first_refund(reply))

    def request_payment_params(self, prepay_id: str) -> dict[str, str]:
        """The arguments for ``wx.requestPayment`` under v2 (paySign with the API key)."""
        timestamp = str(int(self._now().timestamp()))
        nonce = crypto.new_nonce(32)
        package = f"prepay_id={prepay_id}"
        pay_sign = crypto.pay_sign_v2(
            appid=self.config.appid,
            timestamp=timestamp,
            nonce=nonce,
            package=package,
            api_key=self.config.api_key,
            sign_type=self.config.sign_type,
        )
        return {
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": self.config.sign_type,
            "paySign": pay_sign,
        }

    def parse_notification(
        self, body: bytes | str, *, sign_type: V2SignType | None = None
    ) -> Transaction:
        """Verify a payment notification signed with the order's sign type (the config's).

        Raises InvalidNotification for bad XML, a declared sign type other than the order's,
        a missing or wrong signature, or another appid / mch_id.
        """
        expected = sign_type or self.config.sign_type
        try:
            data = crypto.from_xml(body)
        except crypto.CryptoError as error:
            raise InvalidNotification(str(error)) from error
        declared = data.get("sign_type") or expected
        if declared != expected:
            raise InvalidNotification(f"signed with {declared}, the order uses {expected}")
        if data.get("return_code") != "SUCCESS":
            raise InvalidNotification("return_code is not SUCCESS")
        if not crypto.v2_verify(data, self.config.api_key, expected):
            raise InvalidNotification("bad signature")
        if data.get("appid") != self.config.appid or data.get("mch_id") != self.config.mchid:
            raise InvalidNotification("appid or mch_id does not match")
        if not data.get("out_trade_no"):
            raise InvalidNotification("no out_trade_no", code="invalid_resource")
        try:
            return Transaction.from_v2(data)
        except ValueError as error:  # total_fee "1800.0", a time_end that is not a time …
            raise InvalidNotification(
                "total_fee, cash_fee or time_end malformed", code="invalid_resource"
            ) from error

    # --- internals ---------------------------------------------------------------------------

    def _signed_body(self, fields: Mapping[str, str | None]) -> bytes:
        params: dict[str, str] = {
            "appid": self.config.appid,
            "mch_id": self.config.mchid,
            "nonce_str": crypto.new_nonce(32),
            "sign_type": self.config.sign_type,
        }
        params.update({key: value for key, value in fields.items() if value})
        params["sign"] = crypto.v2_sign(params, self.config.api_key, self.config.sign_type)
        return crypto.to_xml(params).encode()

    async def _call(
        self,
        path: str,
        fields: Mapping[str, str | None],
        *,
        reconcile: Callable[[], Awaitable[dict[str, str] | None]] | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> dict[str, str]:
        body = self._signed_body(fields)
        try:
            return await call_with_retries(
                lambda: self._attempt(path, body, http or self._http),
                policy=self.config.retry,
                sleep=self._sleep,
                reconcile=reconcile,
            )
        except RetriesExhaustedError as exhausted:
            last = exhausted.last
            code = last.code or (NETWORK_ERROR if last.status is None else "SYSTEMERROR")
            raise WeChatPayUnavailable(
                code,
                last.reason,
                http_status=last.status,
                attempts=exhausted.attempts,
                ambiguous=last.ambiguous,
            ) from exhausted

    async def _probe(self, path: str, fields: Mapping[str, str]) -> dict[str, str] | None:
        try:
            return await self._attempt(path, self._signed_body(fields), self._http)
        except TransientError:
            return None
        except UnverifiedResponseError:
            raise
        except WeChatPayError:
            return None

    async def _attempt(self, path: str, body: bytes, http: httpx.AsyncClient) -> dict[str, str]:
        request = http.build_request(
            "POST", self._base_url + path, content=body, headers={"Content-Type": "text/xml"}
        )
        response = await send_once(http, request, timeout_seconds=self.config.retry.timeout_seconds)
        status = response.status_code
        if status in RETRYABLE_STATUSES:
            raise TransientError(f"HTTP {status}", ambiguous=False, status=status)
        try:
            data = crypto.from_xml(response.content)
        except crypto.CryptoError as error:
            raise UnverifiedResponseError(f"bad XML reply: {error}", http_status=status) from error
        if data.get("return_code") != "SUCCESS":
            message = data.get("return_msg", "")
            raise WeChatPayError(RETURN_FAIL, message, http_status=status)
        if not crypto.v2_verify(data, self.config.api_key, self.config.sign_type):
            raise UnverifiedResponseError("missing or bad reply signature", http_status=status)
        if data.get("result_code") != "SUCCESS":
            code = data.get("err_code", "FAIL")
            message = data.get("err_code_des", "")
            if code in _TRANSIENT_ERR_CODES:
                raise TransientError(f"{code}: {message}", ambiguous=True, status=status, code=code)
            raise WeChatPayError(code, message, http_status=status)
        return data
