"""The WeChat Pay side of the simulator: API v3 as WeChat speaks it, plus v2 and control routes.

Mounting (paths below are relative to the sandbox mount, e.g. ``/sandbox``)::

    simulator = PaymentSimulator(SimulatorConfig.from_keys(keys, appid=...), http=client)
    install_payment_simulator(sandbox_app, simulator)   # sets sandbox_app.state
    sandbox_app.include_router(wechat_pay_router)
    sandbox_app.include_router(alipay_router)           # from xiaodian.sandbox.alipay
    main_app.mount("/sandbox", sandbox_app)

``xiaodian.sandbox.payment_app.create_payment_app(simulator)`` builds such an app on its own.

API v3 (merchant ``Authorization`` checked with the merchant key → 401 SIGN_ERROR; every
reply signed with the platform certificate key or the ``PUB_KEY_ID_…`` key, per
``simulator.signer``): ``POST /v3/pay/transactions/jsapi``,
``GET /v3/pay/transactions/out-trade-no/{no}?mchid=``, ``GET /v3/pay/transactions/id/{id}?mchid=``,
``POST /v3/pay/transactions/out-trade-no/{no}/close``, ``POST /v3/refund/domestic/refunds``,
``GET /v3/refund/domestic/refunds/{out_refund_no}``, ``GET /v3/certificates``.
API v2 (XML): ``POST /pay/unifiedorder``, ``/pay/orderquery``, ``/pay/closeorder``,
``/pay/refundquery``, ``/secapi/pay/refund``.
Control: see ``xiaodian.sandbox.wechat_pay_control``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from cryptography import x509
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from xiaodian.core import clock
from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.pay_types import format_rfc3339
from xiaodian.sandbox.pay_messages import (
    compact_json,
    refund_json,
    settle_refund_later,
    transaction_json,
)
from xiaodian.sandbox.pay_simulator import (
    OUT_REFUND_NO,
    PREPAY_VALID,
    ConfirmOptions,
    PaymentSimulator,
    SimOrder,
    SimRefund,
    SimulatorConfig,
    get_simulator,
    install_payment_simulator,
    new_digits,
)
from xiaodian.sandbox.wechat_pay_control import control_router
from xiaodian.sandbox.wechat_pay_v2 import v2_router

__all__ = [
    "ConfirmOptions",
    "PaymentSimulator",
    "SimulatorConfig",
    "install_payment_simulator",
    "wechat_pay_router",
]

SimulatorDep = Annotated[PaymentSimulator, Depends(get_simulator)]
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
TOLERANCE_SECONDS = 300

v3_router = APIRouter(tags=["sandbox: WeChat Pay v3"])


def v3_response(sim: PaymentSimulator, status: int, payload: Any = None) -> Response:
    body = b"" if payload is None else compact_json(payload)
    headers = sim.wechatpay_headers(body)
    headers["Request-ID"] = new_digits(20)
    media = "application/json" if body else None
    return Response(body, status_code=status, headers=headers, media_type=media)


def v3_error(sim: PaymentSimulator, status: int, code: str, message: str) -> Response:
    return v3_response(sim, status, {"code": code, "message": message})


def _fault_error(sim: PaymentSimulator) -> Callable[[int], Response]:
    def error(status: int) -> Response:
        if status == 429:
            return v3_error(sim, 429, "FREQUENCY_LIMITED", "频率超限")
        return v3_error(sim, 500, "SYSTEM_ERROR", "系统错误")

    return error


def _tamper(response: Response, unsigned: bool) -> Response:
    headers = dict(response.headers)
    headers.pop("content-length", None)
    if unsigned:
        for name in ("wechatpay-signature", "wechatpay-serial", "wechatpay-timestamp"):
            headers.pop(name, None)
        return Response(response.body, status_code=response.status_code, headers=headers)
    data = json.loads(bytes(response.body)) if response.body else {}
    data["tampered"] = True
    return Response(compact_json(data), status_code=response.status_code, headers=headers)


def _signed_url(request: Request) -> str:
    """The URL the merchant signed: the raw path from ``/v3/`` on, with the raw query."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    path = raw_path.split(b"?")[0].decode("latin-1")
    start = path.find("/v3/")
    path = path[start:] if start >= 0 else path
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


