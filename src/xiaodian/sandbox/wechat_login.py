"""The login half of the WeChat simulator: jscode2session as WeChat answers it.

Codes are minted through a control endpoint for a named test user, are single-use and expire
after five minutes. Errors come back the way WeChat sends them: HTTP 200 with an errcode.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

CODE_TTL_SECONDS = 300
RATE_LIMIT_PER_MINUTE = 100


@dataclass
class _Code:
    openid: str
    unionid: str | None
    errcode: int | None
    expires_at: float


@dataclass
class LoginSimulator:
    appid: str
    secret: str
    lenient: bool = False
    default_openid: str = "demo-shopper-openid"
    codes: dict[str, _Code] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)
    calls: dict[str, list[float]] = field(default_factory=dict)

    def mint(self, openid: str, *, unionid: str | None = None, errcode: int | None = None) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = _Code(openid, unionid, errcode, time.monotonic() + CODE_TTL_SECONDS)
        return code

    def exchange(self, *, appid: str, secret: str, code: str, grant_type: str) -> dict[str, Any]:
        if appid != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if not secrets.compare_digest(secret.encode(), self.secret.encode()):
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if grant_type != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        now = time.monotonic()
        if code in self.used and self.used[code] > now:
            return {"errcode": 40163, "errmsg": "code been used"}
        entry = self.codes.get(code)
        if entry is not None and entry.errcode == -1 and entry.expires_at > now:
            # "system busy": WeChat did not process the code, so it stays usable
            return {"errcode": -1, "errmsg": _ERRMSG[-1]}
        self.codes.pop(code, None)
        if entry is None or entry.expires_at <= now:
            if entry is None and self.lenient:
                entry = _Code(self.default_openid, None, None, now + CODE_TTL_SECONDS)
            else:
                return {"errcode": 40029, "errmsg": "invalid code"}
        self.used[code] = now + CODE_TTL_SECONDS
        if entry.errcode is not None:
            return {"errcode": entry.errcode, "errmsg": _ERRMSG.get(entry.errcode, "error")}
        recent = [t for t in self.calls.get(entry.openid, []) if t > now - 60]
        recent.append(now)
        self.calls[entry.openid] = recent
        if len(recent) > RATE_LIMIT_PER_MINUTE:
            return {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
        answer: dict[str, Any] = {
            "session_key": base64.b64encode(secrets.token_bytes(16)).decode(),
            "openid": entry.openid,
        }
        if entry.unionid:
            answer["unionid"] = entry.unionid
        return answer


_ERRMSG = {
    -1: "system error",
    40029: "invalid code",
    40163: "code been used",
    45011: "api minute-quota reach limit",
    40226: "user is blocked",
}


class CodeRequest(BaseModel):
    openid: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_\-]+$")]
    unionid: Annotated[str, Field(max_length=64)] | None = None
    errcode: int | None = Field(default=None, description="make this code answer an error")


def login_router(simulator: LoginSimulator) -> APIRouter:
    router = APIRouter()

    @router.get("/sns/jscode2session")
    async def jscode2session(
        appid: Annotated[str, Query()] = "",
        secret: Annotated[str, Query()] = "",
        js_code: Annotated[str, Query()] = "",
        grant_type: Annotated[str, Query()] = "",
    ) -> dict[str, Any]:
        return simulator.exchange(appid=appid, secret=secret, code=js_code, grant_type=grant_type)

    @router.post("/wechat/codes", tags=["sandbox control"])
    async def mint_code(body: CodeRequest, _request: Request) -> dict[str, Any]:
        code = simulator.mint(body.openid, unionid=body.unionid, errcode=body.errcode)
        return {"code": code, "expires_in": CODE_TTL_SECONDS}

    return router
