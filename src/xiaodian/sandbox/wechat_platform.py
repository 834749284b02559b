"""The platform half of the WeChat simulator: access tokens (/token and stable_token),
shipping-info upload, subscribe messages, msg_sec_check v2, getwxacodeunlimit, and Kuaidi100's
query, answering as PROTOCOLS-2.md describes, errors and limits included.

Test hooks (control endpoints under /wechat/platform/…): count calls, expire or revoke the
current token, make the next calls of one API answer an errcode, read what was received.
`RISKY_PHRASE` in a text makes msg_sec_check answer `risky`, `REVIEW_PHRASE` `review`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
import time
import zlib
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

RISKY_PHRASE = "违禁测试词"
REVIEW_PHRASE = "待审测试词"
TOKEN_SECONDS = 7200
OVERLAP_SECONDS = 300
FORCE_REFRESH_PER_DAY = 20
FORCE_REFRESH_GAP_SECONDS = 30
SHARE_CODES_PER_MINUTE = 5000
SCENE_CHARS = set(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$&'()*+,/:;=?@-._~"
)
VALUE_LIMITS = {"thing": 20, "number": 32, "character_string": 32, "phrase": 5, "name": 10}
KUAIDI_MIN_GAP_SECONDS = 30 * 60


def _png(width: int, seed: bytes) -> bytes:
    """A small valid grey PNG whose pixels depend on the seed (a stand-in for the code)."""
    side = 8
    rows = b"".join(
        b"\x00" + bytes(seed[(y * side + x) % len(seed)] for x in range(side)) for y in range(side)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass
class _Token:
    value: str
    expires_at: float
    stable: bool


@dataclass
class PlatformSimulator:
    appid: str
    secret: str
    kuaidi_customer: str = "sandbox-customer"
    kuaidi_key: str = "sandbox-key"
    tokens: dict[str, _Token] = field(default_factory=dict)
    stable_current: str | None = None
    plain_current: str | None = None
    force_refreshes: list[float] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    faults: dict[str, list[int]] = field(default_factory=dict)
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    minute_calls: dict[str, list[float]] = field(default_factory=dict)
    kuaidi_last: dict[str, float] = field(default_factory=dict)
    kuaidi_polls: dict[str, int] = field(default_factory=dict)
    unsubscribed: set[tuple[str, str]] = field(default_factory=set)
    errors_as_text: bool = False
    kuaidi_strict: bool = True
    """Lock a waybill queried again within 30 minutes, as Kuaidi100 does."""
    text_checks_per_minute: int = 4000
    messages_per_minute: int = 30_000_000 // (24 * 60)
    """The daily quota of apps with payment, spread over the day (a test lowers it)."""

    def clear(self) -> None:
        self.tokens.clear()
        self.stable_current = self.plain_current = None
        self.force_refreshes.clear()
        self.calls.clear()
        self.faults.clear()
        self.received.clear()
        self.minute_calls.clear()
        self.kuaidi_last.clear()
        self.kuaidi_polls.clear()
        self.unsubscribed.clear()
        self.kuaidi_strict = True
        self.errors_as_text = False
        self.text_checks_per_minute = 4000
        self.messages_per_minute = 30_000_000 // (24 * 60)

    def _count(self, api: str) -> None:
        self.calls[api] = self.calls.get(api, 0) + 1

    def _fault(self, api: str) -> int | None:
        queue = self.faults.get(api)
        return queue.pop(0) if queue else None

    def _mint(self, *, stable: bool) -> _Token:
        token = _Token(secrets.token_urlsafe(48), time.time() + TOKEN_SECONDS, stable)
        self.tokens[token.value] = token
        return token

    def _credentials(self, appid: str, secret: str, grant_type: str) -> dict[str, Any] | None:
        if appid != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if not secrets.compare_digest(secret.encode(), self.secret.encode()):
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if grant_type != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        return None

    def plain_token(self, *, appid: str, secret: str, grant_type: str) -> dict[str, Any]:
        """/cgi-bin/token: every call makes a new token; the previous one lives 5 more minutes."""
        self._count("token")
        error = self._credentials(appid, secret, grant_type)
        if error:
            return error
        now = time.time()
        if self.plain_current and self.plain_current in self.tokens:
            old = self.tokens[self.plain_current]
            old.expires_at = min(old.expires_at, now + OVERLAP_SECONDS)
        token = self._mint(stable=False)
        self.plain_current = token.value
        return {"access_token": token.value, "expires_in": TOKEN_SECONDS}

    def stable_token(self, body: dict[str, Any]) -> dict[str, Any]:
        """stable_token: the same token while valid (renewed 5 minutes before expiry);
        force_refresh makes a new one (20 a day, 30 s apart) and ends the old one."""
        self._count("stable_token")
        fault = self._fault("stable_token")
        if fault is not None:
            return {"errcode": fault, "errmsg": "simulated"}
        error = self._credentials(
            str(body.get("appid", "")), str(body.get("secret", "")), str(body.get("grant_type"))
        )
        if error:
            return error
        now = time.time()
        current = self.tokens.get(self.stable_current or "")
        if body.get("force_refresh"):
            recent = [t for t in self.force_refreshes if t > now - 86400]
            if len(recent) >= FORCE_REFRESH_PER_DAY:
                return {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
            if recent and now - recent[-1] < FORCE_REFRESH_GAP_SECONDS:
                return {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
            recent.append(now)
            self.force_refreshes = recent
            if current is not None:
                self.tokens.pop(current.value, None)
            current = None
        if current is None or current.expires_at - now < OVERLAP_SECONDS:
            if current is not None:
                current.expires_at = min(current.expires_at, now + OVERLAP_SECONDS)
            current = self._mint(stable=True)
            self.stable_current = current.value
        return {"access_token": current.value, "expires_in": int(current.expires_at - now)}

    def check_token(self, token: str) -> dict[str, Any] | None:
        found = self.tokens.get(token)
        if found is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        if found.expires_at <= time.time():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def expire_current(self, *, revoke: bool) -> None:
        """Make the current stable token answer 42001 (expired) or 40001 (revoked)."""
        current = self.tokens.get(self.stable_current or "")
        if current is None:
            return
        if revoke:
            self.tokens.pop(current.value)
        else:
            current.expires_at = time.time() - 1

    def per_minute(self, api: str, limit: int) -> bool:
        now = time.time()
        recent = [t for t in self.minute_calls.get(api, []) if t > now - 60]
        recent.append(now)
        self.minute_calls[api] = recent
        return len(recent) > limit

    def begin(self, api: str, token: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """Common part of every token-carrying call: count, check the token, injected faults."""
        self._count(api)
        refused = self.check_token(token)
        if refused:
            return refused
        self.received.setdefault(api, []).append(body)
        fault = self._fault(api)
        if fault is not None:
            return {"errcode": fault, "errmsg": _ERRMSG.get(fault, "simulated error")}
        return None

    def upload_shipping(self, body: dict[str, Any]) -> dict[str, Any]:
        shipping_list = body.get("shipping_list")
        if not isinstance(shipping_list, list) or not 1 <= len(shipping_list) <= 15:
            return {"errcode": 47001, "errmsg": "data format error: shipping_list"}
        key = body.get("order_key") or {}
        if not isinstance(key, dict) or key.get("order_number_type") not in (1, 2):
            return {"errcode": 47001, "errmsg": "data format error: order_key"}
        if body.get("logistics_type") not in (1, 2, 3, 4):
            return {"errcode": 47001, "errmsg": "data format error: logistics_type"}
        if not (body.get("payer") or {}).get("openid"):
            return {"errcode": 47001, "errmsg": "data format error: payer"}
        for item in shipping_list:
            if body.get("logistics_type") == 1:
                number = str(item.get("tracking_no", ""))
                if not 1 <= len(number.encode()) <= 128 or not item.get("express_company"):
                    return {"errcode": 47001, "errmsg": "data format error: tracking_no"}
            contact = item.get("contact") or {}
            phone = str(contact.get("receiver_contact", ""))
            if phone and ("*" not in phone or "*" in phone[-4:]):
                return {"errcode": 47001, "errmsg": "data format error: receiver_contact mask"}
        return {"errcode": 0, "errmsg": "ok"}

    def subscribe_send(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.per_minute("subscribe_send", self.messages_per_minute):
            return {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
        openid = str(body.get("touser", ""))
        template = str(body.get("template_id", ""))
        if not openid:
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if not template:
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        if (openid, template) in self.unsubscribed:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        page = str(body.get("page", ""))
        if page.startswith("/"):
            return {"errcode": 41030, "errmsg": "invalid page"}
        data = body.get("data")
        if not isinstance(data, dict) or not data:
            return {"errcode": 47003, "errmsg": "argument invalid! data is empty"}
        for name, item in data.items():
            value = str((item or {}).get("value", "")) if isinstance(item, dict) else ""
            kind = name.rstrip("0123456789")
            limit = VALUE_LIMITS.get(kind)
            if not value or (limit is not None and len(value) > limit):
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{name}.value invalid"}
        return {"errcode": 0, "errmsg": "ok"}

    def text_check(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.per_minute("msg_sec_check", self.text_checks_per_minute):
            return {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
        if body.get("version") != 2:
            return {"errcode": 47001, "errmsg": "data format error: version"}
        if body.get("scene") not in (1, 2, 3, 4):
            return {"errcode": 40129, "errmsg": "invalid scene"}
        if not body.get("openid"):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        content = str(body.get("content", "")) + str(body.get("nickname", ""))
        if not content:
            return {"errcode": 44002, "errmsg": "empty post data"}
        if len(str(body.get("content", ""))) > 2500:
            return {"errcode": 47001, "errmsg": "data format error: content too long"}
        if RISKY_PHRASE in content:
            suggest, label = "risky", 20006
        elif REVIEW_PHRASE in content:
            suggest, label = "review", 21000
        else:
            suggest, label = "pass", 100
        return {
            "errcode": 0,
            "errmsg": "ok",
            "trace_id": secrets.token_hex(12),
            "result": {"suggest": suggest, "label": label},
            "detail": [
                {"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}
            ],
        }

    def share_code(self, body: dict[str, Any]) -> dict[str, Any] | bytes:
        if self.per_minute("getwxacodeunlimit", SHARE_CODES_PER_MINUTE):
            return {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
        scene = str(body.get("scene", ""))
        if not 1 <= len(scene) <= 32 or not set(scene) <= SCENE_CHARS:
            return {"errcode": 40169, "errmsg": "invalid length for scene"}
        page = str(body.get("page", ""))
        if page.startswith("/") or "?" in page:
            return {"errcode": 41030, "errmsg": "invalid page"}
        width = int(body.get("width") or 430)
        if not 280 <= width <= 1280:
            return {"errcode": 47001, "errmsg": "data format error: width"}
        return _png(width, hashlib.sha256(f"{page}?{scene}".encode()).digest())

    def kuaidi_query(self, customer: str, param: str, signature: str) -> dict[str, Any]:
        self._count("kuaidi100")
        expected = hashlib.md5((param + self.kuaidi_key + customer).encode()).hexdigest()  # noqa: S324
        if customer != self.kuaidi_customer or signature != expected.upper():
            return {"result": False, "returnCode": "601", "message": "验证签名失败"}
        try:
            fields = json.loads(param)
        except ValueError:
            return {"result": False, "returnCode": "400", "message": "参数错误"}
        number = str(fields.get("num", ""))
        company = str(fields.get("com", ""))
        if not 6 <= len(number) <= 32 or not company:
            return {"result": False, "returnCode": "400", "message": "找不到对应公司或单号错误"}
        now = time.time()
        last = self.kuaidi_last.get(number)
        if last is not None and now - last < KUAIDI_MIN_GAP_SECONDS and self.kuaidi_strict:
            return {"result": False, "returnCode": "503", "message": "查询过于频繁，单号已锁定"}
        self.kuaidi_last[number] = now
        polls = self.kuaidi_polls.get(number, 0) + 1
        self.kuaidi_polls[number] = polls
        stations = [
            "【上海】快件已揽收",
            "【上海】已发往杭州转运中心",
            "【杭州】派件员正在派件",
            "已签收，签收人：本人",
        ]
        seen = stations[: min(polls, len(stations))]
        states = ["1", "0", "5", "3"]
        data = [
            {"time": f"2026-12-0{index + 1} 10:00:00", "context": text}
            for index, text in enumerate(seen)
        ]
        data.reverse()
        return {
            "message": "ok",
            "state": states[len(seen) - 1],
            "status": "200",
            "condition": "F00",
            "ischeck": "1" if len(seen) == len(stations) else "0",
            "com": company,
            "nu": number,
            "data": data,
        }


_ERRMSG = {
    -1: "system error",
    43101: "user refuse to accept the msg",
    47003: "argument invalid!",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit",
    10060001: "支付单不存在",
    10060031: "支付单不属于该用户",
    47001: "data format error",
}


class FaultRequest(BaseModel):
    api: str
    errcodes: list[int]


class ExpireRequest(BaseModel):
    revoke: bool = False


class UnsubscribeRequest(BaseModel):
    openid: str
    template_id: str


def platform_router(simulator: PlatformSimulator) -> APIRouter:
    router = APIRouter()

    async def _body(request: Request) -> dict[str, Any] | None:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return None
        try:
            value = json.loads(await request.body())
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def _bad_format() -> dict[str, Any]:
        return {"errcode": 47001, "errmsg": "data format error"}

    @router.get("/cgi-bin/token")
    async def token(
        grant_type: Annotated[str, Query()] = "",
        appid: Annotated[str, Query()] = "",
        secret: Annotated[str, Query()] = "",
    ) -> dict[str, Any]:
        return simulator.plain_token(appid=appid, secret=secret, grant_type=grant_type)

    @router.post("/cgi-bin/stable_token")
    async def stable_token(request: Request) -> dict[str, Any]:
        body = await _body(request)
        return simulator.stable_token(body) if body is not None else _bad_format()

    async def _with_token(api: str, request: Request, token: str) -> dict[str, Any]:
        body = await _body(request)
        if body is None:
            simulator._count(api)
            return _bad_format()
        refused = simulator.begin(api, token, body)
        if refused is not None:
            return refused
        return body

    @router.post("/wxa/sec/order/upload_shipping_info")
    async def upload(request: Request, access_token: str = "") -> dict[str, Any]:
        body = await _with_token("upload_shipping_info", request, access_token)
        return body if "errcode" in body else simulator.upload_shipping(body)

    @router.post("/cgi-bin/message/subscribe/send")
    async def subscribe_send(request: Request, access_token: str = "") -> dict[str, Any]:
        body = await _with_token("subscribe_send", request, access_token)
        return body if "errcode" in body else simulator.subscribe_send(body)

    @router.post("/wxa/msg_sec_check")
    async def msg_sec_check(request: Request, access_token: str = "") -> dict[str, Any]:
        body = await _with_token("msg_sec_check", request, access_token)
        return body if "errcode" in body else simulator.text_check(body)

    @router.post("/wxa/getwxacodeunlimit", response_model=None)
    async def share_code(request: Request, access_token: str = "") -> Response:
        body = await _with_token("getwxacodeunlimit", request, access_token)
        answer = body if "errcode" in body else simulator.share_code(body)
        if isinstance(answer, bytes):
            return Response(answer, media_type="image/png")
        if simulator.errors_as_text:  # WeChat's JSON errors sometimes come as text/plain
            return Response(json.dumps(answer).encode(), media_type="text/plain")
        return JSONResponse(answer)

    @router.post("/poll/query.do")
    async def kuaidi(
        customer: Annotated[str, Form()] = "",
        param: Annotated[str, Form()] = "",
        sign: Annotated[str, Form()] = "",
    ) -> dict[str, Any]:
        fault = simulator._fault("kuaidi100")
        if fault is not None:
            simulator._count("kuaidi100")
            return {"result": False, "returnCode": str(fault), "message": "simulated"}
        return simulator.kuaidi_query(customer, param, sign)

    # ---- control (tests, the demo) ----

    @router.get("/wechat/platform/stats", tags=["sandbox control"])
    async def stats() -> dict[str, Any]:
        return {"calls": simulator.calls, "received": simulator.received}

    @router.post("/wechat/platform/faults", tags=["sandbox control"])
    async def faults(body: FaultRequest) -> dict[str, Any]:
        simulator.faults.setdefault(body.api, []).extend(body.errcodes)
        return {"ok": True}

    @router.post("/wechat/platform/expire-token", tags=["sandbox control"])
    async def expire(body: ExpireRequest) -> dict[str, Any]:
        simulator.expire_current(revoke=body.revoke)
        return {"ok": True}

    @router.post("/wechat/platform/unsubscribe", tags=["sandbox control"])
    async def unsubscribe(body: UnsubscribeRequest) -> dict[str, Any]:
        simulator.unsubscribed.add((body.openid, body.template_id))
        return {"ok": True}

    @router.post("/wechat/platform/reset", tags=["sandbox control"])
    async def reset() -> dict[str, Any]:
        simulator.clear()
        return {"ok": True}

    return router
