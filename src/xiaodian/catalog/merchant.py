"""The merchant's catalog writes as the API and the console both run them: the account's
permission checked, the write done by `admin_service`, and an operation-log entry with what
changed (old → new), all in the caller's one transaction.

Editing goods needs 管理商品; a write that changes a price (incl. 划线价), adds a SKU or
changes stock also needs 改价格和库存 (checked after the write from what it changed, so the
transaction rolls back when it is refused). Banners need 管理营销.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, require
from xiaodian.catalog import admin_service as service
from xiaodian.catalog import hot
from xiaodian.catalog.schemas import (
    AdminBannerOut,
    AdminCategoryOut,
    AdminGoodsOut,
    AdminSkuOut,
    BannerIn,
    BannerPatch,
    CategoryIn,
    CategoryPatch,
    GoodsIn,
    GoodsPatch,
    SkuPatch,
    StockEdit,
)
from xiaodian.core.nearcache import NearCache
from xiaodian.models import AdminUser, Sku
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action


def _prices_changed(changes: list[dict[str, Any]]) -> bool:
    return any(
        change["field"].endswith("price_fen") or change["field"].endswith(".id")
        for change in changes
    )


def _stock_asked(before: AdminGoodsOut | None, data: GoodsIn) -> bool:
    """Whether `data` asks for a stock change (read from the request, not from the result,
    so units that orders took meanwhile never count as the editor's change)."""
    old = {tuple(sku.spec_values): sku.stock for sku in before.skus} if before else {}
    for sku in data.skus:
        was = old.get(tuple(sku.spec_values))
        if was is None:
            if sku.stock:
                return True
        elif sku.stock_was is not None:
            if sku.stock != sku.stock_was:
                return True
        elif sku.stock != was:
            return True
    return False


async def create_goods(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, data: GoodsIn, near_cache: NearCache
) -> AdminGoodsOut:
    require(admin, Permission.GOODS, Permission.PRICES_STOCK)
    created = await service.create_goods(session, data=data, near_cache=near_cache)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.GOODS_CREATE,
        target_type="goods",
        target_id=created.id,
        summary=created.title,
        after=created,
    )
    return created


async def replace_goods(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    goods_id: int,
    data: GoodsIn,
    near_cache: NearCache,
) -> AdminGoodsOut:
    require(admin, Permission.GOODS)
    before = await service.get_goods(session, goods_id=goods_id)
    after = await service.replace_goods(
        session, goods_id=goods_id, data=data, near_cache=near_cache
    )
    changes = oplog.diff(before, after)
    if _prices_changed(changes) or _stock_asked(before, data):
        require(admin, Permission.PRICES_STOCK)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.GOODS_UPDATE,
        target_type="goods",
        target_id=goods_id,
        summary=after.title,
        changes=changes,
    )
    return after


async def patch_goods(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    goods_id: int,
    patch: GoodsPatch,
    near_cache: NearCache,
) -> AdminGoodsOut:
    require(admin, Permission.GOODS)
    if patch.market_price_fen is not None:
        require(admin, Permission.PRICES_STOCK)
    before = await service.get_goods(session, goods_id=goods_id)
    after = await service.patch_goods(
        session, goods_id=goods_id, patch=patch, near_cache=near_cache
    )
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.GOODS_UPDATE,
        target_type="goods",
        target_id=goods_id,
        summary=after.title,
        before=before,
        after=after,
    )
    return after


async def set_shelf(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    goods_id: int,
    on_shelf: bool,
    near_cache: NearCache,
) -> AdminGoodsOut:
    require(admin, Permission.GOODS)
    before = await service.get_goods(session, goods_id=goods_id)
    after = await service.set_shelf(
        session, goods_id=goods_id, on_shelf=on_shelf, near_cache=near_cache
    )
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.GOODS_SHELF,
        target_type="goods",
        target_id=goods_id,
        summary=f"{after.title}：{'上架' if on_shelf else '下架'}",
        changes=[{"field": "is_on_shelf", "old": before.is_on_shelf, "new": after.is_on_shelf}],
    )
    return after


async def delete_goods(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, goods_id: int, near_cache: NearCache
) -> None:
    require(admin, Permission.GOODS)
    before = await service.get_goods(session, goods_id=goods_id)
    await service.delete_goods(session, goods_id=goods_id, near_cache=near_cache)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.GOODS_DELETE,
        target_type="goods",
        target_id=goods_id,
        summary=before.title,
        changes=[{"field": "deleted", "old": False, "new": True}],
    )