def _check_merchant(sim: PaymentSimulator, request: Request, body: bytes) -> Response | None:
    """None when the Authorization header is the configured merchant's valid signature."""
    try:
        authorization = crypto.parse_authorization(request.headers.get("authorization", ""))
    except crypto.CryptoError:
        return v3_error(sim, 401, "SIGN_ERROR", "Authorization 头缺失或格式错误")
    if authorization.mchid != sim.config.mchid:
        return v3_error(sim, 401, "SIGN_ERROR", "商户号与签名不匹配")
    if crypto.normalize_serial(authorization.serial_no) != crypto.normalize_serial(
        sim.config.merchant_serial
    ):
        return v3_error(sim, 401, "SIGN_ERROR", "商户证书序列号有误")
    stamp = authorization.timestamp
    if not stamp.isdigit() or abs(clock.now().timestamp() - int(stamp)) > TOLERANCE_SECONDS:
        return v3_error(sim, 401, "SIGN_ERROR", "请求时间与当前时间相差过大")
    if not crypto.verify_authorization(
        sim.merchant_key, authorization, method=request.method, url=_signed_url(request), body=body
    ):
        return v3_error(sim, 401, "SIGN_ERROR", "签名错误")
    return None


async def _v3(
    sim: PaymentSimulator, request: Request, endpoint: str, act: Callable[[bytes], Response]
) -> Response:
    body = await request.body()

    async def handler() -> Response:
        denied = _check_merchant(sim, request, body)
        return denied if denied is not None else act(body)

    return await sim.guarded(endpoint, handler, error=_fault_error(sim), tamper=_tamper)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _jsapi_problem(sim: PaymentSimulator, data: dict[str, Any]) -> str | None:
    for name in ("appid", "mchid", "description", "out_trade_no", "notify_url"):
        if not isinstance(data.get(name), str) or not data[name]:
            return f"缺少参数 {name}"
    if len(data["description"]) > 127:
        return "description 长度超过 127"
    if not OUT_TRADE_NO.match(data["out_trade_no"]):
        return "out_trade_no 格式错误"
    url = urlsplit(data["notify_url"])
    schemes = ("https",) if sim.config.require_https_notify_url else ("https", "http")
    if url.scheme not in schemes or not url.netloc or url.query:
        return "notify_url 格式错误"
    amount, payer = data.get("amount"), data.get("payer")
    if not isinstance(amount, dict) or not _positive_int(amount.get("total")):
        return "amount.total 必须是正整数（单位：分）"
    if amount.get("currency", "CNY") != "CNY":
        return "amount.currency 仅支持 CNY"
    if not isinstance(payer, dict) or not isinstance(payer.get("openid"), str):
        return "缺少参数 payer.openid"
    attach = data.get("attach")
    if attach is not None and (not isinstance(attach, str) or len(attach) > 128):
        return "attach 长度超过 128"
    if "time_expire" in data:
        try:
            if datetime.fromisoformat(str(data["time_expire"])).tzinfo is None:
                return "time_expire 需要时区"
        except ValueError:
            return "time_expire 格式错误"
    return None


def _create_jsapi(sim: PaymentSimulator, body: bytes) -> Response:
    data = _json_object(body)
    if data is None:
        return v3_error(sim, 400, "PARAM_ERROR", "请求体不是合法的 JSON 对象")
    problem = _jsapi_problem(sim, data)
    if problem:
        return v3_error(sim, 400, "PARAM_ERROR", problem)
    if data["mchid"] != sim.config.mchid:
        return v3_error(sim, 400, "PARAM_ERROR", "mchid 与请求头中的商户号不一致")
    if data["appid"] != sim.config.appid:
        return v3_error(sim, 400, "APPID_MCHID_NOT_MATCH", "appid 和 mch_id 不匹配")
    total = data["amount"]["total"]
    time_expire = datetime.fromisoformat(data["time_expire"]) if "time_expire" in data else None
    fingerprint = (
        data["appid"],
        data["description"],
        total,
        data["payer"]["openid"],
        data["notify_url"],
        data.get("attach"),
        time_expire,
    )
    now = clock.now()
    order = sim.orders.get(data["out_trade_no"])
    if order is not None:
        return _repeat_jsapi(sim, order, total, fingerprint)
    order = SimOrder(
        api="v3",
        appid=data["appid"],
        mchid=data["mchid"],
        out_trade_no=data["out_trade_no"],
        description=data["description"],
        total_fen=total,
        openid=data["payer"]["openid"],
        notify_url=data["notify_url"],
        prepay_id=sim.new_prepay_id(),
        prepay_expires_at=now + PREPAY_VALID,
        created_at=now,
        fingerprint=fingerprint,
        attach=data.get("attach"),
        time_expire=time_expire,
    )
    sim.orders[order.out_trade_no] = order
    sim.prepay_ids[order.prepay_id] = order.out_trade_no
    return v3_response(sim, 200, {"prepay_id": order.prepay_id})


