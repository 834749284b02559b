"""WeChat Pay API v2 (XML) in the simulator: unifiedorder, orderquery, closeorder, refund.

Requests must be signed with the v2 key (MD5 by default, HMAC-SHA256 when ``sign_type`` says
so); replies are signed with the request's sign type, and payment notifications for a v2 order
are XML signed with the order's sign type. Included in ``wechat_pay_router``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from xiaodian.core import clock
from xiaodian.integrations.wechat import crypto
from xiaodian.integrations.wechat.crypto import V2_SIGN_TYPES, V2SignType
from xiaodian.sandbox.pay_messages import settle_refund_later, v2_order_fields
from xiaodian.sandbox.pay_simulator import (
    OUT_REFUND_NO,
    PREPAY_VALID,
    PaymentSimulator,
    SimOrder,
    SimRefund,
    get_simulator,
    new_digits,
)

SimulatorDep = Annotated[PaymentSimulator, Depends(get_simulator)]
Fields = dict[str, str]

v2_router = APIRouter(tags=["sandbox: WeChat Pay v2"])


def _xml(fields: Fields, status: int = 200) -> Response:
    return Response(crypto.to_xml(fields), status_code=status, media_type="text/xml")


def _return_fail(message: str) -> Response:
    return _xml({"return_code": "FAIL", "return_msg": message})


def _reply(
    sim: PaymentSimulator,
    sign_type: V2SignType,
    fields: Fields | None = None,
    *,
    err_code: str | None = None,
    err_code_des: str = "",
) -> Response:
    out = {
        "return_code": "SUCCESS",
        "return_msg": "OK",
        "appid": sim.config.appid,
        "mch_id": sim.config.mchid,
        "nonce_str": crypto.new_nonce(16),
        "result_code": "FAIL" if err_code else "SUCCESS",
    }
    if err_code:
        out.update(err_code=err_code, err_code_des=err_code_des)
    out.update(fields or {})
    out["sign"] = crypto.v2_sign(out, sim.config.v2_key, sign_type)
    return _xml(out)


def _tamper(response: Response, unsigned: bool) -> Response:
    fields = crypto.from_xml(bytes(response.body))
    if unsigned:
        fields.pop("sign", None)
    else:
        fields["prepay_id"] = "wx_tampered"
    return _xml(fields, response.status_code)


async def _v2(
    sim: PaymentSimulator,
    request: Request,
    endpoint: str,
    act: Callable[[Fields, V2SignType], Response],
) -> Response:
    body = await request.body()

    async def handler() -> Response:
        try:
            data = crypto.from_xml(body)
        except crypto.CryptoError:
            return _return_fail("XML格式错误")
        sign_type = data.get("sign_type") or "MD5"
        if sign_type not in V2_SIGN_TYPES:
            return _return_fail("签名类型错误")
        checked: V2SignType = "HMAC-SHA256" if sign_type == "HMAC-SHA256" else "MD5"
        if not crypto.v2_verify(data, sim.config.v2_key, checked):
            return _return_fail("签名错误")
        if data.get("mch_id") != sim.config.mchid or data.get("appid") != sim.config.appid:
            return _reply(sim, checked, err_code="APPID_MCHID_NOT_MATCH", err_code_des="不匹配")
        return act(data, checked)

    def error(status: int) -> Response:
        return Response("System Error", status_code=status, media_type="text/plain")

    return await sim.guarded(endpoint, handler, error=error, tamper=_tamper)


def _find(sim: PaymentSimulator, data: Fields) -> SimOrder | None:
    if data.get("transaction_id"):
        found = [o for o in sim.orders.values() if o.transaction_id == data["transaction_id"]]
        return found[0] if found else None
    return sim.orders.get(data.get("out_trade_no", ""))


def _unified_order(sim: PaymentSimulator, data: Fields, sign_type: V2SignType) -> Response:
    required = ("body", "out_trade_no", "total_fee", "spbill_create_ip", "notify_url", "openid")
    missing = [name for name in required if not data.get(name)]
    if missing or not data["total_fee"].isdigit() or int(data["total_fee"]) <= 0:
        return _reply(sim, sign_type, err_code="PARAM_ERROR", err_code_des=f"参数错误 {missing}")
    if data.get("trade_type") != "JSAPI":
        return _reply(sim, sign_type, err_code="PARAM_ERROR", err_code_des="trade_type 错误")
    total = int(data["total_fee"])
    fingerprint = (data["body"], total, data["openid"], data["notify_url"], data.get("attach"))
    order = sim.orders.get(data["out_trade_no"])
    now = clock.now()
    if order is not None:
        state = sim.effective_state(order)
        if state == "CLOSED":
            return _reply(sim, sign_type, err_code="ORDERCLOSED", err_code_des="订单已关闭")
        if state in ("SUCCESS", "REFUND"):
            return _reply(sim, sign_type, err_code="ORDERPAID", err_code_des="商户订单已支付")
        if order.fingerprint != fingerprint:
            return _reply(sim, sign_type, err_code="INVALID_REQUEST", err_code_des="商户订单号重复")
    else:
        order = SimOrder(
            api="v2",
            appid=data["appid"],
            mchid=data["mch_id"],
            out_trade_no=data["out_trade_no"],
            description=data["body"],
            total_fen=total,
            openid=data["openid"],
            notify_url=data["notify_url"],
            prepay_id=sim.new_prepay_id(),
            prepay_expires_at=now + PREPAY_VALID,
            created_at=now,
            fingerprint=fingerprint,
            attach=data.get("attach"),
            sign_type=sign_type,
        )
        sim.orders[order.out_trade_no] = order
        sim.prepay_ids[order.prepay_id] = order.out_trade_no
    return _reply(sim, sign_type, {"trade_type": "JSAPI", "prepay_id": order.prepay_id})


@v2_router.post("/pay/unifiedorder")
async def unified_order(request: Request, sim: SimulatorDep) -> Response:
    return await _v2(sim, request, "v2.unifiedorder", lambda d, s: _unified_order(sim, d, s))


def _order_query(sim: PaymentSimulator, data: Fields, sign_type: V2SignType) -> Response:
    order = _find(sim, data)
    if order is None:
        return _reply(sim, sign_type, err_code="ORDERNOTEXIST", err_code_des="此交易订单号不存在")
    return _reply(sim, sign_type, v2_order_fields(sim, order))


@v2_router.post("/pay/orderquery")
async def order_query(request: Request, sim: SimulatorDep) -> Response:
    return await _v2(sim, request, "v2.orderquery", lambda d, s: _order_query(sim, d, s))


def _close_order(sim: PaymentSimulator, data: Fields, sign_type: V2SignType) -> Response:
    order = sim.orders.get(data.get("out_trade_no", ""))
    if order is None:
        return _reply(sim, sign_type, err_code="ORDERNOTEXIST", err_code_des="订单不存在")
    state = sim.effective_state(order)
    if state in ("SUCCESS", "REFUND"):
        return _reply(sim, sign_type, err_code="ORDERPAID", err_code_des="订单已支付")
    if state == "CLOSED":
        return _reply(sim, sign_type, err_code="ORDERCLOSED", err_code_des="订单已关闭")
    order.trade_state = "CLOSED"
    return _reply(sim, sign_type)


@v2_router.post("/pay/closeorder")
async def close_order(request: Request, sim: SimulatorDep) -> Response:
    return await _v2(sim, request, "v2.closeorder", lambda d, s: _close_order(sim, d, s))


def _refund_fields(refund: SimRefund) -> Fields:
    return {
        "transaction_id": refund.transaction_id,
        "out_trade_no": refund.out_trade_no,
        "out_refund_no": refund.out_refund_no,
        "refund_id": refund.refund_id,
        "refund_fee": str(refund.refund_fen),
        "total_fee": str(refund.total_fen),
        "cash_fee": str(refund.total_fen),
    }


def _refund(sim: PaymentSimulator, data: Fields, sign_type: V2SignType) -> Response:
    out_refund_no = data.get("out_refund_no", "")
    total, refund_fee = data.get("total_fee", ""), data.get("refund_fee", "")
    numbers_ok = total.isdigit() and refund_fee.isdigit()
    if not OUT_REFUND_NO.fullmatch(out_refund_no) or not numbers_ok:
        return _reply(sim, sign_type, err_code="PARAM_ERROR", err_code_des="参数错误")
    order = _find(sim, data)
    existing = sim.refunds.get(out_refund_no)
    if existing is not None:
        if (
            order
            and existing.out_trade_no == order.out_trade_no
            and (existing.refund_fen == int(refund_fee))
        ):
            return _reply(sim, sign_type, _refund_fields(existing))
        return _reply(sim, sign_type, err_code="INVALID_REQUEST", err_code_des="退款单号重复")
    if order is None:
        return _reply(sim, sign_type, err_code="ORDERNOTEXIST", err_code_des="订单不存在")
    if sim.effective_state(order) not in ("SUCCESS", "REFUND") or not order.transaction_id:
        return _reply(sim, sign_type, err_code="TRADE_STATE_ERROR", err_code_des="订单未支付")
    amount = int(refund_fee)
    if int(total) != order.total_fen or not 0 < amount <= order.total_fen - order.refunded_fen:
        return _reply(sim, sign_type, err_code="INVALID_REQUEST", err_code_des="退款金额有误")
    refund = SimRefund(
        api="v2",
        out_refund_no=out_refund_no,
        refund_id="50" + new_digits(27),
        out_trade_no=order.out_trade_no,
        transaction_id=order.transaction_id,
        refund_fen=amount,
        total_fen=order.total_fen,
        notify_url=data.get("notify_url") or None,
        created_at=clock.now(),
        reason=data.get("refund_desc"),
    )
    sim.refunds[out_refund_no] = refund
    order.refunded_fen += amount
    order.trade_state = "REFUND"
    sim.spawn(settle_refund_later(sim, refund))
    return _reply(sim, sign_type, _refund_fields(refund))


@v2_router.post("/secapi/pay/refund")
async def refund(request: Request, sim: SimulatorDep) -> Response:
    return await _v2(sim, request, "v2.refund", lambda d, s: _refund(sim, d, s))


def _refund_query(sim: PaymentSimulator, data: Fields, sign_type: V2SignType) -> Response:
    found = sim.refunds.get(data.get("out_refund_no", ""))
    if found is None or found.api != "v2":
        return _reply(sim, sign_type, err_code="REFUNDNOTEXIST", err_code_des="退款订单查询失败")
    fields = {
        "transaction_id": found.transaction_id,
        "out_trade_no": found.out_trade_no,
        "total_fee": str(found.total_fen),
        "cash_fee": str(found.total_fen),
        "refund_count": "1",
        "out_refund_no_0": found.out_refund_no,
        "refund_id_0": found.refund_id,
        "refund_fee_0": str(found.refund_fen),
        "refund_status_0": found.status,
    }
    return _reply(sim, sign_type, fields)


@v2_router.post("/pay/refundquery")
async def refund_query(request: Request, sim: SimulatorDep) -> Response:
    return await _v2(sim, request, "v2.refundquery", lambda d, s: _refund_query(sim, d, s))
