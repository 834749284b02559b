"""Merchant catalog routes: categories, goods, SKUs and stock, banners."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from xiaodian.auth.deps import (
    CatalogReader,
    CurrentAdmin,
    GoodsAdmin,
    MarketingAdmin,
    StockAdmin,
)
from xiaodian.catalog import admin_service as service
from xiaodian.catalog import banner_order, export, goods_import, hot, merchant, restock
from xiaodian.catalog.schemas import (
    AdminBannerOut,
    AdminCategoryOut,
    AdminGoodsOut,
    AdminGoodsQuery,
    AdminSkuOut,
    BannerIn,
    BannerOrderIn,
    BannerPatch,
    BulkPriceIn,
    BulkStockIn,
    CategoryIn,
    CategoryPatch,
    GoodsImportIn,
    GoodsImportLineOut,
    GoodsIn,
    GoodsPatch,
    PinnedSearchWords,
    RestockWaitingOut,
    ShelfIn,
    ShelfManyIn,
    SkuPatch,
)
from xiaodian.core.pagination import Page
from xiaodian.core.responses import CSVResponse
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.oplog.service import ApiOrigin

router = APIRouter(tags=["admin: catalog"])


@router.get("/categories")
async def categories(_reader: CatalogReader, session: SessionDep) -> list[AdminCategoryOut]:
    return await service.category_tree(session)


@router.post("/categories", status_code=201)
async def create_category(
    body: CategoryIn,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> AdminCategoryOut:
    return await merchant.create_category(
        session, admin=admin, origin=origin, data=body, near_cache=context.near_cache
    )


@router.patch("/categories/{category_id}")
async def update_category(
    category_id: IdPath,
    body: CategoryPatch,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> AdminCategoryOut:
    return await merchant.update_category(
        session,
        admin=admin,
        origin=origin,
        category_id=category_id,
        patch=body,
        near_cache=context.near_cache,
    )


@router.delete("/categories/{category_id}", status_code=204)
async def delete_category(
    category_id: IdPath,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> Response:
    await merchant.delete_category(
        session, admin=admin, origin=origin, category_id=category_id, near_cache=context.near_cache
    )
    return Response(status_code=204)


@router.get("/goods")
async def list_goods(
    _reader: CatalogReader, session: SessionDep, query: Annotated[AdminGoodsQuery, Query()]
) -> Page[AdminGoodsOut]:
    return await service.list_goods(session, query)


@router.get("/goods/export.csv", response_class=CSVResponse)
async def export_goods(
    _admin: CurrentAdmin, session: SessionDep, query: Annotated[AdminGoodsQuery, Query()]
) -> Response:
    """Every goods item matching the list's filters, one row per SKU, as CSV."""
    return Response(
        await export.goods_csv(session, query),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="goods.csv"'},
    )


@router.post("/goods", status_code=201)
async def create_goods(
    body: GoodsIn, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep, context: ContextDep
) -> AdminGoodsOut:
    return await merchant.create_goods(
        session, admin=admin, origin=origin, data=body, near_cache=context.near_cache
    )


@router.get("/goods/{goods_id}")
async def get_goods(goods_id: IdPath, _reader: CatalogReader, session: SessionDep) -> AdminGoodsOut:
    return await service.get_goods(session, goods_id=goods_id)


