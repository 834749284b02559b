"""Mini-program login: exchange a `wx.login` code for the shopper's openid (jscode2session)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

# The official errcodes, plus 40163 ("code been used"), which WeChat returns in practice.
SYSTEM_BUSY = -1
INVALID_CODE = 40029
CODE_USED = 40163
RATE_LIMITED = 45011
HIGH_RISK_USER = 40226


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    session_key: str
    unionid: str | None


class WeChatLoginError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"jscode2session errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatUnreachable(Exception):
    """No answer from WeChat (timeout, connection refused, or not JSON)."""


async def code_to_session(
    http: httpx.AsyncClient,
    *,
    base_url: str,
    appid: str,
    secret: str,
    code: str,
    busy_retries: int = 1,
) -> WeChatSession:
    """Exchange a login code. Retries only WeChat's "system busy" (-1), which uses no code.

    A timeout is not retried: the code may already be spent, and the shopper simply logs in
    again with a new one.
    """
    params = {"appid": appid, "secret": secret, "js_code": code, "grant_type": "authorization_code"}
    for attempt in range(busy_retries + 1):
        try:
            response = await http.get(f"{base_url}/sns/jscode2session", params=params)
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise WeChatUnreachable(str(error)) from error
        if not isinstance(body, dict):
            raise WeChatUnreachable("jscode2session answered something that is not an object")
        errcode = int(body.get("errcode") or 0)
        if errcode == SYSTEM_BUSY and attempt < busy_retries:
            await asyncio.sleep(0.2 * (attempt + 1))
            continue
        if errcode != 0:
            raise WeChatLoginError(errcode, str(body.get("errmsg", "")))
        openid = body.get("openid")
        session_key = body.get("session_key")
        if not isinstance(openid, str) or not openid or not isinstance(session_key, str):
            raise WeChatUnreachable("jscode2session answered without openid/session_key")
        unionid = body.get("unionid")
        return WeChatSession(
            openid=openid,
            session_key=session_key,
            unionid=unionid if isinstance(unionid, str) else None,
        )
    raise WeChatLoginError(SYSTEM_BUSY, "system busy")
