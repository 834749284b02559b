"""Merchant order routes: list with filters, detail with timeline, ship, close unpaid."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from xiaodian.auth.deps import CurrentAdmin, OrdersReader, ShipAdmin
from xiaodian.core.pagination import Page
from xiaodian.core.responses import CSVResponse
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.oplog.service import ApiOrigin
from xiaodian.orders import admin_service as service
from xiaodian.orders import export, merchant, ship_import
from xiaodian.orders.schemas import (
    AdminOrderOut,
    AdminOrderQuery,
    CloseIn,
    ShipImportIn,
    ShipImportLineOut,
    ShipIn,
)

router = APIRouter(tags=["admin: orders"])


@router.get("/orders")
async def list_orders(
    _reader: OrdersReader, session: SessionDep, query: Annotated[AdminOrderQuery, Query()]
) -> Page[AdminOrderOut]:
    return await service.list_orders(session, query)


@router.get("/orders/export.csv", response_class=CSVResponse)
async def export_orders(
    _admin: CurrentAdmin, session: SessionDep, query: Annotated[AdminOrderQuery, Query()]
) -> Response:
    """Every order matching the list's filters (status tab, keyword, dates) as CSV."""
    return Response(
        await export.orders_csv(session, query),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="orders.csv"'},
    )


@router.get("/orders/{order_id}")
async def get_order(order_id: IdPath, _reader: OrdersReader, session: SessionDep) -> AdminOrderOut:
    return await service.get_order(session, order_id=order_id)


@router.post("/orders/{order_id}/ship")
async def ship(
    order_id: IdPath,
    body: ShipIn,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> AdminOrderOut:
    return await merchant.ship(
        session,
        admin=admin,
        origin=origin,
        order_id=order_id,
        shipment=body,
        defaults=context.settings,
    )


@router.patch("/orders/{order_id}/shipment")
async def change_tracking(
    order_id: IdPath,
    body: ShipIn,
    admin: ShipAdmin,
    origin: ApiOrigin,
    session: SessionDep,
) -> AdminOrderOut:
    """Correct a shipped order's carrier or tracking number; the old one stays in the
    timeline."""
    return await merchant.change_tracking(
        session, admin=admin, origin=origin, order_id=order_id, shipment=body
    )


@router.post("/orders/ship-import")
async def import_shipments(
    body: ShipImportIn,
    admin: ShipAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> list[ShipImportLineOut]:
    """Batch shipping from CSV: `apply: false` previews each line with its error; `apply: true`
    ships them all in one transaction, or refuses the whole file (422)."""
    lines = ship_import.parse(body.csv)
    if body.apply:
        await ship_import.apply(
            session, admin=admin, origin=origin, lines=lines, defaults=context.settings
        )
    else:
        await ship_import.check(session, lines)
    return [
        ShipImportLineOut(
            line=line.line_no,
            order_no=line.order_no,
            carrier=line.carrier,
            tracking_no=line.tracking_no,
            order_id=line.order_id,
            status=line.status,
            error=line.error,
        )
        for line in lines
    ]


@router.get("/order-counts")
async def tab_counts(_admin: CurrentAdmin, session: SessionDep) -> dict[str, int]:
    """How many orders each status tab holds."""
    return await service.tab_counts(session)


@router.post("/orders/{order_id}/close")
async def close(
    order_id: IdPath,
    body: CloseIn,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
) -> AdminOrderOut:
    return await merchant.close_unpaid(
        session, admin=admin, origin=origin, order_id=order_id, reason=body.reason
    )
