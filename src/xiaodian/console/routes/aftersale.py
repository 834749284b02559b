"""After-sale refunds (approve, reject, retry) and the payment anomalies list."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xiaodian.console.forms import FieldErrors, attempt, lenient, text, validate
from xiaodian.console.rendering import redirect, render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, read_form
from xiaodian.core.errors import ShopError
from xiaodian.core.money import format_yuan
from xiaodian.deps import IdPath, SessionDep, context_of
from xiaodian.oplog.service import ConsoleOrigin
from xiaodian.payments import merchant, monitor, refund_views, returns
from xiaodian.payments.schemas import AnomalyQuery, RefundQuery, RejectIn, ReturnAddressIn
from xiaodian.payments.vocabulary import AnomalyKind, RefundStatus

router = APIRouter()
refunds_section = Section(
    key="refunds", title="售后退款", path="/refunds", icon="refunds", group="交易", router=router
)
anomalies_section = Section(
    key="anomalies",
    title="支付异常",
    path="/payments/anomalies",
    icon="anomalies",
    group="交易",
    router=APIRouter(),
)
STATUS_TABS: tuple[tuple[str, str], ...] = (
    ("", "全部"),
    (RefundStatus.REQUESTED, "待审核"),
    (RefundStatus.RETURN_APPROVED, "待买家退货"),
    (RefundStatus.RETURNING, "待商家收货"),
    (RefundStatus.PROCESSING, "退款中"),
    (RefundStatus.SUCCEEDED, "已退款"),
    (RefundStatus.REJECTED, "已拒绝"),
    (RefundStatus.FAILED, "退款失败"),
)
ANOMALY_KINDS: dict[AnomalyKind, str] = {
    AnomalyKind.STUCK: "支付未确认",
    AnomalyKind.FAILED: "支付失败",
    AnomalyKind.MISMATCHED: "金额不符",
    AnomalyKind.AUTO_REFUNDED: "自动退款",
    AnomalyKind.REFUND_FAILED: "退款失败",
}
ALARMING = frozenset({AnomalyKind.MISMATCHED, AnomalyKind.REFUND_FAILED})
"""Shown in red: money that may be wrong, or that did not go back."""
CHANNELS = {"wechat": "微信支付", "alipay": "支付宝"}


async def _refunds_page(
    request: Request,
    session: SessionDep,
    *,
    row_errors: dict[int, FieldErrors] | None = None,
    status_code: int = 200,
) -> Response:
    filters = {name: request.query_params.get(name, "") for name in ("status", "order_id", "page")}
    query = lenient(RefundQuery, filters)
    page = await refund_views.list_refunds(
        session,
        status=query.status,
        page=query.page,
        page_size=query.page_size,
        order_id=query.order_id,
    )
    return render(
        request,
        "aftersale/refunds.html",
        status_code=status_code,
        section="refunds",
        page=page,
        filters=filters,
        tabs=STATUS_TABS,
        row_errors=row_errors or {},
        return_address=await returns.last_return_address(session),
    )


@router.get("/refunds")
async def refunds(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    return await _refunds_page(request, session)


def _back(request: Request) -> str:
    back = text(request.query_params, "back")
    return back if back.startswith("/orders/") else "/refunds"


@router.post("/refunds/{refund_id}/approve")
async def approve(
    refund_id: IdPath, request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin
) -> Response:
    """No request transaction here: the refund service opens its own around the channel call."""
    context = context_of(request)
    try:
        refund = await merchant.approve(context, admin=admin, origin=origin, refund_id=refund_id)
    except ShopError as error:
        return redirect(request, _back(request), flash=error.message)
    message = f"已同意退款 ¥{format_yuan(refund.amount_fen)}，{refund.status_text}"
    return redirect(request, _back(request), flash=message)


@router.post("/refunds/{refund_id}/agree-return")
async def agree_to_return(
    refund_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    """同意退货 with the return address: the shopper ships the goods back; no money yet."""
    body, errors = validate(ReturnAddressIn, {"address": text(await read_form(request), "address")})
    if body is not None:
        agreed, errors = await attempt(
            session,
            lambda: merchant.agree_to_return(
                session,
                admin=admin,
                origin=origin,
                context=context_of(request),
                refund_id=refund_id,
                address=body.address,
            ),
        )
        if agreed is not None:
            return redirect(request, _back(request), flash="已同意退货，等待买家寄回商品")
    if "address" in errors:
        errors["address"] = "请填写完整的退货地址（收件人、电话、地址），买家会看到"
    return await _refunds_page(request, session, row_errors={refund_id: errors}, status_code=422)


@router.post("/refunds/{refund_id}/receive")
async def receive_return(
    refund_id: IdPath, request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin
) -> Response:
    """确认收到退货 (退回库存 ticked or not); the refund service opens its own transactions."""
    restock = text(await read_form(request), "restock") == "1"
    try:
        refund = await merchant.receive_return(
            context_of(request), admin=admin, origin=origin, refund_id=refund_id, restock=restock
        )
    except ShopError as error:
        return redirect(request, _back(request), flash=error.message)
    message = f"已确认收货并退款 ¥{format_yuan(refund.amount_fen)}，{refund.status_text}"
    return redirect(request, _back(request), flash=message)


@router.post("/refunds/{refund_id}/retry")
async def retry(
    refund_id: IdPath, request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin
) -> Response:
    context = context_of(request)
    try:
        refund = await merchant.retry(context, admin=admin, origin=origin, refund_id=refund_id)
    except ShopError as error:
        return redirect(request, _back(request), flash=error.message)
    return redirect(request, _back(request), flash=f"已重新提交退款：{refund.status_text}")


@router.post("/refunds/{refund_id}/reject")
async def reject(
    refund_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    body, errors = validate(RejectIn, {"reason": text(await read_form(request), "reason")})
    if body is not None:
        rejected, errors = await attempt(
            session,
            lambda: merchant.reject(
                session, admin=admin, origin=origin, refund_id=refund_id, reason=body.reason
            ),
        )
        if rejected is not None:
            return redirect(request, _back(request), flash="已拒绝退款，订单回到原来的状态")
    if errors.get("reason") in ("不能为空", "必填"):
        errors["reason"] = "请填写拒绝原因，买家会看到"
    return await _refunds_page(request, session, row_errors={refund_id: errors}, status_code=422)


@anomalies_section.router.get("/payments/anomalies")
async def anomalies(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    filters = {name: request.query_params.get(name, "") for name in ("kind", "page")}
    query = lenient(AnomalyQuery, filters)
    page = await monitor.anomalies(
        session, kind=query.kind, page=query.page, page_size=query.page_size
    )
    return render(
        request,
        "aftersale/anomalies.html",
        section="anomalies",
        page=page,
        filters=filters,
        kinds=ANOMALY_KINDS,
        alarming=ALARMING,
        channels=CHANNELS,
    )
