"""A stand-alone ASGI app with only the payment simulator (tests, or a separate port).

The demo mounts the same routers inside ``xiaodian.sandbox.app``; this is the smallest app
that serves them: ``create_payment_app(simulator)``.
"""

from __future__ import annotations

from fastapi import FastAPI

from xiaodian.sandbox.alipay import alipay_router
from xiaodian.sandbox.pay_simulator import PaymentSimulator, install_payment_simulator
from xiaodian.sandbox.wechat_pay import wechat_pay_router


def create_payment_app(simulator: PaymentSimulator) -> FastAPI:
    app = FastAPI(title="xiaodian payment simulator", openapi_url=None, docs_url=None)
    install_payment_simulator(app, simulator)
    app.include_router(wechat_pay_router)
    app.include_router(alipay_router)
    return app
