"""The simulator of WeChat (and, with the payments issue, WeChat Pay and Alipay) as an ASGI app.

Mounted by the demo at ``/sandbox``, or run on its own port (`xiaodian sandbox`) so several
server processes share one. Point `XIAODIAN_WECHAT_API_BASE` at it instead of
``https://api.weixin.qq.com``; nothing else changes.
"""

from __future__ import annotations

from fastapi import FastAPI

from xiaodian.config import Settings
from xiaodian.sandbox.wechat_login import LoginSimulator, login_router


def create_sandbox_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="xiaodian sandbox (WeChat simulator)", docs_url="/docs", openapi_url="/openapi.json"
    )
    login = LoginSimulator(
        appid=settings.wechat_appid,
        secret=settings.wechat_secret,
        lenient=settings.sandbox_lenient_login,
        default_openid=settings.sandbox_default_openid,
    )
    app.state.login = login
    app.include_router(login_router(login))
    return app