def _repeat_jsapi(
    sim: PaymentSimulator, order: SimOrder, total: int, fingerprint: tuple[Any, ...]
) -> Response:
    """Same out_trade_no again: same parameters → the current prepay_id, otherwise an error."""
    state = sim.effective_state(order)
    if state == "CLOSED":
        return v3_error(sim, 400, "ORDER_CLOSED", "订单已关闭")
    if state in ("SUCCESS", "REFUND"):
        return v3_error(sim, 400, "ORDERPAID", "订单已支付")
    if total != order.total_fen or fingerprint != order.fingerprint:
        return v3_error(sim, 400, "INVALID_REQUEST", "201 商户订单号重复，且参数与原订单不一致")
    now = clock.now()
    if now >= order.prepay_expires_at:
        order.prepay_id = sim.new_prepay_id()
        order.prepay_expires_at = now + PREPAY_VALID
        order.prepay_ids_issued += 1
        sim.prepay_ids[order.prepay_id] = order.out_trade_no
    return v3_response(sim, 200, {"prepay_id": order.prepay_id})


@v3_router.post("/v3/pay/transactions/jsapi")
async def jsapi(request: Request, sim: SimulatorDep) -> Response:
    return await _v3(sim, request, "v3.jsapi", lambda body: _create_jsapi(sim, body))


def _query(sim: PaymentSimulator, request: Request, order: SimOrder | None) -> Response:
    if request.query_params.get("mchid") != sim.config.mchid:
        return v3_error(sim, 400, "PARAM_ERROR", "mchid 参数错误")
    if order is None:
        return v3_error(sim, 404, "ORDER_NOT_EXIST", "订单不存在")
    return v3_response(sim, 200, transaction_json(sim, order))


@v3_router.get("/v3/pay/transactions/out-trade-no/{out_trade_no}")
async def query_by_out_trade_no(out_trade_no: str, request: Request, sim: SimulatorDep) -> Response:
    order = sim.orders.get(out_trade_no)
    return await _v3(sim, request, "v3.query", lambda _body: _query(sim, request, order))


@v3_router.get("/v3/pay/transactions/id/{transaction_id}")
async def query_by_transaction_id(
    transaction_id: str, request: Request, sim: SimulatorDep
) -> Response:
    found = [o for o in sim.orders.values() if o.transaction_id == transaction_id]
    order = found[0] if found else None
    return await _v3(sim, request, "v3.query", lambda _body: _query(sim, request, order))


def _close(sim: PaymentSimulator, out_trade_no: str, body: bytes) -> Response:
    data = _json_object(body)
    if data is None or data.get("mchid") != sim.config.mchid:
        return v3_error(sim, 400, "PARAM_ERROR", "mchid 参数错误")
    order = sim.orders.get(out_trade_no)
    if order is None:
        return v3_error(sim, 404, "ORDER_NOT_EXIST", "订单不存在")
    if sim.effective_state(order) in ("SUCCESS", "REFUND"):
        return v3_error(sim, 400, "ORDERPAID", "订单已支付")
    order.trade_state = "CLOSED"
    return v3_response(sim, 204)


@v3_router.post("/v3/pay/transactions/out-trade-no/{out_trade_no}/close")
async def close(out_trade_no: str, request: Request, sim: SimulatorDep) -> Response:
    return await _v3(sim, request, "v3.close", lambda body: _close(sim, out_trade_no, body))


