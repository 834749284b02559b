"""Goods: the list (search, filters, pages), the editor, shelf on/off, delete, bulk stock."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xiaodian.catalog import admin_service as catalog
from xiaodian.catalog import export, merchant, restock
from xiaodian.catalog.schemas import AdminGoodsOut, AdminGoodsQuery, GoodsIn
from xiaodian.console.forms import FieldErrors, attempt, lenient
from xiaodian.console.goods_form import (
    EditorState,
    category_options,
    empty_state,
    parse_goods_form,
    state_of,
)
from xiaodian.console.rendering import is_htmx, redirect, render, toast
from xiaodian.console.sections import Section
from xiaodian.console.security import ConsoleAdmin, read_form
from xiaodian.console.stock import StockForm, parse_stock_form
from xiaodian.context import AppContext
from xiaodian.deps import IdPath, SessionDep, context_of
from xiaodian.oplog.service import ConsoleOrigin

router = APIRouter()
section = Section(
    key="goods", title="商品管理", path="/goods", icon="goods", group="商品", router=router
)
FILTERS = ("q", "category_id", "on_shelf", "low_stock")
COPIED = "已复制：副本未上架、库存为 0，请检查后保存"


def _context(request: Request) -> AppContext:
    context = context_of(request)
    return context


async def _restock_waiting(
    session: SessionDep, goods: Sequence[AdminGoodsOut]
) -> dict[int, list[tuple[str, int]]]:
    """到货提醒 per goods item of the list: (SKU, shoppers waiting) for each awaited SKU."""
    waiting = await restock.waiting_by_sku(session, goods_ids=[item.id for item in goods])
    return {
        item.id: [
            (" / ".join(sku.spec_values) or "默认规格", waiting[sku.id])
            for sku in item.skus
            if sku.id in waiting
        ]
        for item in goods
        if any(sku.id in waiting for sku in item.skus)
    }


def _filters(request: Request) -> dict[str, str]:
    return {key: request.query_params.get(key, "") for key in (*FILTERS, "page")}


@router.get("/goods")
async def goods_list(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    filters = _filters(request)
    page = await catalog.list_goods(session, lenient(AdminGoodsQuery, filters))
    template = "goods/_results.html" if is_htmx(request) else "goods/list.html"
    return render(
        request,
        template,
        section="goods",
        page=page,
        restock_waiting=await _restock_waiting(session, page.items),
        filters=filters,
        categories=category_options(await catalog.category_tree(session)),
    )


async def _editor(
    request: Request,
    session: SessionDep,
    *,
    goods: AdminGoodsOut | None,
    values: dict[str, str],
    state: EditorState,
    errors: FieldErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "goods/form.html",
        status_code=status_code,
        section="goods",
        goods=goods,
        values=values,
        editor={**state, "errors": errors},
        errors=errors,
        categories=category_options(await catalog.category_tree(session)),
    )


@router.get("/goods/export.csv")
async def export_csv(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    filters = _filters(request)
    filters["page"] = ""
    return Response(
        await export.goods_csv(session, lenient(AdminGoodsQuery, filters)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="goods.csv"'},
    )


@router.get("/goods/new")
async def new_goods(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    values, state = empty_state()
    return await _editor(request, session, goods=None, values=values, state=state, errors={})


@router.post("/goods/new")
async def create_goods(
    request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    data, errors, values, state = parse_goods_form(await read_form(request))
    if data is not None:
        near_cache = _context(request).near_cache
        created, errors = await attempt(
            session,
            lambda: merchant.create_goods(
                session, admin=admin, origin=origin, data=data, near_cache=near_cache
            ),
        )
        if created is not None:
            return redirect(request, f"/goods/{created.id}", flash="商品已创建")
    return await _editor(
        request, session, goods=None, values=values, state=state, errors=errors, status_code=422
    )


@router.get("/goods/stock")
async def stock_page(request: Request, _admin: ConsoleAdmin, session: SessionDep) -> Response:
    filters = _filters(request)
    page = await catalog.list_goods(session, lenient(AdminGoodsQuery, filters))
    return render(
        request,
        "goods/stock.html",
        section="goods",
        page=page,
        filters=filters,
        entered={},
        errors={},
        categories=category_options(await catalog.category_tree(session)),
    )


@router.post("/goods/stock")
async def save_stock(
    request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    form: StockForm = parse_stock_form(await read_form(request))
    back = "/goods/stock" + (f"?{form.query}" if form.query else "")
    if not form.errors and not form.items and not form.alerts:
        return redirect(request, back, flash="库存没有变化")
    if not form.errors:
        near_cache = _context(request).near_cache
        saved, errors = await attempt(
            session,
            lambda: merchant.set_stock_bulk(
                session, admin=admin, origin=origin, items=form.items, near_cache=near_cache
            ),
        )
        if saved is not None:
            alerts = await catalog.set_low_stock_alerts(session, form.alerts)
            flash = f"已更新 {len(saved)} 个规格的库存" + (f"，{alerts} 个预警值" if alerts else "")
            return redirect(request, back, flash=flash)
        form.errors.update(errors)
    filters = _filters(request) | form.filters
    page = await catalog.list_goods(session, lenient(AdminGoodsQuery, filters))
    return render(
        request,
        "goods/stock.html",
        status_code=422,
        section="goods",
        page=page,
        filters=filters,
        entered=form.entered,
        errors=form.errors,
        categories=category_options(await catalog.category_tree(session)),
    )


@router.post("/goods/shelf-batch")
async def shelf_batch(
    request: Request, admin: ConsoleAdmin, origin: ConsoleOrigin, session: SessionDep
) -> Response:
    """Batch on/off shelf of the ticked goods: all of them or none (the first refusal, e.g. a
    goods item without a SKU on sale, is shown and nothing changes)."""
    form = await read_form(request)
    ids = [int(v) for v in form.getlist("ids") if isinstance(v, str) and v.isdigit()][:200]
    on_shelf = form.get("on_shelf") == "true"
    if not ids:
        return redirect(request, "/goods", flash="请先勾选商品")
    near_cache = _context(request).near_cache
    done, errors = await attempt(
        session,
        lambda: merchant.set_shelf_many(
            session,
            admin=admin,
            origin=origin,
            goods_ids=ids,
            on_shelf=on_shelf,
            near_cache=near_cache,
        ),
    )
    if done is None:
        return redirect(request, "/goods", flash=next(iter(errors.values()), "操作失败"))
    return redirect(
        request, "/goods", flash=f"已{'上架' if on_shelf else '下架'} {len(done)} 件商品"
    )


@router.post("/goods/{goods_id}/copy")
async def copy_goods(
    goods_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    copied = await merchant.copy_goods(
        session,
        admin=admin,
        origin=origin,
        goods_id=goods_id,
        near_cache=_context(request).near_cache,
    )
    return redirect(
        request, f"/goods/{copied.id}", flash="已复制：副本未上架、库存为 0，请检查后保存"
    )


@router.get("/goods/{goods_id}")
async def edit_goods(
    goods_id: IdPath, request: Request, _admin: ConsoleAdmin, session: SessionDep
) -> Response:
    goods = await catalog.get_goods(session, goods_id=goods_id)
    values, state = state_of(
        goods, waiting=await restock.waiting_by_sku(session, goods_ids=[goods.id])
    )
    return await _editor(request, session, goods=goods, values=values, state=state, errors={})


@router.post("/goods/{goods_id}")
async def save_goods(
    goods_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    goods = await catalog.get_goods(session, goods_id=goods_id)
    data, errors, values, state = parse_goods_form(await read_form(request))
    if data is not None:
        near_cache = _context(request).near_cache
        saved, errors = await attempt(
            session,
            lambda: merchant.replace_goods(
                session,
                admin=admin,
                origin=origin,
                goods_id=goods_id,
                data=data,
                near_cache=near_cache,
            ),
        )
        if saved is not None:
            return redirect(request, f"/goods/{goods_id}", flash=_saved_message(data, saved))
    return await _editor(
        request, session, goods=goods, values=values, state=state, errors=errors, status_code=422
    )


def _saved_message(data: GoodsIn, saved: AdminGoodsOut) -> str:
    """Says so when orders took (or cancels gave back) stock while the editor was open, since
    the numbers shown after the save then differ from the ones typed."""
    typed = {tuple(sku.spec_values): sku.stock for sku in data.skus}
    moved = any(
        typed.get(tuple(sku.spec_values), sku.stock) != sku.stock
        for sku in saved.skus
        if sku.is_active
    )
    return "已保存；编辑期间有新订单，库存已按你的改动增减" if moved else "已保存"


@router.post("/goods/{goods_id}/shelf")
async def set_shelf(
    goods_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    on_shelf = (await read_form(request)).get("on_shelf") == "true"
    goods = await merchant.set_shelf(
        session,
        admin=admin,
        origin=origin,
        goods_id=goods_id,
        on_shelf=on_shelf,
        near_cache=_context(request).near_cache,
    )
    response = render(
        request,
        "goods/_row.html",
        goods=goods,
        restock_waiting=await _restock_waiting(session, [goods]),
    )
    return toast(response, "已上架" if on_shelf else "已下架")


@router.post("/goods/{goods_id}/delete")
async def delete_goods(
    goods_id: IdPath,
    request: Request,
    admin: ConsoleAdmin,
    origin: ConsoleOrigin,
    session: SessionDep,
) -> Response:
    await merchant.delete_goods(
        session,
        admin=admin,
        origin=origin,
        goods_id=goods_id,
        near_cache=_context(request).near_cache,
    )
    if is_htmx(request):
        return toast(Response(status_code=200), "商品已删除")
    return redirect(request, "/goods", flash="商品已删除")
