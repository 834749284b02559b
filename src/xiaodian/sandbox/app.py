"""The simulator of WeChat login, WeChat Pay (v3 and v2) and Alipay as one ASGI app.

Mounted by the demo at ``/sandbox``, or run on its own port (`xiaodian sandbox`) so several
server processes share one. Point `XIAODIAN_WECHAT_API_BASE`, `XIAODIAN_WECHAT_PAY_BASE_URL`
and `XIAODIAN_ALIPAY_GATEWAY` at it instead of the real hosts; nothing else changes.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from xiaodian.config import Settings
from xiaodian.sandbox.alipay import alipay_router
from xiaodian.sandbox.amap import SANDBOX_AMAP_KEY, AmapSimulator, amap_router
from xiaodian.sandbox.keys import demo_payment_settings, load_or_generate_keys
from xiaodian.sandbox.pay_simulator import (
    PaymentSimulator,
    SimulatorConfig,
    install_payment_simulator,
)
from xiaodian.sandbox.webhook_receiver import WebhookReceiver, webhook_receiver_router
from xiaodian.sandbox.wechat_login import LoginSimulator, login_router
from xiaodian.sandbox.wechat_pay import wechat_pay_router


def create_sandbox_app(settings: Settings, *, payments: PaymentSimulator | None = None) -> FastAPI:
    """The login simulator, plus the payment simulator when one is given."""
    app = FastAPI(
        title="xiaodian sandbox (WeChat, WeChat Pay and Alipay simulator)",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    login = LoginSimulator(
        appid=settings.wechat_appid,
        secret=settings.wechat_secret,
        lenient=settings.sandbox_lenient_login,
        default_openid=settings.sandbox_default_openid,
    )
    app.state.login = login
    app.include_router(login_router(login))
    app.state.webhook_receiver = WebhookReceiver()
    app.include_router(webhook_receiver_router(app.state.webhook_receiver))
    amap = AmapSimulator(
        key=settings.amap_key or SANDBOX_AMAP_KEY, private_key=settings.amap_private_key
    )
    app.state.amap = amap
    app.include_router(amap_router(amap))
    if payments is not None:
        install_payment_simulator(app, payments)
        app.include_router(wechat_pay_router)
        app.include_router(alipay_router)
    return app


def with_simulated_payments(
    settings: Settings,
    *,
    keys_dir: Path,
    sandbox_url: str,
    shop_url: str,
    notify_http: httpx.AsyncClient,
    time_scale: float = 1.0,
) -> tuple[Settings, PaymentSimulator]:
    """Demo keys (made once in `keys_dir`), the shop's settings pointed at the simulator at
    `sandbox_url`, and the simulator itself, which notifies the shop at `shop_url`."""
    keys = load_or_generate_keys(keys_dir)
    payment_settings = demo_payment_settings(
        keys_dir,
        keys,
        sandbox_url=sandbox_url,
        wechat_notify_url=f"{shop_url}/api/v1/payments/wechat/notify",
        alipay_notify_url=f"{shop_url}/api/v1/payments/alipay/notify",
        wechat_refund_notify_url=f"{shop_url}/api/v1/payments/wechat/notify",
    )
    simulator = PaymentSimulator(
        SimulatorConfig.from_keys(keys, appid=settings.wechat_appid, time_scale=time_scale),
        http=notify_http,
    )
    return settings.model_copy(update=payment_settings), simulator
