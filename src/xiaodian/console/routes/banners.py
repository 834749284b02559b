"""Home-page banners: list, add, edit, switch on/off, delete, drag to reorder."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import FormData

from xiaodian.auth.permissions import Permission, require
from xiaodian.catalog import admin_service as catalog
from xiaodian.catalog import banner_order, hot, merchant
from xiaodian.catalog.errors import BannerNotFound
from xiaodian.catalog.schemas import (
    AdminBannerOut,
    AdminGoodsQuery,
    BannerIn,
    BannerPatch,
    PinnedSearchWords,
)
from xiaodian.console.forms import (
    FieldErrors,
    attempt,
    checked,
    lenient,
    shop_datetime,
    text,
    validate,
)
from xiaodian.console.rendering import media_path, redirect, render, shop_time, toast
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, ConsoleMarketing, read_form
from xiaodian.deps import IdPath, SessionDep, context_of
from xiaodian.oplog.service import ConsoleOrigin

router = APIRouter()
section = Section(
    key="banners",
    title="首页轮播",
    path="/banners",
    icon="banners",
    group="商品",
    router=router,
    permission=Permission.MARKETING,
)
FIELDS = ("title", "image_url", "link_type", "link_value", "sort_order", "starts_at", "ends_at")
LINK_TYPES = {"none": "不跳转", "goods": "商品", "category": "分类", "url": "网页"}


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {field: text(form, field) for field in FIELDS}
    values["is_active"] = checked(form, "is_active")
    return values


def _data(values: dict[str, Any], errors: FieldErrors) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if v != "" and k not in ("starts_at", "ends_at")}
    for field in ("starts_at", "ends_at"):
        data[field] = shop_datetime(values[field]) if values[field] else None
        if values[field] and data[field] is None:
            errors[field] = "时间格式不正确"
    if data["starts_at"] and data["ends_at"] and data["ends_at"] <= data["starts_at"]:
        errors["ends_at"] = "结束时间要晚于开始时间"
    return data


def _values_of(banner: AdminBannerOut) -> dict[str, Any]:
    return {
        "title": banner.title,
        "image_url": media_path(banner.image_url),
        "link_type": banner.link_type,
        "link_value": banner.link_value,
        "sort_order": str(banner.sort_order),
        "starts_at": shop_time(banner.starts_at, "%Y-%m-%dT%H:%M"),
        "ends_at": shop_time(banner.ends_at, "%Y-%m-%dT%H:%M"),
        "is_active": banner.is_active,
    }


async def _banner(session: SessionDep, banner_id: int) -> AdminBannerOut:
    for banner in await catalog.list_banners(session):
        if banner.id == banner_id:
            return banner
    raise BannerNotFound()


def _form(
    request: Request,
    *,
    banner: AdminBannerOut | None,
    values: dict[str, Any],
    errors: FieldErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "banners/form.html",
        status_code=status_code,
        section="banners",
        banner=banner,
        values=values,
        errors=errors,
        link_types=LINK_TYPES,
    )


@router.get("/banners")
async def banners(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    return await _list(request, session, words=" ".join(await hot.pinned_words(session)))


async def _list(
    request: Request,
    session: SessionDep,
    *,
    words: str,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "banners/list.html",
        status_code=status_code,
        section="banners",
        banners=await catalog.list_banners(session),
        link_types=LINK_TYPES,
        pinned_words=words,
        errors=errors or {},
    )


@router.post("/search-words")
async def pin_search_words(
    request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    """置顶热搜词, typed as one line separated by spaces or commas."""
    typed = text(await read_form(request), "pinned_words")
    words = [word for word in re.split(r"[\s,，、]+", typed) if word]
    data, errors = validate(PinnedSearchWords, {"words": words})
    if data is not None:
        near_cache = context_of(request).near_cache
        saved, errors = await attempt(
            session,
            lambda: merchant.set_pinned_search_words(
                session, admin=admin, origin=origin, words=data.words, near_cache=near_cache
            ),
        )
        if saved is not None:
            return redirect(request, "/banners", flash="热搜词已保存")
    message = "最多 10 个热搜词，每个不超过 20 个字" if errors else ""
    return await _list(
        request, session, words=typed, errors={"pinned_words": message}, status_code=422
    )


@router.get("/banners/goods-options")
async def goods_options(
    request: Request, _admin: ConsoleMarketing, session: SessionDep
) -> Response:
    """The goods picker of the banner form: up to 8 goods whose title matches `q`."""
    q = request.query_params.get("q", "").strip()[:32]
    page = await catalog.list_goods(session, lenient(AdminGoodsQuery, {"q": q, "page_size": "8"}))
    return render(request, "banners/_goods_options.html", goods=page.items if q else [], q=q)


@router.post("/banners/order")
async def reorder_banners(
    request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    """Drag to reorder: every banner's id in the new order (`ids`, repeated); 204, or 422
    with the message (the page shows it and reloads the saved order)."""
    require(admin, Permission.MARKETING)
    form = await read_form(request)
    ids = [int(raw) for raw in form.getlist("ids") if isinstance(raw, str) and raw.isdigit()]
    context = context_of(request)
    done, errors = await attempt(
        session,
        lambda: banner_order.reorder_banners(
            session, admin=admin, origin=origin, banner_ids=ids, near_cache=context.near_cache
        ),
    )
    if done is None:
        message = next(iter(errors.values()), "顺序没有保存")
        return JSONResponse({"message": message}, status_code=422)
    return Response(status_code=204)


@router.get("/banners/new")
async def new_banner(request: Request, _admin: ConsoleAdmin) -> Response:
    values = {field: "" for field in FIELDS} | {"link_type": "none", "sort_order": "0"}
    return _form(request, banner=None, values=values | {"is_active": True}, errors={})


@router.post("/banners/new")
async def create_banner(
    request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    values = _values(await read_form(request))
    errors: FieldErrors = {}
    data = _data(values, errors)
    banner_in, schema_errors = validate(BannerIn, data)
    errors = schema_errors | errors
    if banner_in is not None and not errors:
        context = context_of(request)
        created, errors = await attempt(
            session,
            lambda: merchant.create_banner(
                session, admin=admin, origin=origin, data=banner_in, near_cache=context.near_cache
            ),
        )
        if created is not None:
            return redirect(request, "/banners", flash="轮播图已添加")
    if "image_url" in errors:
        errors["image_url"] = "请上传一张图片"
    return _form(request, banner=None, values=values, errors=errors, status_code=422)


@router.get("/banners/{banner_id}")
async def edit_banner(
    banner_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    banner = await _banner(session, banner_id)
    return _form(request, banner=banner, values=_values_of(banner), errors={})


@router.post("/banners/{banner_id}")
async def update_banner(
    banner_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    banner = await _banner(session, banner_id)
    values = _values(await read_form(request))
    errors: FieldErrors = {}
    data = _data(values, errors)
    patch, schema_errors = validate(BannerPatch, data)
    errors = schema_errors | errors
    if patch is not None and not errors:
        context = context_of(request)
        saved, errors = await attempt(
            session,
            lambda: merchant.update_banner(
                session,
                admin=admin,
                origin=origin,
                banner_id=banner_id,
                patch=patch,
                near_cache=context.near_cache,
            ),
        )
        if saved is not None:
            return redirect(request, "/banners", flash="轮播图已保存")
    return _form(request, banner=banner, values=values, errors=errors, status_code=422)


@router.post("/banners/{banner_id}/active")
async def set_active(
    banner_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    active = (await read_form(request)).get("is_active") == "true"
    context = context_of(request)
    banner = await merchant.update_banner(
        session,
        admin=admin,
        origin=origin,
        banner_id=banner_id,
        patch=BannerPatch(is_active=active),
        near_cache=context.near_cache,
    )
    response = render(request, "banners/_card.html", banner=banner, link_types=LINK_TYPES)
    return toast(response, "已启用" if active else "已停用")


@router.post("/banners/{banner_id}/delete")
async def delete_banner(
    banner_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    context = context_of(request)
    await merchant.delete_banner(
        session, admin=admin, origin=origin, banner_id=banner_id, near_cache=context.near_cache
    )
    return redirect(request, "/banners", flash="轮播图已删除")
