"""The Alipay side of the simulator: the OpenAPI gateway and its control endpoints.

Paths, relative to the sandbox mount (``alipay_router`` carries the ``/alipay`` prefix):

- ``POST /alipay/gateway.do``: ``alipay.trade.create`` (JSAPI_PAY), ``alipay.trade.query``,
  ``alipay.trade.close``, ``alipay.trade.refund``, ``alipay.trade.fastpay.refund.query``.
  Parameters as a form body and/or query string, RSA2-signed with the app key; replies are
  ``{"<method>_response": {...}, "sign": "..."}`` signed with the simulator's Alipay key.
- ``POST /alipay/trade/{trade_no}/confirm`` body ``ConfirmOptions`` (optional): the buyer pays;
  TRADE_SUCCESS and the async notify (form POST, ``trade_status_sync``) to the notify_url.
- ``POST /alipay/app-pay/confirm`` body ``{"order_string": "...", "options": {...}}``: pay an
  ``alipay.trade.app.pay`` order string (its signature is checked) and notify.
- ``POST /alipay/faults``, ``DELETE /alipay/faults``, ``GET /alipay/state``: as under
  ``/wechat/pay`` (one shared simulator state).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from xiaodian.core import clock
from xiaodian.integrations.alipay_sign import (
    build_signed_response,
    fen_to_yuan,
    verify_request,
    yuan_to_fen,
)
from xiaodian.sandbox.pay_messages import notify_alipay_payment
from xiaodian.sandbox.pay_simulator import (
    ConfirmOptions,
    PaymentSimulator,
    SimAlipayRefund,
    SimAlipayTrade,
    get_simulator,
    new_digits,
)
from xiaodian.sandbox.wechat_pay_control import clear_faults, inject_fault, state

__all__ = ["alipay_router"]

SimulatorDep = Annotated[PaymentSimulator, Depends(get_simulator)]
Member = dict[str, Any]

alipay_router = APIRouter(prefix="/alipay", tags=["sandbox: Alipay"])
alipay_router.add_api_route("/state", state, methods=["GET"])
alipay_router.add_api_route("/faults", inject_fault, methods=["POST"], response_model=None)
alipay_router.add_api_route("/faults", clear_faults, methods=["DELETE"], status_code=204)

_OK: Member = {"code": "10000", "msg": "Success"}


def _failed(sub_code: str, sub_msg: str, code: str = "40004") -> Member:
    msg = {"40002": "Invalid Arguments", "40004": "Business Failed"}.get(code, "Error")
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}


def _amount(text: object) -> int | None:
    try:
        fen = yuan_to_fen(str(text))
    except ValueError:
        return None
    return fen if 1 <= fen <= 100_000_000 * 100 else None


def _find(sim: PaymentSimulator, biz: Member) -> SimAlipayTrade | None:
    if biz.get("out_trade_no"):
        return sim.alipay_trades.get(str(biz["out_trade_no"]))
    found = [t for t in sim.alipay_trades.values() if t.trade_no == biz.get("trade_no")]
    return found[0] if found else None


def _trade_member(trade: SimAlipayTrade) -> Member:
    member = {
        **_OK,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": "159****0000",
        "trade_status": trade.trade_status,
        "total_amount": fen_to_yuan(trade.total_fen),
        "buyer_user_id": trade.buyer_id,
    }
    if trade.paid_at is not None:
        member["buyer_pay_amount"] = fen_to_yuan(trade.total_fen)
        member["send_pay_date"] = clock.to_shop_time(trade.paid_at).strftime("%Y-%m-%d %H:%M:%S")
    return member


def new_trade(
    sim: PaymentSimulator, biz: Member, total: int, buyer: str, notify_url: str | None
) -> SimAlipayTrade:
    now = clock.now()
    trade = SimAlipayTrade(
        out_trade_no=str(biz["out_trade_no"]),
        trade_no=clock.to_shop_time(now).strftime("%Y%m%d") + "22" + new_digits(18),
        total_fen=total,
        subject=str(biz.get("subject", "")),
        buyer_id=buyer,
        notify_url=notify_url,
        created_at=now,
        fingerprint=(total, biz.get("subject"), buyer),
    )
    sim.alipay_trades[trade.out_trade_no] = trade
    return trade


def _create(sim: PaymentSimulator, biz: Member, params: dict[str, str]) -> Member:
    total = _amount(biz.get("total_amount"))
    buyer = biz.get("buyer_id") or biz.get("buyer_open_id")
    if not biz.get("out_trade_no") or not biz.get("subject") or total is None or not buyer:
        return _failed("isv.missing-parameter", "缺少必选参数或金额有误", "40002")
    if biz.get("product_code", "JSAPI_PAY") != "JSAPI_PAY":
        return _failed("ACQ.PRODUCT_CODE_ERROR", "产品码错误")
    trade = sim.alipay_trades.get(str(biz["out_trade_no"]))
    if trade is None:
        trade = new_trade(sim, biz, total, str(buyer), params.get("notify_url") or None)
    elif trade.trade_status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
        return _failed("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
    elif trade.trade_status == "TRADE_CLOSED":
        return _failed("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
    elif trade.fingerprint != (total, biz.get("subject"), buyer):
        return _failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
    return {**_OK, "out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no}


def _query(sim: PaymentSimulator, biz: Member, _params: dict[str, str]) -> Member:
    trade = _find(sim, biz)
    return _failed("ACQ.TRADE_NOT_EXIST", "交易不存在") if trade is None else _trade_member(trade)


def _close(sim: PaymentSimulator, biz: Member, _params: dict[str, str]) -> Member:
    trade = _find(sim, biz)
    if trade is None:
        return _failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
    if trade.trade_status != "WAIT_BUYER_PAY" and trade.trade_status != "TRADE_CLOSED":
        return _failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
    trade.trade_status = "TRADE_CLOSED"
    return {**_OK, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}


def _refund(sim: PaymentSimulator, biz: Member, _params: dict[str, str]) -> Member:
    trade = _find(sim, biz)
    amount = _amount(biz.get("refund_amount"))
    if amount is None:
        return _failed("isv.invalid-parameter", "退款金额有误", "40002")
    if trade is None:
        return _failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
    request_no = str(biz.get("out_request_no") or trade.out_trade_no)
    existing = sim.alipay_refunds.get((trade.out_trade_no, request_no))
    fund_change = "N"
    if existing is not None and existing.refund_fen != amount:
        return _failed("ACQ.CONTEXT_INCONSISTENT", "退款请求号重复，且金额不一致")
    if existing is None:
        if trade.paid_at is None:
            return _failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        if trade.refunded_fen + amount > trade.total_fen:
            return _failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        sim.alipay_refunds[(trade.out_trade_no, request_no)] = SimAlipayRefund(
            trade.out_trade_no, request_no, amount, clock.now()
        )
        trade.refunded_fen += amount
        if trade.refunded_fen == trade.total_fen:
            trade.trade_status = "TRADE_CLOSED"
        fund_change = "Y"
    return {
        **_OK,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": "159****0000",
        "fund_change": fund_change,
        "refund_fee": fen_to_yuan(trade.refunded_fen),
        "buyer_user_id": trade.buyer_id,
    }


def _refund_query(sim: PaymentSimulator, biz: Member, _params: dict[str, str]) -> Member:
    trade = _find(sim, biz)
    if trade is None:
        return _failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
    request_no = str(biz.get("out_request_no") or trade.out_trade_no)
    member = {**_OK, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}
    found = sim.alipay_refunds.get((trade.out_trade_no, request_no))
    if found is not None:  # Alipay answers 10000 without refund fields for an unknown refund
        member.update(
            out_request_no=request_no,
            total_amount=fen_to_yuan(trade.total_fen),
            refund_amount=fen_to_yuan(found.refund_fen),
            refund_status="REFUND_SUCCESS",
        )
    return member


_METHODS: dict[str, Callable[[PaymentSimulator, Member, dict[str, str]], Member]] = {
    "alipay.trade.create": _create,
    "alipay.trade.query": _query,
    "alipay.trade.close": _close,
    "alipay.trade.refund": _refund,
    "alipay.trade.fastpay.refund.query": _refund_query,
}


def _dispatch(sim: PaymentSimulator, params: dict[str, str]) -> Response:
    method = params.get("method", "")
    handler = _METHODS.get(method)
    if handler is None:
        member = _failed("isv.invalid-method", "不存在的方法名", "40002")
    elif params.get("app_id") != sim.config.alipay_app_id:
        member = _failed("isv.invalid-app-id", "无效的AppID参数", "40002")
    elif params.get("sign_type") != "RSA2" or not verify_request(params, sim.alipay_app_key):
        member = _failed("isv.invalid-signature", "验签出错", "40002")
    else:
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            biz = None
        if isinstance(biz, dict):
            member = handler(sim, biz, params)
        else:
            member = _failed("isv.invalid-parameter", "biz_content 不是 JSON 对象", "40002")
    # response_key("error") is "error_response", what Alipay answers for an unknown method
    text = build_signed_response(method if handler else "error", member, sim.alipay_key)
    return Response(text, media_type="application/json;charset=utf-8")


def _tamper(response: Response, unsigned: bool) -> Response:
    data = json.loads(bytes(response.body))
    if unsigned:
        data.pop("sign", None)
    else:
        member = next(key for key in data if key.endswith("_response"))
        data[member]["tampered"] = True
    return Response(json.dumps(data, ensure_ascii=False), media_type=response.media_type)


@alipay_router.post("/gateway.do")
async def gateway(request: Request, sim: SimulatorDep) -> Response:
    body = (await request.body()).decode("utf-8", errors="replace")
    params = dict(request.query_params)
    params.update(parse_qsl(body, keep_blank_values=True))
    endpoint = params.get("method", "alipay.unknown")

    async def handler() -> Response:
        return _dispatch(sim, params)

    def error(status: int) -> Response:
        return Response("Service Unavailable", status_code=status, media_type="text/plain")

    return await sim.guarded(endpoint, handler, error=error, tamper=_tamper)


def _pay(sim: PaymentSimulator, trade: SimAlipayTrade, options: ConfirmOptions) -> Member:
    if trade.trade_status == "TRADE_CLOSED" and trade.paid_at is None:
        return {"error": "trade_closed", "message": "交易已关闭，不能支付"}
    if trade.paid_at is None:
        trade.trade_status = "TRADE_SUCCESS"
        trade.paid_at = clock.now()
        notify_alipay_payment(sim, trade, options)
    return {
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.trade_no,
        "trade_status": trade.trade_status,
    }


@alipay_router.post("/trade/{trade_no}/confirm", response_model=None)
async def confirm(
    trade_no: str, sim: SimulatorDep, options: ConfirmOptions | None = None
) -> Member | JSONResponse:
    trade = _find(sim, {"trade_no": trade_no})
    if trade is None:
        return JSONResponse({"error": "not_found", "message": "交易不存在"}, status_code=404)
    result = _pay(sim, trade, options or ConfirmOptions())
    return JSONResponse(result, status_code=409) if "error" in result else result


class AppPayConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_string: str = Field(min_length=1, max_length=8000)
    buyer_id: str = "2088000000000002"
    options: ConfirmOptions = Field(default_factory=ConfirmOptions)


@alipay_router.post("/app-pay/confirm", response_model=None)
async def confirm_app_pay(body: AppPayConfirm, sim: SimulatorDep) -> Member | JSONResponse:
    params = dict(parse_qsl(body.order_string, keep_blank_values=True))
    if params.get("app_id") != sim.config.alipay_app_id or not verify_request(
        params, sim.alipay_app_key
    ):
        return JSONResponse({"error": "bad_signature", "message": "验签出错"}, status_code=400)
    biz = json.loads(params.get("biz_content") or "{}")
    total = _amount(biz.get("total_amount"))
    if params.get("method") != "alipay.trade.app.pay" or total is None:
        return JSONResponse({"error": "bad_order", "message": "订单串有误"}, status_code=400)
    trade = sim.alipay_trades.get(str(biz.get("out_trade_no", "")))
    if trade is None:
        trade = new_trade(sim, biz, total, body.buyer_id, params.get("notify_url") or None)
    result = _pay(sim, trade, body.options)
    return JSONResponse(result, status_code=409) if "error" in result else result