def _refund(sim: PaymentSimulator, body: bytes) -> Response:
    data = _json_object(body) or {}
    out_refund_no, amount = data.get("out_refund_no"), data.get("amount")
    if not isinstance(out_refund_no, str) or not OUT_REFUND_NO.fullmatch(out_refund_no):
        return v3_error(sim, 400, "PARAM_ERROR", "out_refund_no 格式错误")
    if not isinstance(amount, dict) or not (
        _positive_int(amount.get("refund")) and _positive_int(amount.get("total"))
    ):
        return v3_error(sim, 400, "PARAM_ERROR", "amount.refund / amount.total 必须是正整数")
    if data.get("transaction_id"):
        found = [o for o in sim.orders.values() if o.transaction_id == data["transaction_id"]]
        order = found[0] if found else None
    else:
        order = sim.orders.get(str(data.get("out_trade_no", "")))
    existing = sim.refunds.get(out_refund_no)
    if existing is not None:
        same = order is not None and existing.out_trade_no == order.out_trade_no
        if same and existing.refund_fen == amount["refund"]:
            return v3_response(sim, 200, refund_json(existing))
        return v3_error(sim, 400, "INVALID_REQUEST", "退款单号重复，且参数与原退款不一致")
    if order is None:
        return v3_error(sim, 404, "RESOURCE_NOT_EXISTS", "订单不存在")
    if sim.effective_state(order) not in ("SUCCESS", "REFUND") or not order.transaction_id:
        return v3_error(sim, 400, "INVALID_REQUEST", "订单未支付，不能退款")
    if amount["total"] != order.total_fen:
        return v3_error(sim, 400, "PARAM_ERROR", "订单金额与原订单不一致")
    if order.refunded_fen + amount["refund"] > order.total_fen:
        return v3_error(sim, 400, "INVALID_REQUEST", "退款金额超过订单可退金额")
    refund = SimRefund(
        api="v3",
        out_refund_no=out_refund_no,
        refund_id="50" + new_digits(27),
        out_trade_no=order.out_trade_no,
        transaction_id=order.transaction_id,
        refund_fen=amount["refund"],
        total_fen=order.total_fen,
        notify_url=data.get("notify_url") or None,
        created_at=clock.now(),
        reason=data.get("reason"),
    )
    sim.refunds[out_refund_no] = refund
    order.refunded_fen += refund.refund_fen
    order.trade_state = "REFUND"
    sim.spawn(settle_refund_later(sim, refund))
    return v3_response(sim, 200, refund_json(refund))


@v3_router.post("/v3/refund/domestic/refunds")
async def refund(request: Request, sim: SimulatorDep) -> Response:
    return await _v3(sim, request, "v3.refund", lambda body: _refund(sim, body))


def _query_refund(sim: PaymentSimulator, out_refund_no: str) -> Response:
    found = sim.refunds.get(out_refund_no)
    if found is None or found.api != "v3":
        return v3_error(sim, 404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return v3_response(sim, 200, refund_json(found))


@v3_router.get("/v3/refund/domestic/refunds/{out_refund_no}")
async def query_refund(out_refund_no: str, request: Request, sim: SimulatorDep) -> Response:
    return await _v3(
        sim, request, "v3.query_refund", lambda _body: _query_refund(sim, out_refund_no)
    )


def _certificates(sim: PaymentSimulator) -> Response:
    pem = sim.config.platform_certificate_pem
    certificate = x509.load_pem_x509_certificate(pem.encode())
    nonce = crypto.new_nonce(12)
    item = {
        "serial_no": sim.config.platform_serial,
        "effective_time": format_rfc3339(certificate.not_valid_before_utc),
        "expire_time": format_rfc3339(certificate.not_valid_after_utc),
        "encrypt_certificate": {
            "algorithm": crypto.AEAD_ALGORITHM,
            "nonce": nonce,
            "associated_data": "certificate",
            "ciphertext": crypto.aes_gcm_encrypt(
                sim.config.apiv3_key, nonce=nonce, associated_data="certificate", plaintext=pem
            ),
        },
    }
    return v3_response(sim, 200, {"data": [item]})


@v3_router.get("/v3/certificates")
async def certificates(request: Request, sim: SimulatorDep) -> Response:
    return await _v3(sim, request, "v3.certificates", lambda _body: _certificates(sim))


wechat_pay_router = APIRouter()
wechat_pay_router.include_router(v3_router)
wechat_pay_router.include_router(v2_router)
wechat_pay_router.include_router(control_router)
