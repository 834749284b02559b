"""营销 → 拼团: campaigns (list, new, end) and the groups of one campaign with their members,
orders, payments and refunds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import FormData

from xiaodian.console.forms import (
    FieldErrors,
    attempt,
    checked,
    fen_field,
    shop_datetime,
    text,
    validate,
)
from xiaodian.console.rendering import redirect, render, shop_time, yuan
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, ConsoleMarketing, read_form
from xiaodian.deps import IdPath, SessionDep
from xiaodian.groupbuy import admin_service as service
from xiaodian.groupbuy import merchant
from xiaodian.groupbuy.schemas import GroupBuyCreate, GroupBuyOut, GroupBuyPatch
from xiaodian.groupbuy.vocabulary import GROUP_STATUS_TEXT, GroupStatus, SeatStatus
from xiaodian.models import Goods
from xiaodian.oplog.service import ConsoleOrigin

router = APIRouter()
section = Section(
    key="group_buys", title="拼团", path="/group-buys", icon="groupbuy", group="营销", router=router
)
FIELDS = (
    "goods_id",
    "group_size",
    "price_percent",
    "fill_minutes",
    "starts_at",
    "ends_at",
    "per_user_limit",
    "stock",
    "leader_discount",
    "simulated_fill_min_members",
)
SEAT_TEXT = {
    SeatStatus.RESERVED: "待支付",
    SeatStatus.PAID: "已支付",
    SeatStatus.RELEASED: "未支付，已释放",
    SeatStatus.REFUNDED: "已退款",
}
TABS = {"": "全部", **{s.value: GROUP_STATUS_TEXT[s] for s in GroupStatus}}


async def _goods_choices(session: SessionDep) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(Goods.id, Goods.title)
        .where(Goods.deleted_at.is_(None))
        .order_by(Goods.id.desc())
        .limit(500)
    )
    return [(goods_id, title) for goods_id, title in rows]


def _data(form: FormData, errors: FieldErrors) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in (
        "goods_id",
        "group_size",
        "price_percent",
        "fill_minutes",
        "per_user_limit",
        "stock",
        "simulated_fill_min_members",
    ):
        if text(form, field):
            data[field] = text(form, field)
    for field in ("starts_at", "ends_at"):
        raw = text(form, field)
        if raw:
            data[field] = shop_datetime(raw)
            if data[field] is None:
                errors[field] = "时间格式不正确"
    if not text(form, "ends_at"):
        errors["ends_at"] = "必填"
    discount = fen_field(form, "leader_discount", errors, required=False)
    data["leader_discount_fen"] = discount or 0
    data["allow_coupons"] = checked(form, "allow_coupons")
    return data


async def _form(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, Any],
    errors: FieldErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "groupbuy/form.html",
        status_code=status_code,
        section="group_buys",
        values=values,
        errors=errors,
        goods_choices=await _goods_choices(session),
    )


@router.get("/group-buys")
async def campaigns(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    return render(
        request,
        "groupbuy/list.html",
        section="group_buys",
        campaigns=await service.list_campaigns(session),
    )


@router.get("/group-buys/new")
async def new_campaign(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    values = {field: "" for field in FIELDS} | {
        "group_size": "3",
        "price_percent": "80",
        "fill_minutes": "1440",
    }
    return await _form(request, session, values=values, errors={})


@router.post("/group-buys/new")
async def create_campaign(
    request: Request, admin: ConsoleMarketing, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    form = await read_form(request)
    values = {field: text(form, field) for field in FIELDS} | {
        "allow_coupons": checked(form, "allow_coupons")
    }
    errors: FieldErrors = {}
    data = _data(form, errors)
    created_in, schema_errors = validate(GroupBuyCreate, data)
    errors = schema_errors | errors
    if created_in is not None and not errors:
        created, errors = await attempt(
            session,
            lambda: merchant.create_campaign(session, admin=admin, origin=origin, data=created_in),
        )
        if created is not None:
            return redirect(request, f"/group-buys/{created.id}", flash="拼团活动已创建")
    return await _form(request, session, values=values, errors=errors, status_code=422)


@router.get("/group-buys/{campaign_id}")
async def campaign_groups(
    campaign_id: IdPath,
    request: Request,
    _admin: ConsoleAdmin,
    session: SessionDep,
    status: str = Query(""),
) -> Response:
    chosen = status if status in TABS else ""
    return render(
        request,
        "groupbuy/groups.html",
        section="group_buys",
        campaign=await service.get_campaign(session, campaign_id=campaign_id),
        groups=await service.campaign_groups(
            session, campaign_id=campaign_id, status=chosen or None
        ),
        tabs=TABS,
        chosen=chosen,
        seat_text=SEAT_TEXT,
    )


EDITABLE = (
    "ends_at",
    "fill_minutes",
    "per_user_limit",
    "stock",
    "leader_discount",
    "simulated_fill_min_members",
)


def _edit_values(campaign: GroupBuyOut) -> dict[str, Any]:
    def shown(value: int | None) -> str:
        return "" if value is None else str(value)

    return {
        "ends_at": shop_time(campaign.ends_at, "%Y-%m-%dT%H:%M"),
        "fill_minutes": str(campaign.fill_minutes),
        "per_user_limit": shown(campaign.per_user_limit),
        "stock": "",
        "leader_discount": yuan(campaign.leader_discount_fen)
        if campaign.leader_discount_fen
        else "",
        "simulated_fill_min_members": shown(campaign.simulated_fill_min_members),
        "allow_coupons": campaign.allow_coupons,
    }


def _patch_data(form: FormData, errors: FieldErrors) -> dict[str, Any]:
    """Every editable field is sent; an empty limit or simulated fill means none. The pools
    change only when a number is typed (never re-set from a number the page showed earlier,
    while group orders kept selling)."""
    data: dict[str, Any] = {}
    for field in ("per_user_limit", "simulated_fill_min_members"):
        data[field] = text(form, field) or None
    if text(form, "stock"):
        data["stock"] = text(form, "stock")
    if text(form, "fill_minutes"):
        data["fill_minutes"] = text(form, "fill_minutes")
    ends = shop_datetime(text(form, "ends_at"))
    if ends is None:
        errors["ends_at"] = "时间格式不正确"
    data["ends_at"] = ends
    data["leader_discount_fen"] = fen_field(form, "leader_discount", errors, required=False) or 0
    data["allow_coupons"] = checked(form, "allow_coupons")
    return data


async def _edit_form(
    request: Request,
    campaign: GroupBuyOut,
    *,
    values: dict[str, Any],
    errors: FieldErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "groupbuy/edit.html",
        status_code=status_code,
        section="group_buys",
        campaign=campaign,
        values=values,
        errors=errors,
    )


@router.get("/group-buys/{campaign_id}/edit")
async def edit_campaign(
    campaign_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    campaign = await service.get_campaign(session, campaign_id=campaign_id)
    return await _edit_form(request, campaign, values=_edit_values(campaign), errors={})


@router.post("/group-buys/{campaign_id}/edit")
async def update_campaign(
    campaign_id: IdPath,
    request: Request,
    admin: ConsoleMarketing,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    campaign = await service.get_campaign(session, campaign_id=campaign_id)
    form = await read_form(request)
    values = {field: text(form, field) for field in EDITABLE} | {
        "allow_coupons": checked(form, "allow_coupons")
    }
    errors: FieldErrors = {}
    data = _patch_data(form, errors)
    patch, schema_errors = validate(GroupBuyPatch, data)
    errors = schema_errors | errors
    if patch is not None and not errors:
        saved, errors = await attempt(
            session,
            lambda: merchant.patch_campaign(
                session, admin=admin, origin=origin, campaign_id=campaign_id, patch=patch
            ),
        )
        if saved is not None:
            return redirect(request, f"/group-buys/{campaign_id}", flash="活动已保存")
    return await _edit_form(request, campaign, values=values, errors=errors, status_code=422)


@router.post("/group-buys/{campaign_id}/end")
async def end_campaign(
    campaign_id: IdPath,
    request: Request,
    admin: ConsoleMarketing,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    await read_form(request)
    await merchant.end_campaign(session, admin=admin, origin=origin, campaign_id=campaign_id)
    return redirect(request, f"/group-buys/{campaign_id}", flash="活动已结束，未成团的团将自动退款")
