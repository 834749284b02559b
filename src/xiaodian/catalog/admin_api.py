"""Merchant catalog routes: categories, goods, SKUs and stock, banners."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from xiaodian.auth.deps import CatalogReader, CurrentAdmin
from xiaodian.catalog import admin_service as service
from xiaodian.catalog.schemas import (
    AdminBannerOut,
    AdminCategoryOut,
    AdminGoodsOut,
    AdminGoodsQuery,
    AdminSkuOut,
    BannerIn,
    BannerPatch,
    BulkStockIn,
    CategoryIn,
    CategoryPatch,
    GoodsIn,
    GoodsPatch,
    ShelfIn,
    SkuPatch,
)
from xiaodian.core.pagination import Page
from xiaodian.deps import ContextDep, IdPath, SessionDep

router = APIRouter(tags=["admin: catalog"])


@router.get("/categories")
async def categories(_reader: CatalogReader, session: SessionDep) -> list[AdminCategoryOut]:
    return await service.category_tree(session)


@router.post("/categories", status_code=201)
async def create_category(
    body: CategoryIn, _admin: CurrentAdmin, session: SessionDep, context: ContextDep
) -> AdminCategoryOut:
    return await service.create_category(session, data=body, near_cache=context.near_cache)


@router.patch("/categories/{category_id}")
async def update_category(
    category_id: IdPath,
    body: CategoryPatch,
    _admin: CurrentAdmin,
    session: SessionDep,
    context: ContextDep,
) -> AdminCategoryOut:
    return await service.update_category(
        session, category_id=category_id, patch=body, near_cache=context.near_cache
    )


@router.delete("/categories/{category_id}", status_code=204)
async def delete_category(
    category_id: IdPath, _admin: CurrentAdmin, session: SessionDep, context: ContextDep
) -> Response:
    await service.delete_category(session, category_id=category_id, near_cache=context.near_cache)
    return Response(status_code=204)


@router.get("/goods")
async def list_goods(
    _reader: CatalogReader, session: SessionDep, query: Annotated[AdminGoodsQuery, Query()]
) -> Page[AdminGoodsOut]:
    return await service.list_goods(session, query)


@router.post("/goods", status_code=201)
async def create_goods(
    body: GoodsIn, _admin: CurrentAdmin, session: SessionDep, context: ContextDep
) -> AdminGoodsOut:
    return await service.create_goods(session, data=body, near_cache=context.near_cache)


@router.get("/goods/{goods_id}")
async def get_goods(goods_id: IdPath, _reader: CatalogReader, session: SessionDep) -> AdminGoodsOut:
    return await service.get_goods(session, goods_id=goods_id)


@router.put("/goods/{goods_id}")
async def replace_goods(
    goods_id: IdPath,
    body: GoodsIn,
    _admin: CurrentAdmin,
    session: SessionDep,
    context: ContextDep,
) -> AdminGoodsOut:
    return await service.replace_goods(
        session, goods_id=goods_id, data=body, near_cache=context.near_cache
    )


@router.patch("/goods/{goods_id}")
async def patch_goods(
    goods_id: IdPath,
    body: GoodsPatch,
    _admin: CurrentAdmin,
    session: SessionDep,
    context: ContextDep,
) -> AdminGoodsOut:
    return await service.patch_goods(
        session, goods_id=goods_id, patch=body, near_cache=context.near_cache
    )


@router.post("/goods/{goods_id}/shelf")
async def set_shelf(
    goods_id: IdPath,
    body: ShelfIn,
    _admin: CurrentAdmin,
    session: SessionDep,
    context: ContextDep,
) -> AdminGoodsOut:
    return await service.set_shelf(
        session, goods_id=goods_id, on_shelf=body.on_shelf, near_cache=context.near_cache
    )


@router.delete("/goods/{goods_id}", status_code=204)
async def delete_goods(
    goods_id: IdPath, _admin: CurrentAdmin, session: SessionDep, context: ContextDep
) -> Response:
    await service.delete_goods(session, goods_id=goods_id, near_cache=context.near_cache)
    return Response(status_code=204)


@router.patch("/skus/{sku_id}")
async def patch_sku(
    sku_id: IdPath,
    body: SkuPatch,
    _admin: CurrentAdmin,
    session: SessionDep,
    context: ContextDep,
) -> AdminSkuOut:
    return await service.patch_sku(
        session, sku_id=sku_id, patch=body, near_cache=context.near_cache
    )


@router.post("/skus/stock")
async def bulk_stock(
    body: BulkStockIn, _admin: CurrentAdmin, session: SessionDep, context: ContextDep
) -> list[AdminSkuOut]:
    return await service.set_stock_bulk(session, items=body.items, near_cache=context.near_cache)


@router.get("/banners")
async def banners(_admin: CurrentAdmin, session: SessionDep) -> list[AdminBannerOut]:
    return await service.list_banners(session)


@router.post("/banners", status_code=201)
async def create_banner(
    body: BannerIn, _admin: CurrentAdmin, session: SessionDep, context: ContextDep
) -> AdminBannerOut:
    return await service.create_banner(session, data=body, near_cache=context.near_cache)


@router.patch("/banners/{banner_id}")
async def update_banner(
    banner_id: IdPath,
    body: BannerPatch,
    _admin: CurrentAdmin,
    session: SessionDep,
    context: ContextDep,
) -> AdminBannerOut:
    return await service.update_banner(
        session, banner_id=banner_id, patch=body, near_cache=context.near_cache
    )


@router.delete("/banners/{banner_id}", status_code=204)
async def delete_banner(
    banner_id: IdPath, _admin: CurrentAdmin, session: SessionDep, context: ContextDep
) -> Response:
    await service.delete_banner(session, banner_id=banner_id, near_cache=context.near_cache)
    return Response(status_code=204)
