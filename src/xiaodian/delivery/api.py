"""Shopper routes: a delivery quote for an address or a point, geocoding a typed address, and
an order's delivery (slot, stop number, outcome)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xiaodian.auth.deps import CurrentUser, DetachedUser
from xiaodian.core.types import Latitude, Longitude
from xiaodian.delivery import locate, service
from xiaodian.delivery.schemas import GeocodeIn, GeocodeOut, OrderDeliveryOut, QuoteOut
from xiaodian.delivery.views import order_delivery, own_address_point
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.integrations.amap import Point

router = APIRouter(tags=["delivery"])


@router.get("/delivery/quote")
async def quote(
    user: DetachedUser,
    context: ContextDep,
    address_id: Annotated[int | None, Query(ge=1)] = None,
    lat: Annotated[Latitude | None, Query()] = None,
    lng: Annotated[Longitude | None, Query()] = None,
) -> QuoteOut:
    """In the zone or not, the distance and fee, the slots with room, pickup and express.
    The distance comes from AMap when configured (and is cached for the checkout)."""
    point: Point | None = None
    async with context.db.transaction(write=False) as session:
        if address_id is not None:
            point = await own_address_point(session, user_id=user.id, address_id=address_id)
        elif lat is not None and lng is not None:
            point = Point(lat=lat, lng=lng)
        row = await service.load_settings(session)
    distance_m: int | None = None
    if point is not None and service.store_point(row) is not None:
        distance_m = await service.distance_to(context, row, point)
    async with context.db.transaction(write=False) as session:
        return await service.quote(session, row=row, point=point, distance_m=distance_m)


@router.post("/delivery/geocode")
async def geocode(body: GeocodeIn, _user: DetachedUser, context: ContextDep) -> GeocodeOut:
    return await locate.geocode(context, address=body.address, city=body.city)


@router.get("/delivery/orders/{order_id}")
async def delivery_of_order(
    order_id: IdPath, user: CurrentUser, session: SessionDep
) -> OrderDeliveryOut:
    return await order_delivery(session, user_id=user.id, order_id=order_id)