async def patch_sku(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    sku_id: int,
    patch: SkuPatch,
    near_cache: NearCache,
) -> AdminSkuOut:
    if (
        patch.price_fen is not None
        or patch.market_price_fen is not None
        or patch.stock is not None
        or patch.stock_delta is not None
    ):
        require(admin, Permission.PRICES_STOCK)
    if patch.is_active is not None or patch.image_url is not None:
        require(admin, Permission.GOODS)
    sku = await session.get(Sku, sku_id)
    before = AdminSkuOut.model_validate(sku, from_attributes=True) if sku is not None else None
    after = await service.patch_sku(session, sku_id=sku_id, patch=patch, near_cache=near_cache)
    changes = oplog.diff(before, after)
    if patch.stock_delta is not None:
        changes.append({"field": "stock_delta", "old": None, "new": patch.stock_delta})
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.SKU_UPDATE,
        target_type="sku",
        target_id=sku_id,
        summary=f"SKU {after.code or sku_id} {' / '.join(after.spec_values)}".strip(),
        changes=changes,
    )
    return after


async def set_stock_bulk(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    items: Sequence[StockEdit],
    near_cache: NearCache,
) -> list[AdminSkuOut]:
    require(admin, Permission.PRICES_STOCK)
    ids = [item.sku_id for item in items]
    rows = await session.execute(select(Sku.id, Sku.stock).where(Sku.id.in_(ids)))
    old = {sku_id: stock for sku_id, stock in rows}
    after = await service.set_stock_bulk(session, items=items, near_cache=near_cache)
    changes = [
        {"field": f"sku[{sku.id}].stock", "old": old.get(sku.id), "new": sku.stock}
        for sku in after
        if old.get(sku.id) != sku.stock
    ]
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.STOCK_BULK,
        target_type="sku",
        target_id=",".join(str(i) for i in sorted(ids))[:64],
        summary=f"{len(changes)} 个规格改了库存",
        changes=changes,
    )
    return after


async def create_category(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    data: CategoryIn,
    near_cache: NearCache,
) -> AdminCategoryOut:
    require(admin, Permission.GOODS)
    created = await service.create_category(session, data=data, near_cache=near_cache)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.CATEGORY_CREATE,
        target_type="category",
        target_id=created.id,
        summary=created.name,
        after=created.model_dump(exclude={"children", "goods_count"}),
    )
    return created


async def update_category(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    category_id: int,
    patch: CategoryPatch,
    near_cache: NearCache,
) -> AdminCategoryOut:
    require(admin, Permission.GOODS)
    before = await service.get_category(session, category_id=category_id)
    after = await service.update_category(
        session, category_id=category_id, patch=patch, near_cache=near_cache
    )
    skip = {"children", "goods_count"}
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.CATEGORY_UPDATE,
        target_type="category",
        target_id=category_id,
        summary=after.name,
        before=before.model_dump(exclude=skip),
        after=after.model_dump(exclude=skip),
    )
    return after


async def delete_category(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    category_id: int,
    near_cache: NearCache,
) -> None:
    require(admin, Permission.GOODS)
    before = await service.get_category(session, category_id=category_id)
    await service.delete_category(session, category_id=category_id, near_cache=near_cache)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.CATEGORY_DELETE,
        target_type="category",
        target_id=category_id,
        summary=before.name,
        changes=[{"field": "deleted", "old": False, "new": True}],
    )


async def create_banner(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    data: BannerIn,
    near_cache: NearCache,
) -> AdminBannerOut:
    require(admin, Permission.MARKETING)
    created = await service.create_banner(session, data=data, near_cache=near_cache)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.BANNER_CREATE,
        target_type="banner",
        target_id=created.id,
        summary=created.title,
        after=created,
    )
    return created


async def update_banner(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    banner_id: int,
    patch: BannerPatch,
    near_cache: NearCache,
) -> AdminBannerOut:
    require(admin, Permission.MARKETING)
    before = await service.get_banner(session, banner_id=banner_id)
    after = await service.update_banner(
        session, banner_id=banner_id, patch=patch, near_cache=near_cache
    )
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.BANNER_UPDATE,
        target_type="banner",
        target_id=banner_id,
        summary=after.title,
        before=before,
        after=after,
    )
    return after


