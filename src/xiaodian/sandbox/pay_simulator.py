"""State of the payment simulator: orders, refunds, Alipay trades, faults and notifications.

One ``PaymentSimulator`` serves the routers in ``sandbox.wechat_pay`` (API v3, v2 and the
control endpoints) and ``sandbox.alipay``; they find it at ``request.app.state.payment_simulator``
(see ``install_payment_simulator``). Notifications go out through the injected
``httpx.AsyncClient`` as background tasks; ``await simulator.drain()`` waits for all of them.
Retry delays follow the real schedules multiplied by ``time_scale``.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from xiaodian.core import clock
from xiaodian.integrations.wechat import crypto
from xiaodian.sandbox.keys import (
    DEMO_ALIPAY_APP_ID,
    DEMO_ALIPAY_SELLER_ID,
    DEMO_MCHID,
    DemoKeySet,
)

# seconds between tries: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h (24h4m)
_MINUTE, _HOUR = 60, 3600
WECHAT_RETRY_SCHEDULE: tuple[int, ...] = (15, 15, 30, 3 * _MINUTE, 10 * _MINUTE, 20 * _MINUTE)
WECHAT_RETRY_SCHEDULE += (30 * _MINUTE,) * 3 + (_HOUR,) + (3 * _HOUR,) * 3 + (6 * _HOUR,) * 2
ALIPAY_RETRY_SCHEDULE = (240, 600, 600, 3600, 7200, 21600, 54000)
PREPAY_VALID = timedelta(hours=2)
# WeChat Pay's rule for out_refund_no (v3 and v2): 1 to 64 of these characters.
OUT_REFUND_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")

FaultKind = Literal["timeout", "500", "429", "tamper", "unsigned"]
SignerKind = Literal["certificate", "public_key"]
ENDPOINTS = frozenset(
    {
        "v3.jsapi",
        "v3.query",
        "v3.close",
        "v3.refund",
        "v3.query_refund",
        "v3.certificates",
        "v2.unifiedorder",
        "v2.orderquery",
        "v2.closeorder",
        "v2.refund",
        "v2.refundquery",
        "alipay.trade.create",
        "alipay.trade.query",
        "alipay.trade.close",
        "alipay.trade.refund",
        "alipay.trade.fastpay.refund.query",
    }
)


@dataclass(frozen=True)
class SimulatorConfig:
    mchid: str
    appid: str
    merchant_public_key_pem: str  # public key or the merchant certificate
    merchant_serial: str
    platform_private_key_pem: str = field(repr=False)
    platform_certificate_pem: str
    platform_serial: str
    public_key_id: str
    public_key_private_pem: str = field(repr=False)
    apiv3_key: str = field(repr=False)
    v2_key: str = field(repr=False)
    alipay_app_id: str
    alipay_seller_id: str
    alipay_app_public_key_pem: str
    alipay_private_key_pem: str = field(repr=False)
    merchant_name: str = "小店演示商户"
    signer: SignerKind = "certificate"
    time_scale: float = 1.0
    refund_settle_seconds: float = 2.0
    require_https_notify_url: bool = False

    @classmethod
    def from_keys(
        cls,
        keys: DemoKeySet,
        *,
        appid: str,
        mchid: str = DEMO_MCHID,
        alipay_app_id: str = DEMO_ALIPAY_APP_ID,
        alipay_seller_id: str = DEMO_ALIPAY_SELLER_ID,
        **options: Any,
    ) -> SimulatorConfig:
        """The simulator's side of a demo key set; `options` set the keyword fields above."""
        return cls(
            mchid=mchid,
            appid=appid,
            merchant_public_key_pem=keys.merchant_certificate_pem,
            merchant_serial=keys.merchant_serial,
            platform_private_key_pem=keys.platform_private_key_pem,
            platform_certificate_pem=keys.platform_certificate_pem,
            platform_serial=keys.platform_serial,
            public_key_id=keys.public_key_id,
            public_key_private_pem=keys.public_key_private_pem,
            apiv3_key=keys.apiv3_key,
            v2_key=keys.v2_key,
            alipay_app_id=alipay_app_id,
            alipay_seller_id=alipay_seller_id,
            alipay_app_public_key_pem=keys.alipay_app_public_key_pem,
            alipay_private_key_pem=keys.alipay_private_key_pem,
            **options,
        )


class ConfirmOptions(BaseModel):
    """Faults to inject into the notification that follows a simulated payment."""

    model_config = ConfigDict(extra="forbid")

    duplicates: int = Field(default=0, ge=0, le=50)  # extra copies, sent concurrently
    delay_seconds: float = Field(default=0, ge=0, le=3600)  # before the first send, unscaled
    bad_signature: bool = False
    skip_notify: bool = False
    stale_timestamp: bool = False  # signed correctly, 10 minutes in the past
    wrong_amount: bool = False  # signed correctly, amount one fen more than the order


@dataclass
class Fault:
    kind: FaultKind
    remaining: int
    hang_seconds: float = 30.0


