"""营销 → 秒杀: sessions on a timeline, the session editor with its items, a live view of a
running session (stock left, orders, paid) and the results of ended ones."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from xiaodian.console.forms import FieldErrors, attempt, fen_field, shop_datetime, text, validate
from xiaodian.console.rendering import redirect, render, shop_time, toast
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, read_form
from xiaodian.deps import IdPath, SessionDep
from xiaodian.flash import merchant, service
from xiaodian.flash.schemas import FlashSessionAdmin, FlashSessionCreate, FlashSessionPatch
from xiaodian.flash.vocabulary import SessionStatus
from xiaodian.oplog.service import ConsoleOrigin

router = APIRouter()
section = Section(
    key="flash", title="秒杀", path="/flash-sales", icon="flash", group="营销", router=router
)
ITEM_ROWS = 3
STATUS_TEXT = {
    SessionStatus.UPCOMING: "即将开始",
    SessionStatus.RUNNING: "进行中",
    SessionStatus.ENDED: "已结束",
}
STATUS_TONE = {
    SessionStatus.UPCOMING: "info",
    SessionStatus.RUNNING: "ok",
    SessionStatus.ENDED: "muted",
}
ITEM_FIELDS = ("id", "sku_id", "flash_price", "flash_stock", "per_user_limit", "max_participants")


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: text(form, name) for name in ("title", "starts_at", "ends_at", "unpaid_minutes")
    }
    values["items"] = [
        {field: text(form, f"items-{row}-{field}") for field in ITEM_FIELDS}
        for row in range(ITEM_ROWS + 10)
        if any(text(form, f"items-{row}-{field}") for field in ITEM_FIELDS[1:4])
    ]
    values["_rows"] = {
        f"items-{row}-{field}": text(form, f"items-{row}-{field}")
        for row in range(ITEM_ROWS + 10)
        for field in ITEM_FIELDS
    }
    return values


def _data(values: dict[str, Any], errors: FieldErrors) -> dict[str, Any]:
    data: dict[str, Any] = {"title": values["title"]}
    for name in ("starts_at", "ends_at"):
        data[name] = shop_datetime(values[name]) if values[name] else None
        if data[name] is None:
            errors[name] = "请选择时间"
    if values["unpaid_minutes"]:
        data["unpaid_minutes"] = values["unpaid_minutes"]
    items = []
    for row, item in enumerate(values["items"]):
        price = fen_field(item, "flash_price", errors)
        if "flash_price" in errors:
            errors[f"items-{row}"] = f"第 {row + 1} 行：{errors.pop('flash_price')}"
        items.append(
            {
                **({"id": item["id"]} if item["id"] else {}),
                "sku_id": item["sku_id"],
                "flash_price_fen": price,
                "flash_stock": item["flash_stock"] or "0",
                "per_user_limit": item["per_user_limit"] or "1",
                "max_participants": item["max_participants"] or None,
            }
        )
    data["items"] = items
    if not items:
        errors["items"] = "至少添加一件秒杀商品"
    return data


def _values_of(flash: FlashSessionAdmin) -> dict[str, Any]:
    rows: dict[str, str] = {}
    for row, item in enumerate(flash.items):
        rows |= {
            f"items-{row}-id": str(item.id),
            f"items-{row}-sku_id": str(item.sku_id),
            f"items-{row}-flash_price": f"{item.flash_price_fen / 100:.2f}",
            f"items-{row}-flash_stock": str(item.flash_stock),
            f"items-{row}-per_user_limit": str(item.per_user_limit),
            f"items-{row}-max_participants": str(item.max_participants or ""),
        }
    return {
        "title": flash.title,
        "starts_at": shop_time(flash.starts_at, "%Y-%m-%dT%H:%M"),
        "ends_at": shop_time(flash.ends_at, "%Y-%m-%dT%H:%M"),
        "unpaid_minutes": str(flash.unpaid_minutes),
        "_rows": rows,
    }


def _form(
    request: Request,
    *,
    flash: FlashSessionAdmin | None,
    values: dict[str, Any],
    errors: FieldErrors,
    status_code: int = 200,
) -> Response:
    rows = max(ITEM_ROWS, len(flash.items) + 1 if flash else 0)
    return render(
        request,
        "flash/form.html",
        status_code=status_code,
        section="flash",
        flash_session=flash,
        values=values,
        errors=errors,
        rows=range(rows),
    )


@router.get("/flash-sales")
async def sessions(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    listed = await service.list_admin(session)
    return render(
        request,
        "flash/list.html",
        section="flash",
        groups=[
            (STATUS_TEXT[status], [s for s in listed if s.status == status])
            for status in (SessionStatus.RUNNING, SessionStatus.UPCOMING, SessionStatus.ENDED)
        ],
        status_text=STATUS_TEXT,
        status_tone=STATUS_TONE,
    )


@router.get("/flash-sales/new")
async def new_session(request: Request, _admin: ConsoleAdmin) -> Response:
    return _form(request, flash=None, values={"unpaid_minutes": "5", "_rows": {}}, errors={})


@router.post("/flash-sales/new")
async def create_session(
    request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    values = _values(await read_form(request))
    errors: FieldErrors = {}
    data = _data(values, errors)
    created_in, schema_errors = validate(FlashSessionCreate, data)
    errors = schema_errors | errors
    if created_in is not None and not errors:
        created, errors = await attempt(
            session,
            lambda: merchant.create_session(session, admin=admin, origin=origin, data=created_in),
        )
        if created is not None:
            return redirect(request, f"/flash-sales/{created.id}", flash="秒杀活动已创建")
    return _form(request, flash=None, values=values, errors=errors, status_code=422)


@router.get("/flash-sales/{session_id}")
async def live(
    session_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    flash = await service.admin_view(session, session_id=session_id)
    return render(
        request,
        "flash/detail.html",
        section="flash",
        flash_session=flash,
        status_text=STATUS_TEXT,
        status_tone=STATUS_TONE,
    )


@router.get("/flash-sales/{session_id}/live")
async def live_numbers(
    session_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    flash = await service.admin_view(session, session_id=session_id)
    return render(request, "flash/_live.html", flash_session=flash, status_text=STATUS_TEXT)


@router.get("/flash-sales/{session_id}/edit")
async def edit_session(
    session_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    flash = await service.admin_view(session, session_id=session_id)
    return _form(request, flash=flash, values=_values_of(flash), errors={})


@router.post("/flash-sales/{session_id}/edit")
async def update_session(
    session_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    flash = await service.admin_view(session, session_id=session_id)
    values = _values(await read_form(request))
    errors: FieldErrors = {}
    data = _data(values, errors)
    patch, schema_errors = validate(FlashSessionPatch, data)
    errors = schema_errors | errors
    if patch is not None and not errors:
        saved, errors = await attempt(
            session,
            lambda: merchant.update_session(
                session, admin=admin, origin=origin, session_id=session_id, data=patch
            ),
        )
        if saved is not None:
            return redirect(request, f"/flash-sales/{session_id}", flash="秒杀活动已保存")
    return _form(request, flash=flash, values=values, errors=errors, status_code=422)


@router.post("/flash-sales/{session_id}/end")
async def end_session(
    session_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    ended = await merchant.end_session(session, admin=admin, origin=origin, session_id=session_id)
    response = redirect(request, f"/flash-sales/{session_id}", flash="活动已结束，剩余库存已退回")
    return response if ended else toast(response, "活动已经结束了", kind="info")
