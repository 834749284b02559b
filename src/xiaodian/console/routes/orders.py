"""Orders: filter by status, date and keyword; detail with timeline; ship; close unpaid; print
a packing slip."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xiaodian.console.forms import FieldErrors, attempt, lenient, shop_day_start, text, validate
from xiaodian.console.rendering import is_htmx, redirect, render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, read_form
from xiaodian.console.vocabulary import ORDER_TEXT
from xiaodian.core.actors import ActorKind
from xiaodian.deps import IdPath, SessionDep, context_of
from xiaodian.oplog.service import ConsoleOrigin
from xiaodian.orders import admin_service as orders
from xiaodian.orders import merchant as order_merchant
from xiaodian.orders.schemas import AdminOrderOut, AdminOrderQuery, CloseIn, ShipIn
from xiaodian.orders.state import Status
from xiaodian.payments import refund_views
from xiaodian.payments.vocabulary import RefundStatus

router = APIRouter()
section = Section(
    key="orders", title="订单管理", path="/orders", icon="orders", group="交易", router=router
)

TABS = (
    ("all", "全部"),
    *(
        (status, ORDER_TEXT[status])
        for status in (Status.PENDING_PAYMENT, Status.PAID, Status.SHIPPED, Status.COMPLETED)
    ),
    ("after_sale", "售后"),
    ("closed", ORDER_TEXT[Status.CLOSED]),
)
CARRIERS = (
    "顺丰速运",
    "中通快递",
    "圆通速递",
    "韵达快递",
    "申通快递",
    "极兔速递",
    "京东物流",
    "邮政 EMS",
    "门店配送",
)
ACTORS = {ActorKind.BUYER: "买家", ActorKind.MERCHANT: "商家", ActorKind.SYSTEM: "系统"}


def _query(filters: dict[str, str]) -> AdminOrderQuery:
    params: dict[str, Any] = {
        "status": filters["status"],
        "q": filters["q"],
        "page": filters["page"],
    }
    start = shop_day_start(filters["date_from"])
    end = shop_day_start(filters["date_to"])
    params["created_from"] = start.isoformat() if start else ""
    params["created_to"] = (end + timedelta(days=1)).isoformat() if end else ""
    return lenient(AdminOrderQuery, params)


@router.get("/orders")
async def order_list(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    names = ("status", "q", "date_from", "date_to", "page")
    filters = {name: request.query_params.get(name, "") for name in names}
    filters["status"] = filters["status"] or "all"
    page = await orders.list_orders(session, _query(filters))
    return render(
        request,
        "orders/_results.html" if is_htmx(request) else "orders/list.html",
        section="orders",
        page=page,
        filters=filters,
        tabs=TABS,
    )


async def _detail(
    request: Request,
    session: SessionDep,
    order: AdminOrderOut,
    *,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> Response:
    refunds = await refund_views.list_refunds(
        session, status=None, page=1, page_size=100, order_id=order.id
    )
    refunded = [refund for refund in refunds.items if refund.status == RefundStatus.SUCCEEDED]
    refunded_lines: dict[int, list[int]] = {}  # line id -> [units, fen] refunded
    for refund in refunded:
        for item in refund.lines:
            units_fen = refunded_lines.setdefault(item.line_id, [0, 0])
            units_fen[0] += item.quantity
            units_fen[1] += item.amount_fen
    refunded_fen = sum(refund.amount_fen for refund in refunded)
    return render(
        request,
        "orders/detail.html",
        status_code=status_code,
        section="orders",
        order=order,
        refunds=refunds.items,
        refunded_fen=refunded_fen,
        refunded_lines=refunded_lines,
        carriers=CARRIERS,
        actors=ACTORS,
        can_ship=order.status == Status.PAID,
        can_close=order.status == Status.PENDING_PAYMENT,
        values=values or {"carrier": CARRIERS[0], "tracking_no": ""},
        errors=errors or {},
    )


@router.get("/orders/{order_id}")
async def order_detail(
    order_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    return await _detail(request, session, await orders.get_order(session, order_id=order_id))


@router.post("/orders/{order_id}/ship")
async def ship(
    order_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    form = await read_form(request)
    values = {"carrier": text(form, "carrier"), "tracking_no": text(form, "tracking_no")}
    shipment, errors = validate(ShipIn, values)
    if shipment is not None:
        context = context_of(request)
        shipped, errors = await attempt(
            session,
            lambda: order_merchant.ship(
                session,
                admin=admin,
                origin=origin,
                order_id=order_id,
                shipment=shipment,
                defaults=context.settings,
            ),
        )
        if shipped is not None:
            return redirect(request, f"/orders/{order_id}", flash="已发货")
    if "tracking_no" in errors and errors["tracking_no"] != "必填":
        errors["tracking_no"] = "运单号为 4–64 位字母、数字或短横线"
    order = await orders.get_order(session, order_id=order_id)
    return await _detail(request, session, order, values=values, errors=errors, status_code=422)


@router.post("/orders/{order_id}/close")
async def close(
    order_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    reason, errors = validate(CloseIn, {"reason": text(await read_form(request), "reason")})
    if reason is not None:
        closed, errors = await attempt(
            session,
            lambda: order_merchant.close_unpaid(
                session, admin=admin, origin=origin, order_id=order_id, reason=reason.reason
            ),
        )
        if closed is not None:
            return redirect(request, f"/orders/{order_id}", flash="订单已关闭，库存已退回")
    order = await orders.get_order(session, order_id=order_id)
    return await _detail(request, session, order, errors=errors, status_code=422)


@router.get("/orders/{order_id}/slip")
async def packing_slip(
    order_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    return render(
        request, "orders/slip.html", order=await orders.get_order(session, order_id=order_id)
    )
