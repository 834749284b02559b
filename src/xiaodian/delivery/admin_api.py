"""Merchant routes: delivery settings, a day's slots, batches with their routes and maps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from xiaodian.auth.deps import CurrentAdmin, DetachedAdmin, OwnerAdmin, permitted
from xiaodian.auth.permissions import Permission
from xiaodian.delivery import batches, locate, merchant, pickup, service
from xiaodian.delivery.rider import route_map_response
from xiaodian.delivery.schemas import (
    BatchIn,
    BatchOut,
    BatchSummary,
    DeliverySettingsIn,
    DeliverySettingsOut,
    GeocodeIn,
    GeocodeOut,
    PickupOrderOut,
    ReplanIn,
    SlotOut,
)
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.models import AdminUser
from xiaodian.oplog.service import ApiOrigin

router = APIRouter(tags=["admin: delivery"])
DateQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
PickupCode = Annotated[str, Path(pattern=r"^\d{8}$")]
DetachedShipAdmin = Annotated[AdminUser, Depends(permitted(Permission.SHIP, detached=True))]


@router.get("/delivery/settings")
async def get_settings(
    _admin: CurrentAdmin, session: SessionDep, context: ContextDep
) -> DeliverySettingsOut:
    row = await service.load_settings(session)
    return service.settings_out(row, geocoding=bool(context.settings.amap_key))


@router.put("/delivery/settings")
async def put_settings(
    body: DeliverySettingsIn,
    owner: OwnerAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> DeliverySettingsOut:
    return await merchant.save_settings(
        session,
        admin=owner,
        origin=origin,
        data=body,
        geocoding=bool(context.settings.amap_key),
    )


@router.post("/delivery/geocode")
async def geocode_store(body: GeocodeIn, _admin: DetachedAdmin, context: ContextDep) -> GeocodeOut:
    return await locate.geocode(context, address=body.address, city=body.city)


@router.get("/delivery/slots")
async def slots(_admin: CurrentAdmin, session: SessionDep, date: DateQuery = None) -> list[SlotOut]:
    row = await service.load_settings(session)
    days = [date] if date else service.bookable_days(row)
    return await service.slots_of(session, row, days)


@router.post("/delivery/batches", status_code=201)
async def plan_batch(
    body: BatchIn, admin: DetachedShipAdmin, origin: ApiOrigin, context: ContextDep
) -> BatchOut:
    """Plan the slot's paid delivery orders into routes for `riders` and send them out."""
    return await merchant.plan_batch(
        context,
        admin=admin,
        origin=origin,
        slot_date=body.date,
        slot_start=body.slot_start,
        riders=body.riders,
        order_ids=body.order_ids,
    )


@router.get("/delivery/batches")
async def list_batches(
    _admin: CurrentAdmin, session: SessionDep, date: DateQuery = None
) -> list[BatchSummary]:
    row = await service.load_settings(session)
    return await batches.batches_of_day(session, slot_date=date or service.bookable_days(row)[0])


@router.get("/delivery/batches/{batch_id}")
async def get_batch(
    batch_id: IdPath, _admin: CurrentAdmin, session: SessionDep, context: ContextDep
) -> BatchOut:
    return await batches.batch_out(session, context=context, batch_id=batch_id)


@router.post("/delivery/batches/{batch_id}/replan")
async def replan(
    batch_id: IdPath,
    body: ReplanIn,
    admin: DetachedShipAdmin,
    origin: ApiOrigin,
    context: ContextDep,
) -> BatchOut:
    return await merchant.replan_batch(
        context, admin=admin, origin=origin, batch_id=batch_id, riders=body.riders
    )


@router.get("/delivery/routes/{route_id}/map.svg")
async def route_map(route_id: IdPath, _admin: CurrentAdmin, session: SessionDep) -> Response:
    return await route_map_response(session, route_id)


@router.get("/delivery/pickups/{code}")
async def find_pickup(
    code: PickupCode, _admin: CurrentAdmin, session: SessionDep
) -> PickupOrderOut:
    """The 自提 order a shopper's pickup code belongs to (to check before handing it over)."""
    return await pickup.find_pickup(session, code=code)


@router.post("/delivery/pickups/{code}/complete")
async def complete_pickup(
    code: PickupCode, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep
) -> PickupOrderOut:
    """自提核销: the shopper collected the order; `paid → completed`."""
    return await merchant.complete_pickup(session, admin=admin, origin=origin, code=code)
