"""配送: delivery settings (store point, radius with a zone preview, fees, slots, pickup,
express), a day's slots with what is taken, batches with their routes and maps, re-planning,
and a printable rider sheet."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from xiaodian.console.forms import FieldErrors, attempt, checked, fen_field, text, validate
from xiaodian.console.rendering import redirect, render
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, ConsoleOwner, ConsoleShip, read_form
from xiaodian.core.errors import ShopError
from xiaodian.delivery import batches, locate, pickup, service
from xiaodian.delivery import merchant as delivery_merchant
from xiaodian.delivery.rider import route_map_response
from xiaodian.delivery.schemas import (
    BatchOut,
    DeliverySettingsIn,
    DeliverySettingsOut,
    PickupOrderOut,
)
from xiaodian.delivery.svgmap import picker_svg
from xiaodian.deps import IdPath, SessionDep, context_of
from xiaodian.oplog.service import ConsoleOrigin

router = APIRouter()
section = Section(
    key="delivery", title="配送", path="/delivery", icon="orders", group="交易", router=router
)
SLOT_LINE = re.compile(r"^(\d{2}:\d{2})\s*[-–~]\s*(\d{2}:\d{2})\s+(\d+)(?:\s+(\d+))?$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def _values_of(out: DeliverySettingsOut) -> dict[str, Any]:
    values: dict[str, Any] = out.model_dump(exclude={"slots"})
    for name in ("base_fee_fen", "per_km_fee_fen", "free_above_fen", "express_fee_fen"):
        values[name.removesuffix("_fen")] = _yuan(values[name])
    values["store_lat"] = "" if out.store_lat is None else str(out.store_lat)
    values["store_lng"] = "" if out.store_lng is None else str(out.store_lng)
    values["rider_capacity_kg"] = f"{out.rider_capacity_g / 1000:g}"
    values["slots_text"] = "\n".join(
        f"{slot.start}-{slot.end} {slot.capacity} {slot.cutoff_minutes}" for slot in out.slots
    )
    return values


def _parse(form: FormData, errors: FieldErrors) -> dict[str, Any]:
    data: dict[str, Any] = {
        name: text(form, name)
        for name in (
            "store_address",
            "radius_m",
            "base_distance_m",
            "slot_days_ahead",
            "pickup_address",
            "pickup_hours",
            "rider_capacity",
            "service_minutes",
            "auto_batch_riders",
        )
    }
    data["auto_batch_riders"] = data["auto_batch_riders"] or "0"
    for flag in ("enabled", "pickup_enabled", "express_enabled"):
        data[flag] = checked(form, flag)
    for name in ("base_fee", "per_km_fee", "free_above", "express_fee"):
        data[f"{name}_fen"] = fen_field(form, name, errors)
    for name in ("store_lat", "store_lng"):
        data[name] = text(form, name) or None
    data["rider_capacity_g"] = _grams(form, errors)
    slots = []
    for number, line in enumerate(text(form, "slots_text").splitlines(), start=1):
        if not line.strip():
            continue
        match = SLOT_LINE.match(line.strip())
        if match is None:
            errors["slots_text"] = f"第 {number} 行格式应为「09:00-11:00 30 60」"
            continue
        start, end, capacity, cutoff = match.groups()
        slots.append(
            {"start": start, "end": end, "capacity": capacity, "cutoff_minutes": cutoff or "60"}
        )
    data["slots"] = slots
    return data


def _grams(form: FormData, errors: FieldErrors) -> int:
    """每名骑手载重 in kilograms (one decimal) as grams; empty is 0 (no weight limit)."""
    typed = text(form, "rider_capacity_kg") or "0"
    try:
        kilograms = float(typed)
    except ValueError:
        kilograms = -1.0
    if not 0 <= kilograms <= 1000:
        errors["rider_capacity_kg"] = "载重应为 0–1000 公斤"
        return 0
    return round(kilograms * 1000)


async def _page(
    request: Request,
    *,
    day: str | None,
    values: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
    pickup_code: str = "",
) -> Response:
    context = context_of(request)
    found: PickupOrderOut | None = None
    pickup_error = ""
    async with context.db.transaction(write=False) as session:
        if pickup_code:
            try:
                found = await pickup.find_pickup(session, code=_code(pickup_code))
            except ShopError as error:
                pickup_error = error.message
        row = await service.load_settings(session)
        out = service.settings_out(row, geocoding=bool(context.settings.amap_key))
        days = service.bookable_days(row)
        chosen = day if day and DAY.match(day) else days[0]
        slots = await service.slots_of(session, row, [chosen])
        summaries = await batches.batches_of_day(session, slot_date=chosen)
        shown: list[BatchOut] = [
            await batches.batch_out(session, context=context, batch_id=summary.id)
            for summary in summaries
        ]
        zone = None
        store = service.store_point(row)
        if store is not None:
            zone = picker_svg(
                store=store,
                radius_m=row.radius_m,
                orders=await service.recent_delivery_points(session),
            )
    return render(
        request,
        "delivery/page.html",
        status_code=status_code,
        section="delivery",
        settings=out,
        values=values or _values_of(out),
        errors=errors or {},
        day=chosen,
        days=days,
        slots=slots,
        batches=shown,
        zone_svg=zone,
        pickup_code=pickup_code,
        pickup_digits=_code(pickup_code),
        pickup_found=found,
        pickup_error=pickup_error,
    )


def _code(typed: str) -> str:
    """The digits of what the merchant typed ("1234 5678" works); anything else finds nothing."""
    digits = "".join(ch for ch in typed if ch.isdigit())
    return digits if len(digits) == pickup.CODE_DIGITS else "-"


@router.get("/delivery")
async def delivery_page(request: Request, _admin: ConsoleAdmin) -> Response:
    code = request.query_params.get("pickup", "").strip()[:32]
    return await _page(
        request,
        day=request.query_params.get("date"),
        pickup_code=code,
    )


@router.post("/delivery/pickups/{code}/complete")
async def complete_pickup(
    code: str, request: Request, admin: ConsoleShip, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    """自提核销 after the merchant saw the order the code found."""
    await read_form(request)
    done, errors = await attempt(
        session,
        lambda: delivery_merchant.complete_pickup(
            session, admin=admin, origin=origin, code=_code(code)
        ),
    )
    if done is None:
        message = next(iter(errors.values()), "核销失败")
        return redirect(request, f"/delivery?pickup={_code(code)}", flash=message)
    return redirect(request, "/delivery", flash=f"订单 {done.order_no} 已自提核销")


@router.post("/delivery/settings")
async def save_settings(request: Request, owner: ConsoleOwner, origin: ConsoleOrigin) -> Response:
    form = await read_form(request)
    errors: FieldErrors = {}
    data = _parse(form, errors)
    settings_in, schema_errors = validate(DeliverySettingsIn, data)
    errors = schema_errors | errors
    if settings_in is not None and not errors:
        context = context_of(request)
        async with context.db.transaction() as session:
            await delivery_merchant.save_settings(
                session,
                admin=owner,
                origin=origin,
                data=settings_in,
                geocoding=bool(context.settings.amap_key),
            )
        return redirect(request, "/delivery", flash="配送设置已保存")
    values = {name: text(form, name) for name in form} | {
        flag: checked(form, flag) for flag in ("enabled", "pickup_enabled", "express_enabled")
    }
    return await _page(request, day=None, values=values, errors=errors, status_code=422)


@router.post("/delivery/locate")
async def locate_store(request: Request, owner: ConsoleOwner, origin: ConsoleOrigin) -> Response:
    """Geocode the typed store address (AMap) and keep the point."""
    form = await read_form(request)
    address = text(form, "store_address")
    context = context_of(request)
    try:
        found = await locate.geocode(context, address=address, city="")
    except ShopError as error:
        return redirect(request, "/delivery", flash=error.message)
    async with context.db.transaction() as session:
        row = await service.load_settings(session)
        data = DeliverySettingsIn.model_validate(
            service.settings_out(row, geocoding=True).model_dump(exclude={"geocoding_available"})
            | {"store_address": address, "store_lat": found.lat, "store_lng": found.lng}
        )
        await delivery_merchant.save_settings(
            session, admin=owner, origin=origin, data=data, geocoding=True
        )
    return redirect(request, "/delivery", flash=f"已定位：{found.formatted_address}")


@router.post("/delivery/batches")
async def plan(request: Request, admin: ConsoleShip, origin: ConsoleOrigin) -> Response:
    form = await read_form(request)
    day, start = text(form, "date"), text(form, "slot_start")
    try:
        riders = max(1, min(20, int(text(form, "riders") or "1")))
        await delivery_merchant.plan_batch(
            context_of(request),
            admin=admin,
            origin=origin,
            slot_date=day,
            slot_start=start,
            riders=riders,
            order_ids=None,
        )
    except ValueError:
        return redirect(request, f"/delivery?date={day}", flash="骑手人数应为 1–20")
    except ShopError as error:
        return redirect(request, f"/delivery?date={day}", flash=error.message)
    return redirect(request, f"/delivery?date={day}", flash="路线已规划，订单已转为配送中")


@router.post("/delivery/batches/{batch_id}/replan")
async def replan(
    batch_id: IdPath, request: Request, admin: ConsoleShip, origin: ConsoleOrigin
) -> Response:
    form = await read_form(request)
    day = text(form, "date")
    try:
        await delivery_merchant.replan_batch(
            context_of(request), admin=admin, origin=origin, batch_id=batch_id, riders=None
        )
    except ShopError as error:
        return redirect(request, f"/delivery?date={day}", flash=error.message)
    return redirect(request, f"/delivery?date={day}", flash="已重新规划路线，请把新链接发给骑手")


@router.get("/delivery/routes/{route_id}/map.svg")
async def route_map(route_id: IdPath, request: Request, _admin: ConsoleAdmin) -> Response:
    async with context_of(request).db.transaction(write=False) as session:
        return await route_map_response(session, route_id)


@router.get("/delivery/batches/{batch_id}/sheet")
async def rider_sheet(batch_id: IdPath, request: Request, _admin: ConsoleAdmin) -> Response:
    context = context_of(request)
    async with context.db.transaction(write=False) as session:
        batch = await batches.batch_out(session, context=context, batch_id=batch_id)
    return render(request, "delivery/sheet.html", section="delivery", batch=batch)
