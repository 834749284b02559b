"""Merchant order routes: list with filters, detail with timeline, ship, close unpaid."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xiaodian.auth.deps import CurrentAdmin, OrdersReader
from xiaodian.core.pagination import Page
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.orders import admin_service as service
from xiaodian.orders.schemas import AdminOrderOut, AdminOrderQuery, CloseIn, ShipIn

router = APIRouter(tags=["admin: orders"])


@router.get("/orders")
async def list_orders(
    _reader: OrdersReader, session: SessionDep, query: Annotated[AdminOrderQuery, Query()]
) -> Page[AdminOrderOut]:
    return await service.list_orders(session, query)


@router.get("/orders/{order_id}")
async def get_order(order_id: IdPath, _reader: OrdersReader, session: SessionDep) -> AdminOrderOut:
    return await service.get_order(session, order_id=order_id)


@router.post("/orders/{order_id}/ship")
async def ship(
    order_id: IdPath,
    body: ShipIn,
    admin: CurrentAdmin,
    session: SessionDep,
    context: ContextDep,
) -> AdminOrderOut:
    return await service.ship(
        session, order_id=order_id, shipment=body, admin_id=admin.id, defaults=context.settings
    )


@router.post("/orders/{order_id}/close")
async def close(
    order_id: IdPath,
    body: CloseIn,
    admin: CurrentAdmin,
    session: SessionDep,
) -> AdminOrderOut:
    return await service.close_unpaid(
        session, order_id=order_id, reason=body.reason, admin_id=admin.id
    )
