"""Orders: filter by status, date and keyword; detail with timeline; ship; close unpaid; print
a packing slip."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from xiaodian.console import barcode
from xiaodian.console.forms import FieldErrors, attempt, lenient, shop_day_start, text, validate
from xiaodian.console.rendering import is_htmx, redirect, render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, ConsoleShip, read_form
from xiaodian.console.vocabulary import ORDER_TEXT
from xiaodian.core import clock
from xiaodian.core.actors import ActorKind
from xiaodian.core.dbtypes import MAX_ID
from xiaodian.core.errors import ShopError
from xiaodian.deps import IdPath, SessionDep, context_of
from xiaodian.models import Sku
from xiaodian.oplog.service import ConsoleOrigin
from xiaodian.orders import admin_service as orders
from xiaodian.orders import export, ship_import
from xiaodian.orders import merchant as order_merchant
from xiaodian.orders.schemas import AdminOrderOut, AdminOrderQuery, CloseIn, ShipIn
from xiaodian.orders.state import Status
from xiaodian.payments import refund_views
from xiaodian.payments.vocabulary import RefundStatus
from xiaodian.shop.service import current_settings

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
        "user_id": filters.get("user_id", ""),
    }
    start = shop_day_start(filters["date_from"])
    end = shop_day_start(filters["date_to"])
    params["created_from"] = start.isoformat() if start else ""
    params["created_to"] = (end + timedelta(days=1)).isoformat() if end else ""
    return lenient(AdminOrderQuery, params)


@router.get("/orders")
async def order_list(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    names = ("status", "q", "date_from", "date_to", "page", "user_id")
    filters = {name: request.query_params.get(name, "") for name in names}
    filters["status"] = filters["status"] or "all"
    counts = await orders.tab_counts(session)
    page = await orders.list_orders(session, _query(filters), counts=counts)
    return render(
        request,
        "orders/_results.html" if is_htmx(request) else "orders/list.html",
        section="orders",
        page=page,
        filters=filters,
        tabs=TABS,
        counts=counts,
    )


MAX_PRINT = 200
RETRACKED = "运单号已修改，原运单号保留在订单进度中"
PRINT_FORMATS = {"a4": "A4 发货单", "58": "58mm 小票", "80": "80mm 小票"}


@router.get("/orders/print")
async def print_orders(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    """Packing slips (A4, one per page) or thermal receipts (58/80 mm) for the ticked orders,
    each with a Code 128 barcode of its order number."""
    ids: list[int] = []
    for raw in request.query_params.getlist("ids"):
        if raw.isdigit() and 0 < int(raw) <= MAX_ID and int(raw) not in ids:
            ids.append(int(raw))
    kind = request.query_params.get("format", "a4")
    kind = kind if kind in PRINT_FORMATS else "a4"
    found = [await orders.get_order(session, order_id=i) for i in ids[:MAX_PRINT]]
    sku_ids = {line.sku_id for order in found for line in order.lines}
    rows = await session.execute(select(Sku.id, Sku.code).where(Sku.id.in_(sku_ids)))
    codes = {sku_id: code for sku_id, code in rows}
    context = context_of(request)
    shop_row = await current_settings(session, defaults=context.settings)
    return render(
        request,
        "orders/print.html",
        orders=found,
        kind=kind,
        kind_text=PRINT_FORMATS[kind],
        codes=codes,
        shop_phone=shop_row.service_phone,
        barcodes={order.id: barcode.svg(order.order_no) for order in found},
    )


SHIP_IMPORT_EXAMPLE = "订单号,快递公司,运单号\n20261201093015123456,顺丰速运,SF1234567890\n"


@router.get("/orders/ship-import")
async def ship_import_page(request: Request, _admin: ConsoleShip) -> Response:
    return render(
        request,
        "orders/ship_import.html",
        section="orders",
        lines=None,
        csv_text="",
        example=SHIP_IMPORT_EXAMPLE,
        error="",
    )


async def _import_text(request: Request) -> str:
    form = await read_form(request)
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        return ship_import.decode(await upload.read(ship_import.MAX_BYTES + 1))
    return text(form, "csv")


@router.post("/orders/ship-import")
async def ship_import_preview(
    request: Request, _admin: ConsoleShip, session: SessionDep
) -> Response:
    """The preview: every line with the order it will ship or its error; nothing changes."""
    csv_text, lines, error = "", None, ""
    try:
        csv_text = await _import_text(request)
        lines = await ship_import.check(session, ship_import.parse(csv_text))
    except ShopError as refused:
        error = refused.message
    return render(
        request,
        "orders/ship_import.html",
        status_code=422 if error else 200,
        section="orders",
        lines=lines,
        csv_text=csv_text,
        example=SHIP_IMPORT_EXAMPLE,
        error=error,
        bad=sum(1 for line in lines or [] if line.error),
    )


@router.post("/orders/ship-import/apply")
async def ship_import_apply(
    request: Request, admin: ConsoleShip, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    """Ship every line in one go, or none (the preview is shown again with the errors)."""
    csv_text = text(await read_form(request), "csv")
    context = context_of(request)
    lines: list[ship_import.ImportLine] | None = None
    error = ""
    try:
        lines = ship_import.parse(csv_text)
    except ShopError as refused:
        error = refused.message
    if lines is not None:
        parsed = lines
        shipped, errors = await attempt(
            session,
            lambda: ship_import.apply(
                session, admin=admin, origin=origin, lines=parsed, defaults=context.settings
            ),
        )
        if shipped is not None:
            return redirect(request, "/orders?status=shipped", flash=f"已发货 {len(shipped)} 单")
        error = next(iter(errors.values()), "导入失败")
        await ship_import.check(session, lines)
    return render(
        request,
        "orders/ship_import.html",
        status_code=422,
        section="orders",
        lines=lines,
        csv_text=csv_text,
        example=SHIP_IMPORT_EXAMPLE,
        error=error,
        bad=sum(1 for line in lines or [] if line.error),
    )


@router.get("/orders/export.csv")
async def export_csv(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    names = ("status", "q", "date_from", "date_to", "user_id")
    filters = {name: request.query_params.get(name, "") for name in names}
    filters["status"] = filters["status"] or "all"
    filters["page"] = ""
    stamp = clock.to_shop_time(clock.now()).strftime("%Y%m%d-%H%M")
    return Response(
        await export.orders_csv(session, _query(filters)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="orders-{stamp}.csv"'},
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
        can_retrack=order.status in (Status.SHIPPED, Status.DELIVERING),
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


@router.post("/orders/{order_id}/tracking")
async def change_tracking(
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
        changed, errors = await attempt(
            session,
            lambda: order_merchant.change_tracking(
                session, admin=admin, origin=origin, order_id=order_id, shipment=shipment
            ),
        )
        if changed is not None:
            return redirect(
                request, f"/orders/{order_id}", flash="运单号已修改，原运单号保留在订单进度中"
            )
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
