"""Merchant order routes: list with filters, detail with timeline, ship, close unpaid."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xiaodian.auth.deps import CurrentAdmin
from xiaodian.core.pagination import Page
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.oplog.service import ApiOrigin
from xiaodian.orders import admin_service as service
from xiaodian.orders import merchant
from xiaodian.orders.schemas import AdminOrderOut, AdminOrderQuery, CloseIn, ShipIn

router = APIRouter(tags=["admin: orders"])


@router.get("/orders")
async def list_orders(
    _admin: CurrentAdmin, session: SessionDep, query: Annotated[AdminOrderQuery, Query()]
) -> Page[AdminOrderOut]:
    return await service.list_orders(session, query)


@router.get("/orders/{order_id}")
async def get_order(order_id: IdPath, _admin: CurrentAdmin, session: SessionDep) -> AdminOrderOut:
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
