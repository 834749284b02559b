"""WeChat server APIs beyond login and pay: the access_token (stable_token), shipping-info
upload, subscribe messages, content security (msg_sec_check v2) and share codes
(getwxacodeunlimit). Errors arrive as HTTP 200 with `{errcode, errmsg}` (PROTOCOLS-2.md §2).

The access_token is shared by every process through the cache: one refresh at a time (a lock
in the cache), refreshed before it expires, and a call answered 40001/42001 drops the token it
used (only if nobody replaced it meanwhile), fetches a new one and is retried once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

log = logging.getLogger(__name__)

TOKEN_INVALID = 40001
TOKEN_EXPIRED = 42001
USER_REFUSED = 43101
TEMPLATE_PARAM_INVALID = 47003
DAILY_QUOTA = 45009
MINUTE_QUOTA = 45011
REFRESH_MARGIN_SECONDS = 300
"""A token with less than this left is refreshed (stable_token renews 5 minutes early)."""
LOCK_SECONDS = 10.0
WAIT_FOR_PEER_SECONDS = 6.0


class TokenCache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None: ...

    async def add(self, key: str, value: bytes, *, ttl_seconds: float) -> bool: ...

    async def delete(self, *keys: str) -> None: ...


class WeChatApiError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, api: str, errcode: int, errmsg: str) -> None:
        super().__init__(f"{api} errcode {errcode}: {errmsg}")
        self.api = api
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatPlatformUnreachable(Exception):
    """No usable answer (timeout, connection refused, not JSON)."""


@dataclass(frozen=True)
class Platform:
    """Where and as whom to call: the base URL, the app's credentials and the shared cache."""

    http: httpx.AsyncClient
    cache: TokenCache
    base_url: str
    appid: str
    secret: str

    @property
    def _token_key(self) -> str:
        return f"wechat:access_token:{self.appid}"


async def _post_json(
    platform: Platform, path: str, body: dict[str, Any], **params: str
) -> httpx.Response:
    try:
        response = await platform.http.post(
            f"{platform.base_url}{path}",
            params=params,
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
        )
    except httpx.HTTPError as error:
        raise WeChatPlatformUnreachable(f"{path}: {type(error).__name__}") from error
    if response.status_code >= 500:
        raise WeChatPlatformUnreachable(f"{path}: HTTP {response.status_code}")
    return response