async def delete_banner(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    banner_id: int,
    near_cache: NearCache,
) -> None:
    require(admin, Permission.MARKETING)
    before = await service.get_banner(session, banner_id=banner_id)
    await service.delete_banner(session, banner_id=banner_id, near_cache=near_cache)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.BANNER_DELETE,
        target_type="banner",
        target_id=banner_id,
        summary=before.title,
        changes=[{"field": "deleted", "old": False, "new": True}],
    )


async def set_pinned_search_words(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    words: Sequence[str],
    near_cache: NearCache,
) -> list[str]:
    """置顶热搜词: the keywords `GET /search/hot` lists first, in this order (管理营销)."""
    require(admin, Permission.MARKETING)
    before = await hot.pinned_words(session)
    after = await hot.set_pinned_words(session, words=words, near_cache=near_cache)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.SEARCH_PINNED,
        target_type="search",
        summary="、".join(after) or "（清空）",
        changes=[{"field": "pinned", "old": before, "new": after}] if before != after else [],
    )
    return after


COPY_SUFFIX = "（副本）"


async def copy_goods(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, goods_id: int, near_cache: NearCache
) -> AdminGoodsOut:
    """复制商品: the same details, pictures, specs and prices, off the shelf, no stock and no SKU
    codes (the merchant fills those in), so nothing is sold before it is checked."""
    require(admin, Permission.GOODS)
    source = await service.get_goods(session, goods_id=goods_id)
    title = source.title[: 60 - len(COPY_SUFFIX)] + COPY_SUFFIX
    data = GoodsIn.model_validate(
        {
            "category_id": source.category_id,
            "title": title,
            "subtitle": source.subtitle,
            "unit": source.unit,
            "description": source.description,
            "description_blocks": source.description_blocks,
            "market_price_fen": source.market_price_fen,
            "is_on_shelf": False,
            "sort_order": source.sort_order,
            "images": source.images,
            "specs": [spec.model_dump() for spec in source.specs],
            "skus": [
                {
                    "spec_values": sku.spec_values,
                    "price_fen": sku.price_fen,
                    "stock": 0,
                    "image_url": sku.image_url,
                    "market_price_fen": sku.market_price_fen,
                    "is_active": sku.is_active,
                }
                for sku in source.skus
            ],
        }
    )
    created = await service.create_goods(session, data=data, near_cache=near_cache)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.GOODS_COPY,
        target_type="goods",
        target_id=created.id,
        summary=f"{source.title} → {created.title}",
        changes=[{"field": "copied_from", "old": None, "new": goods_id}],
    )
    return created


async def set_shelf_many(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    goods_ids: Sequence[int],
    on_shelf: bool,
    near_cache: NearCache,
) -> list[AdminGoodsOut]:
    """Batch on/off shelf: every item or none (one refusal rolls the whole batch back)."""
    return [
        await set_shelf(
            session,
            admin=admin,
            origin=origin,
            goods_id=goods_id,
            on_shelf=on_shelf,
            near_cache=near_cache,
        )
        for goods_id in dict.fromkeys(goods_ids)
    ]


async def set_prices(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    items: Sequence[tuple[int, int]],
    near_cache: NearCache,
) -> list[AdminSkuOut]:
    """Batch price change: (sku_id, price_fen) pairs, all or none (the 划线价 rule holds for
    each), one log entry with every old → new price."""
    require(admin, Permission.PRICES_STOCK)
    wanted = dict(items)
    rows = await session.execute(select(Sku.id, Sku.price_fen).where(Sku.id.in_(wanted)))
    old = {sku_id: price for sku_id, price in rows}
    changed = [
        await service.patch_sku(
            session, sku_id=sku_id, patch=SkuPatch(price_fen=price_fen), near_cache=near_cache
        )
        for sku_id, price_fen in sorted(wanted.items())
    ]
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.PRICE_BULK,
        target_type="sku",
        target_id=",".join(str(i) for i in sorted(wanted))[:64],
        summary=f"{len(changed)} 个规格改了价格",
        changes=[
            {"field": f"sku[{sku.id}].price_fen", "old": old.get(sku.id), "new": sku.price_fen}
            for sku in changed
            if old.get(sku.id) != sku.price_fen
        ],
    )
    return changed