@dataclass
class SimOrder:
    api: Literal["v3", "v2"]
    appid: str
    mchid: str
    out_trade_no: str
    description: str
    total_fen: int
    openid: str
    notify_url: str
    prepay_id: str
    prepay_expires_at: datetime
    created_at: datetime
    fingerprint: tuple[Any, ...]
    attach: str | None = None
    time_expire: datetime | None = None
    sign_type: str = "MD5"
    trade_state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: datetime | None = None
    refunded_fen: int = 0
    prepay_ids_issued: int = 1
    cancelled: bool = False


@dataclass
class SimRefund:
    api: Literal["v3", "v2"]
    out_refund_no: str
    refund_id: str
    out_trade_no: str
    transaction_id: str
    refund_fen: int
    total_fen: int
    notify_url: str | None
    created_at: datetime
    reason: str | None = None
    status: str = "PROCESSING"
    success_time: datetime | None = None


@dataclass
class SimAlipayTrade:
    out_trade_no: str
    trade_no: str
    total_fen: int
    subject: str
    buyer_id: str
    notify_url: str | None
    created_at: datetime
    fingerprint: tuple[Any, ...]
    trade_status: str = "WAIT_BUYER_PAY"
    paid_at: datetime | None = None
    refunded_fen: int = 0


@dataclass
class SimAlipayRefund:
    out_trade_no: str
    out_request_no: str
    refund_fen: int
    refunded_at: datetime


@dataclass
class Delivery:
    """One notification (and its copies' attempts): what was sent where, and what came back."""

    kind: str
    key: str
    notification_id: str
    url: str
    attempts: list[dict[str, Any]] = field(default_factory=list)
    delivered: bool = False


def new_digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