def _json(path: str, response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as error:
        raise WeChatPlatformUnreachable(f"{path}: not JSON") from error
    if not isinstance(body, dict):
        raise WeChatPlatformUnreachable(f"{path}: not an object")
    return body


def _is_json(response: httpx.Response) -> bool:
    """WeChat's JSON sometimes comes as text/plain: look at the body too (an image never
    starts with "{")."""
    kind = response.headers.get("content-type", "")
    return "json" in kind or response.content.lstrip()[:1] == b"{"


def _raise_for_errcode(api: str, body: dict[str, Any]) -> None:
    errcode = int(body.get("errcode") or 0)
    if errcode != 0:
        raise WeChatApiError(api, errcode, str(body.get("errmsg", "")))


# ---- access_token ------------------------------------------------------------------------


async def _fetch_stable_token(platform: Platform, *, force_refresh: bool) -> tuple[str, int]:
    path = "/cgi-bin/stable_token"
    response = await _post_json(
        platform,
        path,
        {
            "grant_type": "client_credential",
            "appid": platform.appid,
            "secret": platform.secret,
            "force_refresh": force_refresh,
        },
    )
    body = _json(path, response)
    _raise_for_errcode("stable_token", body)
    token = body.get("access_token")
    expires_in = int(body.get("expires_in") or 0)
    if not isinstance(token, str) or not token or expires_in <= 0:
        raise WeChatPlatformUnreachable("stable_token answered without a token")
    return token, expires_in


async def _cached_token(platform: Platform) -> tuple[str, float] | None:
    raw = await platform.cache.get(platform._token_key)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
        return str(value["token"]), float(value["expires_at"])
    except (ValueError, KeyError, TypeError):
        return None


async def access_token(platform: Platform, *, not_this: str | None = None) -> str:
    """The app's access_token, shared by every process through the cache.

    `not_this` is a token WeChat just refused (40001/42001): it is dropped from the cache
    unless another process already replaced it, and a new one is fetched (forced when
    stable_token would hand back the same one)."""
    deadline = time.monotonic() + WAIT_FOR_PEER_SECONDS
    while True:
        cached = await _cached_token(platform)
        if (
            cached is not None
            and cached[0] != not_this
            and cached[1] - time.time() > REFRESH_MARGIN_SECONDS
        ):
            return cached[0]
        lock = f"{platform._token_key}:lock"
        if await platform.cache.add(lock, b"1", ttl_seconds=LOCK_SECONDS):
            try:
                cached = await _cached_token(platform)  # a peer may have refreshed meanwhile
                if (
                    cached is not None
                    and cached[0] != not_this
                    and cached[1] - time.time() > REFRESH_MARGIN_SECONDS
                ):
                    return cached[0]
                token, expires_in = await _fetch_stable_token(platform, force_refresh=False)
                if token == not_this:
                    token, expires_in = await _fetch_stable_token(platform, force_refresh=True)
                expires_at = time.time() + expires_in
                await platform.cache.set(
                    platform._token_key,
                    json.dumps({"token": token, "expires_at": expires_at}).encode(),
                    ttl_seconds=max(expires_in - REFRESH_MARGIN_SECONDS // 2, 1),
                )
                return token
            finally:
                await platform.cache.delete(lock)
        if time.monotonic() > deadline:
            # the peer holding the lock is stuck: use what is cached if it is still valid
            if cached is not None and cached[0] != not_this and cached[1] > time.time():
                return cached[0]
            raise WeChatPlatformUnreachable("access_token: another process holds the refresh")
        await asyncio.sleep(0.05)


async def call(platform: Platform, api: str, path: str, body: dict[str, Any]) -> httpx.Response:
    """POST `body` with the access_token; on 40001/42001 refresh the token and retry once.
    Returns the raw response (share codes are image bytes); JSON errcodes other than the
    token's are the caller's to read."""
    token = await access_token(platform)
    for attempt in range(2):
        response = await _post_json(platform, path, body, access_token=token)
        if _is_json(response):
            answer = _json(path, response)
            errcode = int(answer.get("errcode") or 0)
            if errcode in (TOKEN_INVALID, TOKEN_EXPIRED) and attempt == 0:
                log.warning("%s: access_token refused (%d), refreshing once", api, errcode)
                token = await access_token(platform, not_this=token)
                continue
        return response
    raise AssertionError("unreachable")


async def call_json(
    platform: Platform, api: str, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    answer = _json(path, await call(platform, api, path, body))
    _raise_for_errcode(api, answer)
    return answer


# ---- the calls ----------------------------------------------------------------------------


async def upload_shipping_info(platform: Platform, body: dict[str, Any]) -> None:
    await call_json(platform, "upload_shipping_info", "/wxa/sec/order/upload_shipping_info", body)


async def send_subscribe_message(
    platform: Platform,
    *,
    openid: str,
    template_id: str,
    page: str,
    data: dict[str, str],
    state: str = "formal",
) -> None:
    await call_json(
        platform,
        "subscribe_send",
        "/cgi-bin/message/subscribe/send",
        {
            "touser": openid,
            "template_id": template_id,
            "page": page,
            "data": {key: {"value": value} for key, value in data.items()},
            "miniprogram_state": state,
            "lang": "zh_CN",
        },
    )


@dataclass(frozen=True)
class TextVerdict:
    suggest: str
    """pass | review | risky"""
    label: int
    trace_id: str


async def msg_sec_check(
    platform: Platform, *, openid: str, scene: int, content: str, nickname: str | None = None
) -> TextVerdict:
    """errcode 0 does not mean the text passed: the verdict is `result.suggest`."""
    body: dict[str, Any] = {"version": 2, "openid": openid, "scene": scene, "content": content}
    if nickname is not None:
        body["nickname"] = nickname
    answer = await call_json(platform, "msg_sec_check", "/wxa/msg_sec_check", body)
    result = answer.get("result")
    if not isinstance(result, dict) or result.get("suggest") not in ("pass", "review", "risky"):
        raise WeChatPlatformUnreachable("msg_sec_check answered without result.suggest")
    return TextVerdict(
        suggest=str(result["suggest"]),
        label=int(result.get("label") or 0),
        trace_id=str(answer.get("trace_id", "")),
    )


async def get_unlimited_code(
    platform: Platform, *, scene: str, page: str, width: int = 430, env_version: str = "release"
) -> bytes:
    """PNG bytes of a share code; WeChat answers JSON only on failure."""
    path = "/wxa/getwxacodeunlimit"
    response = await call(
        platform,
        "getwxacodeunlimit",
        path,
        {
            "scene": scene,
            "page": page,
            "width": width,
            "check_path": False,
            "env_version": env_version,
        },
    )
    if _is_json(response):
        _raise_for_errcode("getwxacodeunlimit", _json(path, response))
        raise WeChatPlatformUnreachable("getwxacodeunlimit answered JSON without an image")
    return response.content