@router.put("/goods/{goods_id}")
async def replace_goods(
    goods_id: IdPath,
    body: GoodsIn,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> AdminGoodsOut:
    return await merchant.replace_goods(
        session,
        admin=admin,
        origin=origin,
        goods_id=goods_id,
        data=body,
        near_cache=context.near_cache,
    )


@router.patch("/goods/{goods_id}")
async def patch_goods(
    goods_id: IdPath,
    body: GoodsPatch,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> AdminGoodsOut:
    return await merchant.patch_goods(
        session,
        admin=admin,
        origin=origin,
        goods_id=goods_id,
        patch=body,
        near_cache=context.near_cache,
    )


@router.post("/goods/{goods_id}/shelf")
async def set_shelf(
    goods_id: IdPath,
    body: ShelfIn,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> AdminGoodsOut:
    return await merchant.set_shelf(
        session,
        admin=admin,
        origin=origin,
        goods_id=goods_id,
        on_shelf=body.on_shelf,
        near_cache=context.near_cache,
    )


@router.post("/goods/import")
async def import_goods(
    body: GoodsImportIn,
    admin: GoodsAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> list[GoodsImportLineOut]:
    """Goods from CSV (the export's columns): `apply: false` previews each line (create /
    update with old → new / same, or its error); `apply: true` imports the whole file in one
    transaction, or refuses it (422 `goods_import_invalid`)."""
    lines = goods_import.parse(body.csv)
    if body.apply:
        await goods_import.apply(
            session, admin=admin, origin=origin, lines=lines, near_cache=context.near_cache
        )
    else:
        await goods_import.preview(session, admin=admin, lines=lines)
    return [
        GoodsImportLineOut(
            line=line.line_no,
            goods_id=line.goods_id,
            title=line.title,
            spec=line.spec_text,
            sku_id=line.sku_id,
            action=line.action,
            changes=line.changes,
            error=line.error,
        )
        for line in lines
    ]


@router.post("/goods/{goods_id}/copy", status_code=201)
async def copy_goods(
    goods_id: IdPath,
    admin: GoodsAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> AdminGoodsOut:
    """复制商品: a copy off the shelf, without stock or SKU codes."""
    return await merchant.copy_goods(
        session, admin=admin, origin=origin, goods_id=goods_id, near_cache=context.near_cache
    )


@router.post("/goods-shelf")
async def set_shelf_many(
    body: ShelfManyIn,
    admin: GoodsAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> list[AdminGoodsOut]:
    """Batch on/off shelf: all of them or none."""
    return await merchant.set_shelf_many(
        session,
        admin=admin,
        origin=origin,
        goods_ids=body.goods_ids,
        on_shelf=body.on_shelf,
        near_cache=context.near_cache,
    )


@router.delete("/goods/{goods_id}", status_code=204)
async def delete_goods(
    goods_id: IdPath,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> Response:
    await merchant.delete_goods(
        session, admin=admin, origin=origin, goods_id=goods_id, near_cache=context.near_cache
    )
    return Response(status_code=204)


@router.patch("/skus/{sku_id}")
async def patch_sku(
    sku_id: IdPath,
    body: SkuPatch,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> AdminSkuOut:
    return await merchant.patch_sku(
        session,
        admin=admin,
        origin=origin,
        sku_id=sku_id,
        patch=body,
        near_cache=context.near_cache,
    )


@router.post("/skus/stock")
async def bulk_stock(
    body: BulkStockIn,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> list[AdminSkuOut]:
    return await merchant.set_stock_bulk(
        session, admin=admin, origin=origin, items=body.items, near_cache=context.near_cache
    )


@router.post("/skus/prices")
async def bulk_prices(
    body: BulkPriceIn,
    admin: StockAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> list[AdminSkuOut]:
    """Batch price change: every SKU or none (a price that breaks the 划线价 rule refuses all)."""
    return await merchant.set_prices(
        session,
        admin=admin,
        origin=origin,
        items=[(item.sku_id, item.price_fen) for item in body.items],
        near_cache=context.near_cache,
    )


@router.get("/banners")
async def banners(_admin: CurrentAdmin, session: SessionDep) -> list[AdminBannerOut]:
    return await service.list_banners(session)


@router.post("/banners", status_code=201)
async def create_banner(
    body: BannerIn, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep, context: ContextDep
) -> AdminBannerOut:
    return await merchant.create_banner(
        session, admin=admin, origin=origin, data=body, near_cache=context.near_cache
    )


@router.post("/banners/order")
async def reorder_banners(
    body: BannerOrderIn,
    admin: MarketingAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> list[AdminBannerOut]:
    """The home page's banners in this order (every banner once); logged."""
    return await banner_order.reorder_banners(
        session,
        admin=admin,
        origin=origin,
        banner_ids=body.banner_ids,
        near_cache=context.near_cache,
    )


@router.patch("/banners/{banner_id}")
async def update_banner(
    banner_id: IdPath,
    body: BannerPatch,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> AdminBannerOut:
    return await merchant.update_banner(
        session,
        admin=admin,
        origin=origin,
        banner_id=banner_id,
        patch=body,
        near_cache=context.near_cache,
    )


@router.delete("/banners/{banner_id}", status_code=204)
async def delete_banner(
    banner_id: IdPath,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> Response:
    await merchant.delete_banner(
        session, admin=admin, origin=origin, banner_id=banner_id, near_cache=context.near_cache
    )
    return Response(status_code=204)


@router.get("/restock-reminders")
async def restock_waiting(_reader: CatalogReader, session: SessionDep) -> list[RestockWaitingOut]:
    """到货提醒: how many shoppers wait for each sold-out SKU."""
    return [RestockWaitingOut.model_validate(row) for row in await restock.waiting_counts(session)]


@router.get("/search/pinned")
async def pinned_search_words(_reader: CatalogReader, session: SessionDep) -> PinnedSearchWords:
    """置顶热搜词: the keywords the search page lists first."""
    return PinnedSearchWords(words=await hot.pinned_words(session))


@router.put("/search/pinned")
async def set_pinned_search_words(
    body: PinnedSearchWords,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> PinnedSearchWords:
    words = await merchant.set_pinned_search_words(
        session, admin=admin, origin=origin, words=body.words, near_cache=context.near_cache
    )
    return PinnedSearchWords(words=words)