class PaymentSimulator:
    """WeChat Pay (v3 + v2) and Alipay as seen from the shop; all state lives in memory."""

    def __init__(self, config: SimulatorConfig, *, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http
        self.signer: SignerKind = config.signer
        self.time_scale = config.time_scale
        self.orders: dict[str, SimOrder] = {}
        self.prepay_ids: dict[str, str] = {}
        self.refunds: dict[str, SimRefund] = {}
        self.alipay_trades: dict[str, SimAlipayTrade] = {}
        self.alipay_refunds: dict[tuple[str, str], SimAlipayRefund] = {}
        self.deliveries: list[Delivery] = []
        self.calls: Counter[str] = Counter()
        self.call_log: list[str] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._tasks: set[asyncio.Task[None]] = set()
        self.merchant_key = crypto.load_public_key(config.merchant_public_key_pem)
        self.platform_key = crypto.load_private_key(config.platform_private_key_pem)
        self.public_key_key = crypto.load_private_key(config.public_key_private_pem)
        self.alipay_app_key = crypto.load_public_key(config.alipay_app_public_key_pem)
        self.alipay_key = crypto.load_private_key(config.alipay_private_key_pem)

    # --- WeChat Pay state ----------------------------------------------------------------------

    def order_by_prepay(self, prepay_id: str) -> SimOrder | None:
        out_trade_no = self.prepay_ids.get(prepay_id)
        return self.orders.get(out_trade_no) if out_trade_no else None

    def effective_state(self, order: SimOrder) -> str:
        """The trade state now: an unpaid order past its time_expire counts as CLOSED."""
        expired = order.time_expire is not None and clock.now() >= order.time_expire
        if order.trade_state == "NOTPAY" and expired:
            order.trade_state = "CLOSED"
        return order.trade_state

    def new_prepay_id(self) -> str:
        return "wx" + clock.now().strftime("%d%H%M%S") + secrets.token_hex(12)

    def remember_paid(
        self,
        *,
        api: Literal["v3", "v2"],
        out_trade_no: str,
        total_fen: int,
        openid: str,
        transaction_id: str,
        paid_at: datetime,
        refunded_fen: int,
    ) -> None:
        """A payment the shop recorded as paid before this simulator started (its state lives
        in memory only): known again, so it can be queried and refunded (up to what is left)
        as WeChat Pay would. An order the simulator knows already is left as it is."""
        if out_trade_no in self.orders:
            return
        self.orders[out_trade_no] = SimOrder(
            api=api,
            appid=self.config.appid,
            mchid=self.config.mchid,
            out_trade_no=out_trade_no,
            description="",
            total_fen=total_fen,
            openid=openid,
            notify_url="",
            prepay_id="",
            prepay_expires_at=paid_at,
            created_at=paid_at,
            fingerprint=(),
            trade_state="REFUND" if refunded_fen else "SUCCESS",
            transaction_id=transaction_id,
            success_time=paid_at,
            refunded_fen=refunded_fen,
        )

    def mark_paid(self, order: SimOrder) -> None:
        order.trade_state = "SUCCESS"
        order.transaction_id = "4200" + new_digits(24)
        order.success_time = clock.now()

    # --- signing -------------------------------------------------------------------------------

    def signing_identity(self) -> tuple[str, Any]:
        """The serial and private key WeChat Pay signs with now (certificate or public key)."""
        if self.signer == "public_key":
            return self.config.public_key_id, self.public_key_key
        return self.config.platform_serial, self.platform_key

    def wechatpay_headers(
        self, body: bytes, *, timestamp: int | None = None, corrupt: bool = False
    ) -> dict[str, str]:
        serial, key = self.signing_identity()
        stamp = str(timestamp if timestamp is not None else int(clock.now().timestamp()))
        nonce = crypto.new_nonce(32)
        signed = body + b"corrupted" if corrupt else body
        return {
            "Wechatpay-Serial": serial,
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": crypto.sign_response(
                key, timestamp=stamp, nonce=nonce, body=signed
            ),
            "Wechatpay-Signature-Type": crypto.SIGNATURE_TYPE,
        }

    # --- faults --------------------------------------------------------------------------------

    def inject_fault(
        self, endpoint: str, kind: FaultKind, count: int = 1, hang_seconds: float = 30.0
    ) -> None:
        """Make the next `count` calls to `endpoint` (see ENDPOINTS) fail with `kind`."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        self._faults[endpoint].append(Fault(kind, count, hang_seconds))

    def clear_faults(self) -> None:
        self._faults.clear()

    def take_fault(self, endpoint: str) -> Fault | None:
        queue = self._faults.get(endpoint)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        return fault

    async def guarded(
        self,
        endpoint: str,
        handler: Callable[[], Awaitable[Response]],
        *,
        error: Callable[[int], Response],
        tamper: Callable[[Response, bool], Response],
    ) -> Response:
        """Count the call, then apply the next injected fault for `endpoint`, if any.

        500/429 answer at once without acting; ``timeout`` acts, then hangs (the reply is
        lost: the ambiguous case); ``tamper``/``unsigned`` act and corrupt the signed reply.
        """
        self.calls[endpoint] += 1
        self.call_log.append(endpoint)
        fault = self.take_fault(endpoint)
        if fault is not None and fault.kind in ("500", "429"):
            return error(int(fault.kind))
        response = await handler()
        if fault is None:
            return response
        if fault.kind == "timeout":
            await asyncio.sleep(fault.hang_seconds)
            return response
        return tamper(response, fault.kind == "unsigned")

    # --- background work ------------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self) -> None:
        """Wait until every notification (and refund settlement) in flight has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def schedule_delivery(
        self,
        delivery: Delivery,
        build: Callable[[], tuple[dict[str, str], bytes]],
        *,
        accept: Callable[[httpx.Response], bool],
        schedule: tuple[int, ...],
        delay_seconds: float = 0.0,
    ) -> None:
        """POST in the background until the receiver accepts, waiting `schedule` (× time_scale)
        between tries. `build` runs before each try, so each carries a fresh signature."""
        self.deliveries.append(delivery)
        self.spawn(self._deliver(delivery, build, accept, schedule, delay_seconds))

    async def _deliver(
        self,
        delivery: Delivery,
        build: Callable[[], tuple[dict[str, str], bytes]],
        accept: Callable[[httpx.Response], bool],
        schedule: tuple[int, ...],
        delay_seconds: float,
    ) -> None:
        if delay_seconds:
            await asyncio.sleep(delay_seconds)
        for wait in (0, *schedule):
            if wait:
                await asyncio.sleep(wait * self.time_scale)
            headers, body = build()
            attempt: dict[str, Any] = {"at": clock.now().isoformat(), "status": None}
            try:
                response = await self.http.post(delivery.url, content=body, headers=headers)
                attempt["status"] = response.status_code
                accepted = accept(response)
            except httpx.HTTPError as failure:
                attempt["error"] = repr(failure)
                accepted = False
            delivery.attempts.append(attempt)
            if accepted:
                delivery.delivered = True
                return

    # --- inspection ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        def plain(item: Any) -> dict[str, Any]:
            return {
                key: value.isoformat() if isinstance(value, datetime) else value
                for key, value in asdict(item).items()
                if key != "fingerprint"
            }

        return {
            "signer": self.signer,
            "time_scale": self.time_scale,
            "orders": [plain(order) for order in self.orders.values()],
            "refunds": [plain(refund) for refund in self.refunds.values()],
            "alipay_trades": [plain(trade) for trade in self.alipay_trades.values()],
            "alipay_refunds": [plain(refund) for refund in self.alipay_refunds.values()],
            "deliveries": [asdict(delivery) for delivery in self.deliveries],
            "calls": dict(self.calls),
            "faults": {
                endpoint: [asdict(fault) for fault in queue]
                for endpoint, queue in self._faults.items()
                if queue
            },
        }


def install_payment_simulator(app: FastAPI, simulator: PaymentSimulator) -> None:
    """Make `simulator` the one the payment routers included in `app` use."""
    app.state.payment_simulator = simulator


def get_simulator(request: Request) -> PaymentSimulator:
    simulator = getattr(request.app.state, "payment_simulator", None)
    if not isinstance(simulator, PaymentSimulator):
        raise RuntimeError("install_payment_simulator(app, simulator) was not called")
    return simulator
