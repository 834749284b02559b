"""WeChat Pay API v3 client (direct merchant, JSAPI / mini program) over an injected httpx client.

Every request is signed (``Authorization: WECHATPAY2-SHA256-RSA2048 …``) over exactly the bytes
sent, every response signature is verified (an unsigned 2xx is refused), and calls are retried
at most 3 times on timeout / 5xx / 429 with the same parameters. After an ambiguous timeout,
``jsapi_prepay`` queries the order and ``refund`` queries the refund before sending again.
The base URL is configuration: the real ``https://api.mch.weixin.qq.com`` or the simulator.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

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
from xiaodian.integrations.wechat.pay_errors import (
    NETWORK_ERROR,
    UnverifiedResponseError,
    WeChatPayError,
    WeChatPayUnavailable,
)
from xiaodian.integrations.wechat.pay_resources import parsed_reply
from xiaodian.integrations.wechat.pay_types import (
    Notification,
    PlatformCertificate,
    Refund,
    Transaction,
    format_rfc3339,
    parse_rfc3339,
)
from xiaodian.integrations.wechat.pay_v3_notify import (
    NOTIFY_ACK_STATUS,
    PlatformVerifier,
    check_transaction,
    notify_failure_body,
    parse_notification,
    timestamp_fresh,
)

__all__ = [
    "NOTIFY_ACK_STATUS",
    "PlatformVerifier",
    "WeChatPayV3",
    "WeChatPayV3Config",
    "check_transaction",
    "notify_failure_body",
]

DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"
USER_AGENT = "xiaodian-pay/1.0"


@dataclass(frozen=True)
class WeChatPayV3Config:
    appid: str
    mchid: str
    merchant_private_key_pem: str = field(repr=False)
    merchant_serial: str
    apiv3_key: str = field(repr=False)
    # serial → PEM (certificate or public key); hex certificate serials and/or PUB_KEY_ID_….
    platform_keys: Mapping[str, str]
    notify_url: str
    refund_notify_url: str | None = None
    base_url: str = DEFAULT_BASE_URL
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    tolerance_seconds: int = 300


@dataclass(frozen=True)
class _Reply:
    status: int
    data: dict[str, Any]
    response: httpx.Response


def _error_from(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return body["code"], str(body.get("message", ""))
    return f"HTTP_{response.status_code}", response.text[:200]


class WeChatPayV3:
    """Calls WeChat Pay API v3 for one merchant; share one instance per process."""

    def __init__(
        self,
        config: WeChatPayV3Config,
        http: httpx.AsyncClient,
        *,
        now: Callable[[], datetime] = clock.now,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self.verifier = PlatformVerifier(config.platform_keys)
        self._http = http
        self._now = now
        self._sleep = sleep
        self._private_key = crypto.load_private_key(config.merchant_private_key_pem)
        self._base_url = config.base_url.rstrip("/")

    # --- calls -----------------------------------------------------------------------------

    async def jsapi_prepay(
        self,
        *,
        out_trade_no: str,
        description: str,
        total_fen: int,
        payer_openid: str,
        time_expire: datetime | None = None,
        attach: str | None = None,
    ) -> str:
        """Create (or find again) the JSAPI order and return its ``prepay_id``.

        The same ``out_trade_no`` with the same parameters returns the same prepay_id, so a
        retry never creates a second order; after an ambiguous timeout the order is queried
        first (paid → ORDERPAID, closed → ORDER_CLOSED).
        """
        if isinstance(total_fen, bool) or not isinstance(total_fen, int) or total_fen <= 0:
            raise ValueError("total_fen must be a positive integer")
        payload: dict[str, Any] = {
            "appid": self.config.appid,
            "mchid": self.config.mchid,
            "description": description,
            "out_trade_no": out_trade_no,
        }
        if time_expire is not None:
            payload["time_expire"] = format_rfc3339(time_expire)
        if attach is not None:
            payload["attach"] = attach
        payload["notify_url"] = self.config.notify_url
        payload["amount"] = {"total": total_fen, "currency": "CNY"}
        payload["payer"] = {"openid": payer_openid}

        async def reconcile() -> _Reply | None:
            found = await self._probe(self._order_url(out_trade_no))
            if found is None:
                return None
            state = str(found.data.get("trade_state", ""))
            if state in ("SUCCESS", "REFUND"):
                raise WeChatPayError("ORDERPAID", "该订单已支付", http_status=found.status)
            if state in ("CLOSED", "REVOKED"):
                raise WeChatPayError("ORDER_CLOSED", "订单已关闭", http_status=found.status)
            return None  # not paid yet: the same parameters return the same prepay_id

        reply = await self._call("POST", "/v3/pay/transactions/jsapi", payload, reconcile=reconcile)
        prepay_id = reply.data.get("prepay_id")
        if not isinstance(prepay_id, str) or not prepay_id:
            raise UnverifiedResponseError("no prepay_id in the reply", http_status=reply.status)
        return prepay_id

    async def query_by_out_trade_no(self, out_trade_no: str) -> Transaction:
        reply = await self._call("GET", self._order_url(out_trade_no))
        return parsed_reply(Transaction.from_v3, reply.data, status=reply.status)

    async def close(self, out_trade_no: str) -> None:
        """Close an unpaid order (204). Closing twice succeeds; a paid order gives ORDERPAID."""
        path = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close"
        await self._call("POST", path, {"mchid": self.config.mchid})

    async def refund(
        self,
        *,
        out_refund_no: str,
        refund_fen: int,
        total_fen: int,
        out_trade_no: str | None = None,
        transaction_id: str | None = None,
        reason: str | None = None,
    ) -> Refund:
        """Ask for a refund; repeating the same ``out_refund_no`` refunds only once.

        After an ambiguous timeout the refund is queried and returned if it already exists.
        """
        if (out_trade_no is None) == (transaction_id is None):
            raise ValueError("give exactly one of out_trade_no and transaction_id")
        if not 0 < refund_fen <= total_fen:
            raise ValueError("refund_fen must be positive and at most total_fen")
        payload: dict[str, Any] = (
            {"transaction_id": transaction_id}
            if transaction_id is not None
            else {"out_trade_no": out_trade_no}
        )
        payload["out_refund_no"] = out_refund_no
        if reason:
            payload["reason"] = reason
        if self.config.refund_notify_url:
            payload["notify_url"] = self.config.refund_notify_url
        payload["amount"] = {"refund": refund_fen, "total": total_fen, "currency": "CNY"}

        async def reconcile() -> _Reply | None:
            return await self._probe(self._refund_url(out_refund_no))

        reply = await self._call(
            "POST", "/v3/refund/domestic/refunds", payload, reconcile=reconcile
        )
        return parsed_reply(Refund.from_v3, reply.data, status=reply.status)

    async def query_refund(self, out_refund_no: str) -> Refund:
        reply = await self._call("GET", self._refund_url(out_refund_no))
        return parsed_reply(Refund.from_v3, reply.data, status=reply.status)

    async def download_certificates(self, *, install: bool = True) -> list[PlatformCertificate]:
        """Fetch and decrypt the platform certificates (associated data ``certificate``).

        The reply is verified with an already trusted key or, on first use, with the
        certificate it carries (which the APIv3 key authenticates). ``install`` adds them
        to the verifier.
        """
        reply = await self._call("GET", "/v3/certificates", verify=False)
        certificates: list[PlatformCertificate] = []
        candidates = PlatformVerifier()
        for item in reply.data.get("data", []):
            sealed = item["encrypt_certificate"]
            try:
                pem = crypto.aes_gcm_decrypt(
                    self.config.apiv3_key,
                    nonce=sealed["nonce"],
                    associated_data=sealed.get("associated_data", ""),
                    ciphertext_b64=sealed["ciphertext"],
                ).decode()
            except crypto.CryptoError as error:
                raise UnverifiedResponseError(str(error), http_status=reply.status) from error
            serial = crypto.normalize_serial(item["serial_no"])
            if crypto.normalize_serial(crypto.certificate_serial(pem)) != serial:
                raise UnverifiedResponseError(
                    "certificate serial mismatch", http_status=reply.status
                )
            candidates.add(serial, pem)
            certificates.append(
                PlatformCertificate(
                    serial_no=serial,
                    certificate_pem=pem,
                    effective_time=parse_rfc3339(item.get("effective_time")),
                    expire_time=parse_rfc3339(item.get("expire_time")),
                )
            )
        serial = reply.response.headers.get("wechatpay-serial", "")
        key = self.verifier.key_for(serial) or candidates.key_for(serial)
        self._check_signature(reply.response, key)
        if install:
            for certificate in certificates:
                self.verifier.add(certificate.serial_no, certificate.certificate_pem)
        return certificates

    def request_payment_params(self, prepay_id: str) -> dict[str, str]:
        """The arguments for ``wx.requestPayment`` (signType RSA, paySign by the merchant key)."""
        timestamp = str(int(self._now().timestamp()))
        nonce = crypto.new_nonce(32)
        package = f"prepay_id={prepay_id}"
        pay_sign = crypto.pay_sign_v3(
            self._private_key,
            appid=self.config.appid,
            timestamp=timestamp,
            nonce=nonce,
            package=package,
        )
        return {
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": pay_sign,
        }

    def parse_notification(self, headers: Mapping[str, str], body: bytes | str) -> Notification:
        """Verify and decrypt a callback; raise InvalidNotification (answer 4xx) otherwise.

        Refuses another signature type, an unknown serial, a timestamp more than
        ``tolerance_seconds`` from now, a bad signature, another algorithm, and anything
        that does not decrypt with the APIv3 key.
        """
        return parse_notification(
            headers,
            body,
            verifier=self.verifier,
            apiv3_key=self.config.apiv3_key,
            now=self._now(),
            tolerance_seconds=self.config.tolerance_seconds,
        )

    # --- internals ---------------------------------------------------------------------------

    def _order_url(self, out_trade_no: str) -> str:
        query = urlencode({"mchid": self.config.mchid})
        return f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?{query}"

    @staticmethod
    def _refund_url(out_refund_no: str) -> str:
        return f"/v3/refund/domestic/refunds/{quote(out_refund_no, safe='')}"

    def _timestamp_fresh(self, timestamp: str) -> bool:
        return timestamp_fresh(
            timestamp, now=self._now(), tolerance_seconds=self.config.tolerance_seconds
        )

    async def _call(
        self,
        method: str,
        url: str,
        payload: Mapping[str, Any] | None = None,
        *,
        reconcile: Callable[[], Awaitable[_Reply | None]] | None = None,
        verify: bool = True,
    ) -> _Reply:
        body = (
            b""
            if payload is None
            else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        )
        try:
            return await call_with_retries(
                lambda: self._attempt(method, url, body, verify=verify),
                policy=self.config.retry,
                sleep=self._sleep,
                reconcile=reconcile,
            )
        except RetriesExhaustedError as exhausted:
            last = exhausted.last
            code = last.code or (NETWORK_ERROR if last.status is None else "SYSTEM_ERROR")
            raise WeChatPayUnavailable(
                code,
                last.reason,
                http_status=last.status,
                attempts=exhausted.attempts,
                ambiguous=last.ambiguous,
            ) from exhausted

    async def _probe(self, url: str) -> _Reply | None:
        """One GET used to reconcile after an ambiguous failure; None if it tells us nothing."""
        try:
            return await self._attempt("GET", url, b"", verify=True)
        except TransientError:
            return None
        except UnverifiedResponseError:
            raise
        except WeChatPayError:
            return None

    async def _attempt(self, method: str, url: str, body: bytes, *, verify: bool) -> _Reply:
        authorization = crypto.build_authorization(
            private_key=self._private_key,
            mchid=self.config.mchid,
            serial_no=self.config.merchant_serial,
            method=method,
            url=url,
            body=body,
            timestamp=str(int(self._now().timestamp())),
            nonce=crypto.new_nonce(32),
        )
        headers = {
            "Authorization": authorization.header_value(),
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if body:
            headers["Content-Type"] = "application/json"
        request = self._http.build_request(
            method, self._base_url + url, content=body or None, headers=headers
        )
        response = await send_once(
            self._http, request, timeout_seconds=self.config.retry.timeout_seconds
        )
        status = response.status_code
        if status in RETRYABLE_STATUSES:
            code, message = _error_from(response)
            raise TransientError(
                f"{status} {code}: {message}", ambiguous=False, status=status, code=code
            )
        if verify:
            self._verify_response(response)
        if status >= 400:
            code, message = _error_from(response)
            raise WeChatPayError(code, message, http_status=status, retryable=False)
        try:
            data = response.json() if response.content else {}
        except ValueError as error:
            raise UnverifiedResponseError("the reply is not JSON", http_status=status) from error
        if not isinstance(data, dict):
            raise UnverifiedResponseError("the reply is not a JSON object", http_status=status)
        return _Reply(status, data, response)

    def _verify_response(self, response: httpx.Response) -> None:
        serial = response.headers.get("wechatpay-serial", "")
        if not serial and not response.is_success:
            return  # an unsigned error reply: we only learn that the call failed
        self._check_signature(response, self.verifier.key_for(serial))

    def _check_signature(self, response: httpx.Response, key: rsa.RSAPublicKey | None) -> None:
        status = response.status_code
        timestamp = response.headers.get("wechatpay-timestamp", "")
        nonce = response.headers.get("wechatpay-nonce", "")
        signature = response.headers.get("wechatpay-signature", "")
        if not (timestamp and nonce and signature):
            raise UnverifiedResponseError("unsigned response", http_status=status)
        if key is None:
            raise UnverifiedResponseError(
                "response signed with an unknown serial", http_status=status
            )
        if not self._timestamp_fresh(timestamp):
            raise UnverifiedResponseError(
                "response timestamp outside the window", http_status=status
            )
        if not crypto.verify_response(
            key, timestamp=timestamp, nonce=nonce, body=response.content, signature=signature
        ):
            raise UnverifiedResponseError("bad response signature", http_status=status)
