"""A payment simulator wired to our real clients and to a notification receiver, all in-process.

Used by the fixtures in ``tests/integrations`` and ``tests/sandbox``: the clients talk to the
simulator over ``httpx.ASGITransport``; the simulator posts notifications to ``Receiver``,
which verifies them with the same parsers the shop uses and records what it saw.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from xiaodian.integrations.alipay import AlipayClient, AlipayConfig, InvalidAlipayNotification
from xiaodian.integrations.retry import RetryPolicy
from xiaodian.integrations.wechat.crypto import V2SignType
from xiaodian.integrations.wechat.pay_errors import InvalidNotification
from xiaodian.integrations.wechat.pay_v2 import WeChatPayV2, WeChatPayV2Config, notify_reply
from xiaodian.integrations.wechat.pay_v3 import (
    NOTIFY_ACK_STATUS,
    WeChatPayV3,
    WeChatPayV3Config,
    notify_failure_body,
)
from xiaodian.sandbox.keys import (
    DEMO_ALIPAY_APP_ID,
    DEMO_ALIPAY_SELLER_ID,
    DEMO_MCHID,
    DemoKeySet,
)
from xiaodian.sandbox.pay_simulator import PaymentSimulator, SimulatorConfig
from xiaodian.sandbox.payment_app import create_payment_app

APPID = "wxpaytest00000001"
SANDBOX = "http://pay.test"
SHOP = "http://shop.test"
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_seconds=0.5, timeout_seconds=1.0)


@dataclass
class Receiver:
    """The shop's notify endpoints in miniature."""

    v3: WeChatPayV3 | None = None
    v2: WeChatPayV2 | None = None
    alipay: AlipayClient | None = None
    accepted: list[Any] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    answer_status: int | None = None  # force an answer (e.g. 500) before verifying

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/notify/wechat", self._wechat, methods=["POST"]),
                Route("/notify/wechat-v2", self._wechat_v2, methods=["POST"]),
                Route("/notify/alipay", self._alipay, methods=["POST"]),
            ]
        )

    async def _wechat(self, request: Request) -> Response:
        body = await request.body()
        if self.answer_status is not None:
            return Response(notify_failure_body(), status_code=self.answer_status)
        assert self.v3 is not None
        try:
            self.accepted.append(self.v3.parse_notification(request.headers, body))
        except InvalidNotification as error:
            self.rejected.append(error.reason)
            return Response(notify_failure_body(error.reason), status_code=400)
        return Response(status_code=NOTIFY_ACK_STATUS)

    async def _wechat_v2(self, request: Request) -> Response:
        assert self.v2 is not None
        try:
            self.accepted.append(self.v2.parse_notification(await request.body()))
        except InvalidNotification as error:
            self.rejected.append(error.reason)
            return Response(notify_reply(success=False, message=error.reason), status_code=400)
        return Response(notify_reply(), media_type="text/xml")

    async def _alipay(self, request: Request) -> Response:
        assert self.alipay is not None
        form = {key: str(value) for key, value in (await request.form()).items()}
        try:
            self.accepted.append(self.alipay.verify_notification(form))
        except InvalidAlipayNotification as error:
            self.rejected.append(error.reason)
            return PlainTextResponse("fail", status_code=400)
        return PlainTextResponse("success")


@dataclass
class PayEnv:
    keys: DemoKeySet
    simulator: PaymentSimulator
    sandbox: httpx.AsyncClient
    v3: WeChatPayV3
    alipay: AlipayClient
    receiver: Receiver
    sleeps: list[float]
    _clients: list[httpx.AsyncClient]

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)

    def v3_config(self, **changes: Any) -> WeChatPayV3Config:
        values: dict[str, Any] = {
            "appid": APPID,
            "mchid": DEMO_MCHID,
            "merchant_private_key_pem": self.keys.merchant_private_key_pem,
            "merchant_serial": self.keys.merchant_serial,
            "apiv3_key": self.keys.apiv3_key,
            "platform_keys": {
                self.keys.platform_serial: self.keys.platform_certificate_pem,
                self.keys.public_key_id: self.keys.public_key_pem,
            },
            "notify_url": f"{SHOP}/notify/wechat",
            "refund_notify_url": f"{SHOP}/notify/wechat",
            "base_url": SANDBOX,
            "retry": FAST_RETRY,
        }
        values.update(changes)
        return WeChatPayV3Config(**values)

    def v3_client(self, **changes: Any) -> WeChatPayV3:
        return WeChatPayV3(self.v3_config(**changes), self.sandbox, sleep=self.sleep)

    def v2_client(self, sign_type: V2SignType = "MD5", **changes: Any) -> WeChatPayV2:
        values: dict[str, Any] = {
            "appid": APPID,
            "mchid": DEMO_MCHID,
            "api_key": self.keys.v2_key,
            "notify_url": f"{SHOP}/notify/wechat-v2",
            "sign_type": sign_type,
            "base_url": SANDBOX,
            "retry": FAST_RETRY,
        }
        values.update(changes)
        client = WeChatPayV2(WeChatPayV2Config(**values), self.sandbox, sleep=self.sleep)
        self.receiver.v2 = client
        return client

    def alipay_config(self, **changes: Any) -> AlipayConfig:
        values: dict[str, Any] = {
            "app_id": DEMO_ALIPAY_APP_ID,
            "app_private_key_pem": self.keys.alipay_app_private_key_pem,
            "alipay_public_key_pem": self.keys.alipay_public_key_pem,
            "notify_url": f"{SHOP}/notify/alipay",
            "seller_id": DEMO_ALIPAY_SELLER_ID,
            "gateway": f"{SANDBOX}/alipay/gateway.do",
            "retry": FAST_RETRY,
        }
        values.update(changes)
        return AlipayConfig(**values)

    async def aclose(self) -> None:
        await self.simulator.aclose()
        for client in self._clients:
            await client.aclose()


def build_pay_env(keys: DemoKeySet, **simulator_options: Any) -> PayEnv:
    receiver = Receiver()
    notify_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver.app()))
    options = {"time_scale": 0.0, "refund_settle_seconds": 0.0, **simulator_options}
    config = SimulatorConfig.from_keys(keys, appid=APPID, **options)
    simulator = PaymentSimulator(config, http=notify_http)
    sandbox = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_payment_app(simulator)), base_url=SANDBOX
    )
    env = PayEnv(
        keys=keys,
        simulator=simulator,
        sandbox=sandbox,
        v3=None,  # type: ignore[arg-type]
        alipay=None,  # type: ignore[arg-type]
        receiver=receiver,
        sleeps=[],
        _clients=[notify_http, sandbox],
    )
    env.v3 = env.v3_client()
    env.alipay = AlipayClient(env.alipay_config(), sandbox, sleep=env.sleep)
    receiver.v3 = env.v3
    receiver.alipay = env.alipay
    return env
