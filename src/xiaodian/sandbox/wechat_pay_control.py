"""Control endpoints of the payment simulator: what a buyer or a test does (sandbox-relative).

- ``GET  /wechat/pay/{prepay_id}``: the simulated WeChat Pay sheet (HTML, 确认支付 / 取消).
- ``POST /wechat/pay/{prepay_id}/confirm`` body ``ConfirmOptions`` (optional): the buyer pays;
  the order becomes SUCCESS and its notification is sent (v3 JSON or v2 XML), with faults
  ``{"duplicates": n, "delay_seconds": x, "bad_signature": true, "skip_notify": true,
  "stale_timestamp": true, "wrong_amount": true}``. Paying twice is a no-op (200).
- ``POST /wechat/pay/{prepay_id}/cancel``: the buyer closes the sheet (nothing changes).
- ``POST /wechat/pay/faults`` body ``{"endpoint": "v3.jsapi", "kind": "timeout"|"500"|"429"|
  "tamper"|"unsigned", "count": 1, "hang_seconds": 30}``; ``DELETE /wechat/pay/faults``.
  Endpoint names: ``pay_simulator.ENDPOINTS`` (v3.*, v2.*, alipay.trade.*).
- ``POST /wechat/pay/settings`` body ``{"signer": "certificate"|"public_key", "time_scale": x}``.
- ``GET  /wechat/pay/state``: orders, refunds, Alipay trades, deliveries, call counts, faults.
"""

from __future__ import annotations

import html
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from xiaodian.core.money import format_yuan
from xiaodian.sandbox.pay_messages import notify_wechat_payment
from xiaodian.sandbox.pay_simulator import (
    ENDPOINTS,
    ConfirmOptions,
    FaultKind,
    PaymentSimulator,
    SignerKind,
    get_simulator,
)

SimulatorDep = Annotated[PaymentSimulator, Depends(get_simulator)]

control_router = APIRouter(prefix="/wechat/pay", tags=["sandbox: payment control"])


class FaultRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str
    kind: FaultKind
    count: int = Field(default=1, ge=1, le=100)
    hang_seconds: float = Field(default=30.0, ge=0, le=600)


class SettingsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signer: SignerKind | None = None
    time_scale: float | None = Field(default=None, gt=0, le=10)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


@control_router.get("/state")
async def state(sim: SimulatorDep) -> dict[str, Any]:
    return sim.snapshot()


@control_router.post("/faults", response_model=None)
async def inject_fault(body: FaultRequest, sim: SimulatorDep) -> dict[str, Any] | JSONResponse:
    if body.endpoint not in ENDPOINTS:
        return _error(422, "unknown_endpoint", f"endpoint must be one of {sorted(ENDPOINTS)}")
    sim.inject_fault(body.endpoint, body.kind, body.count, body.hang_seconds)
    return {"faults": sim.snapshot()["faults"]}


@control_router.delete("/faults", status_code=204)
async def clear_faults(sim: SimulatorDep) -> Response:
    sim.clear_faults()
    return Response(status_code=204)


@control_router.post("/settings")
async def change_settings(body: SettingsRequest, sim: SimulatorDep) -> dict[str, Any]:
    if body.signer is not None:
        sim.signer = body.signer
    if body.time_scale is not None:
        sim.time_scale = body.time_scale
    return {"signer": sim.signer, "time_scale": sim.time_scale}


@control_router.post("/{prepay_id}/confirm", response_model=None)
async def confirm(
    prepay_id: str, sim: SimulatorDep, options: ConfirmOptions | None = None
) -> dict[str, Any] | JSONResponse:
    order = sim.order_by_prepay(prepay_id)
    if order is None:
        return _error(404, "not_found", "没有这笔预支付交易")
    trade_state = sim.effective_state(order)
    if trade_state == "CLOSED":
        return _error(409, "order_closed", "订单已关闭，不能支付")
    notified = False
    if trade_state == "NOTPAY":
        sim.mark_paid(order)
        options = options or ConfirmOptions()
        notify_wechat_payment(sim, order, options)
        notified = not options.skip_notify
    return {
        "out_trade_no": order.out_trade_no,
        "trade_state": order.trade_state,
        "transaction_id": order.transaction_id,
        "notified": notified,
    }


@control_router.post("/{prepay_id}/cancel", response_model=None)
async def cancel(prepay_id: str, sim: SimulatorDep) -> dict[str, Any] | JSONResponse:
    order = sim.order_by_prepay(prepay_id)
    if order is None:
        return _error(404, "not_found", "没有这笔预支付交易")
    order.cancelled = True
    return {"out_trade_no": order.out_trade_no, "trade_state": sim.effective_state(order)}


_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信支付（模拟）</title>
<style>
body{{margin:0;background:#ededed;
font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif}}
.sheet{{max-width:420px;margin:40px auto;background:#fff;border-radius:12px;padding:24px;
text-align:center}}
.tag{{color:#888;font-size:12px}} .merchant{{font-size:16px;margin:12px 0 4px}}
.description{{color:#555;font-size:14px}} .amount{{font-size:40px;font-weight:600;margin:20px 0}}
button{{width:100%;padding:12px;border:0;border-radius:8px;font-size:16px;margin-top:10px}}
.pay{{background:#07c160;color:#fff}} .cancel{{background:#f2f2f2;color:#333}}
.result{{margin-top:16px;min-height:1.4em}}
</style></head><body>
<div class="sheet">
<div class="tag">模拟微信支付 · 沙箱环境，不会产生真实扣款</div>
<div class="merchant">{merchant}</div>
<div class="description">{description}</div>
<div class="amount">¥{amount}</div>
<div class="status">订单状态：{status}</div>
<button class="pay" data-url="{confirm_url}" {disabled}>确认支付</button>
<button class="cancel" data-url="{cancel_url}">取消</button>
<div class="result" role="status"></div>
</div>
<script>
document.querySelectorAll("button[data-url]").forEach(function (button) {{
  button.addEventListener("click", function () {{
    var result = document.querySelector(".result");
    fetch(button.dataset.url, {{method: "POST", headers: {{"Content-Type": "application/json"}},
      body: "{{}}"}})
      .then(function (response) {{ return response.json().then(function (data) {{
        if (!response.ok) {{ result.textContent = data.message || "操作失败"; return; }}
        result.textContent = button.classList.contains("pay") ? "支付成功" : "已取消支付";
        document.querySelector(".pay").disabled = true;
      }}); }})
      .catch(function () {{ result.textContent = "网络错误，请重试"; }});
  }});
}});
</script>
</body></html>
"""

_STATUS_TEXT = {"NOTPAY": "待支付", "SUCCESS": "已支付", "REFUND": "已退款", "CLOSED": "已关闭"}


@control_router.get("/{prepay_id}", response_class=HTMLResponse)
async def payment_sheet(prepay_id: str, sim: SimulatorDep) -> HTMLResponse:
    order = sim.order_by_prepay(prepay_id)
    if order is None:
        return HTMLResponse("<p>没有这笔预支付交易</p>", status_code=404)
    trade_state = sim.effective_state(order)
    escaped_id = html.escape(quote(prepay_id, safe=""), quote=True)
    page = _PAGE.format(
        merchant=html.escape(sim.config.merchant_name),
        description=html.escape(order.description),
        amount=format_yuan(order.total_fen),
        status=_STATUS_TEXT.get(trade_state, trade_state),
        confirm_url=f"{escaped_id}/confirm",
        cancel_url=f"{escaped_id}/cancel",
        disabled="" if trade_state == "NOTPAY" else "disabled",
    )
    return HTMLResponse(page)
