"""The rider's page behind a signed link: the route's stops in order, tap-to-call, a link to
open each stop in a map app, and buttons to mark a stop delivered or failed with a reason.

No account: the link's signature is the credential (`delivery.links`), checked on every
request, read or write; it expires at the end of the slot's day.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.delivery import links
from xiaodian.delivery.batches import route_stops, stop_out
from xiaodian.delivery.errors import RiderLinkInvalid, StopNotInRoute
from xiaodian.delivery.schemas import Outcome
from xiaodian.delivery.service import load_settings, store_point
from xiaodian.delivery.svgmap import route_svg
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.integrations.amap import Point
from xiaodian.models import DeliveryBatch, DeliveryOrder, DeliveryRoute, Order
from xiaodian.orders import actions
from xiaodian.orders.state import Status

router = APIRouter(prefix="/rider", include_in_schema=False)
_templates = Environment(
    loader=PackageLoader("xiaodian.delivery", "templates"),
    autoescape=select_autoescape(["html"]),
)
Expires = Annotated[int, Query(ge=0, le=2**40)]
Signature = Annotated[str, Query(min_length=1, max_length=64)]


async def _route(
    session: AsyncSession, context: AppContext, route_id: int, exp: int, sig: str
) -> tuple[DeliveryRoute, DeliveryBatch]:
    route = await session.get(DeliveryRoute, route_id)
    if route is None or not links.valid(
        context.settings.secret_key, route_id, route.link_token, exp, sig
    ):
        raise RiderLinkInvalid()
    batch = await session.get(DeliveryBatch, route.batch_id)
    if batch is None:
        raise RiderLinkInvalid()
    return route, batch


def _map_link(order: Order) -> str:
    name = quote(f"{order.receiver_name} {order.address_detail}")
    return (
        f"https://uri.amap.com/marker?position={order.lng},{order.lat}&name={name}&coordinate=gaode"
    )


@router.get("/routes/{route_id}", response_class=HTMLResponse)
async def rider_page(
    route_id: IdPath, exp: Expires, sig: Signature, session: SessionDep, context: ContextDep
) -> HTMLResponse:
    route, batch = await _route(session, context, route_id, exp, sig)
    stops = await route_stops(session, route.id)
    html = _templates.get_template("rider.html").render(
        route=route,
        batch=batch,
        stops=[
            {
                "stop": stop_out(delivery, order),
                "map": _map_link(order),
                "eta": clock.to_shop_time(delivery.eta_at).strftime("%H:%M")
                if delivery.eta_at
                else "",
                "open": order.status == Status.DELIVERING and delivery.outcome is None,
            }
            for delivery, order in stops
        ],
        signed=f"exp={exp}&sig={sig}",
    )
    return HTMLResponse(
        html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


@router.get("/routes/{route_id}/map.svg")
async def rider_map(
    route_id: IdPath, exp: Expires, sig: Signature, session: SessionDep, context: ContextDep
) -> Response:
    route, _batch = await _route(session, context, route_id, exp, sig)
    return await route_map_response(session, route.id)


async def route_map_response(session: AsyncSession, route_id: int) -> Response:
    if await session.get(DeliveryRoute, route_id) is None:
        raise StopNotInRoute("配送路线不存在")
    row = await load_settings(session)
    store = store_point(row) or Point(lat=0.0, lng=0.0)
    stops = await route_stops(session, route_id)
    svg = route_svg(
        store=store,
        stops=[Point(lat=o.lat or store.lat, lng=o.lng or store.lng) for _d, o in stops],
        radius_m=row.radius_m,
        done=[d.outcome == Outcome.DELIVERED for d, _o in stops],
    )
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


async def _stop(
    session: AsyncSession, route: DeliveryRoute, order_id: int
) -> tuple[DeliveryOrder, Order]:
    delivery = await session.get(DeliveryOrder, order_id)
    order = await session.get(Order, order_id)
    if delivery is None or order is None or delivery.route_id != route.id:
        raise StopNotInRoute()
    return delivery, order


@router.post("/routes/{route_id}/stops/{order_id}/delivered")
async def mark_delivered(
    route_id: IdPath,
    order_id: IdPath,
    exp: Expires,
    sig: Signature,
    session: SessionDep,
    context: ContextDep,
) -> Response:
    """`delivering → completed` (once: a second tap finds it completed and changes nothing)."""
    route, _batch = await _route(session, context, route_id, exp, sig)
    delivery, order = await _stop(session, route, order_id)
    if delivery.outcome is None:
        await actions.delivered(session, order=order, by=_rider(route))
        delivery.outcome = Outcome.DELIVERED
        delivery.outcome_at = clock.now()
        await session.flush()
    return RedirectResponse(f"/rider/routes/{route_id}?exp={exp}&sig={sig}", status_code=303)


@router.post("/routes/{route_id}/stops/{order_id}/failed")
async def mark_failed(
    route_id: IdPath,
    order_id: IdPath,
    exp: Expires,
    sig: Signature,
    reason: Annotated[str, Form(min_length=1, max_length=200)],
    session: SessionDep,
    context: ContextDep,
) -> Response:
    """`delivering → paid` with the reason: the merchant re-delivers it or refunds it."""
    route, _batch = await _route(session, context, route_id, exp, sig)
    delivery, order = await _stop(session, route, order_id)
    if delivery.outcome is None:
        await actions.delivery_failed(session, order=order, by=_rider(route), reason=reason)
        delivery.outcome = Outcome.FAILED
        delivery.fail_reason = reason
        delivery.outcome_at = clock.now()
        await session.flush()
    return RedirectResponse(f"/rider/routes/{route_id}?exp={exp}&sig={sig}", status_code=303)


def _rider(route: DeliveryRoute) -> Actor:
    return Actor.system(f"rider:{route.batch_id}#{route.rider_no}")
