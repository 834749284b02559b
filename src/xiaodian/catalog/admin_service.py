"""The merchant's catalog: categories, goods with their SKU matrix, stock, shelf, banners.

Every write queues a catalog cache invalidation that runs after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from xiaodian.catalog.cache import invalidate_after_commit
from xiaodian.catalog.description import checked_blocks, plain_text, stored_blocks
from xiaodian.catalog.errors import (
    BannerNotFound,
    CategoryNotEmpty,
    CategoryNotFound,
    GoodsNotFound,
    InvalidCategory,
    MarketPriceTooLow,
    SkuMarketPriceTooLow,
    SkuNotFound,
)
from xiaodian.catalog.events import GoodsEdited
from xiaodian.catalog.queries import (
    category_with_children,
    like_pattern,
    refresh_goods_price,
    stock_left_subquery,
)
from xiaodian.catalog.schemas import (
    AdminBannerOut,
    AdminCategoryOut,
    AdminGoodsOut,
    AdminGoodsQuery,
    AdminSkuOut,
    BannerIn,
    BannerPatch,
    CategoryIn,
    CategoryPatch,
    GoodsIn,
    GoodsPatch,
    SkuIn,
    SkuPatch,
    SpecIn,
    SpecOut,
    StockEdit,
)
from xiaodian.core import clock, urls
from xiaodian.core.errors import Conflict
from xiaodian.core.money import format_yuan
from xiaodian.core.nearcache import NearCache
from xiaodian.core.pagination import Page, offset_of
from xiaodian.events import emit
from xiaodian.inventory import service as inventory
from xiaodian.inventory.errors import StockNegative
from xiaodian.models import Banner, Category, Goods, GoodsImage, GoodsSpec, Sku

# ---- categories ----


async def category_tree(session: AsyncSession) -> list[AdminCategoryOut]:
    """Every category (hidden ones too) with how many live goods each holds directly."""
    counts = dict(
        (
            await session.execute(
                select(Goods.category_id, func.count(Goods.id))
                .where(Goods.deleted_at.is_(None))
                .group_by(Goods.category_id)
            )
        ).all()
    )
    rows = (
        (await session.execute(select(Category).order_by(Category.sort_order.desc(), Category.id)))
        .scalars()
        .all()
    )
    nodes = {
        c.id: AdminCategoryOut(
            id=c.id,
            parent_id=c.parent_id,
            name=c.name,
            icon_url=urls.absolute(c.icon_url),
            sort_order=c.sort_order,
            is_visible=c.is_visible,
            goods_count=counts.get(c.id, 0),
        )
        for c in rows
    }
    roots: list[AdminCategoryOut] = []
    for category in rows:
        node = nodes[category.id]
        parent = nodes.get(category.parent_id) if category.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


async def _category(session: AsyncSession, category_id: int) -> Category:
    category = await session.get(Category, category_id)
    if category is None:
        raise CategoryNotFound()
    return category


async def _check_parent(session: AsyncSession, parent_id: int | None, own_id: int | None) -> None:
    """Two levels only: a parent must itself be top-level, and not the category itself."""
    if parent_id is None:
        return
    if parent_id == own_id:
        raise InvalidCategory("分类不能以自己为上级")
    parent = await session.get(Category, parent_id)
    if parent is None:
        raise CategoryNotFound("上级分类不存在")
    if parent.parent_id is not None:
        raise InvalidCategory("分类最多两级")
    if own_id is not None:
        has_children = await session.scalar(
            select(func.count(Category.id)).where(Category.parent_id == own_id)
        )
        if has_children:
            raise InvalidCategory("有子分类的分类不能再放到其他分类下")


async def create_category(
    session: AsyncSession, *, data: CategoryIn, near_cache: NearCache
) -> AdminCategoryOut:
    await _check_parent(session, data.parent_id, None)
    category = Category(**data.model_dump())
    session.add(category)
    await session.flush()
    invalidate_after_commit(session, near_cache)
    return AdminCategoryOut.model_validate(category, from_attributes=True)


async def update_category(
    session: AsyncSession, *, category_id: int, patch: CategoryPatch, near_cache: NearCache
) -> AdminCategoryOut:
    category = await _category(session, category_id)
    changes = patch.model_dump(exclude_unset=True)
    if "parent_id" in changes:
        await _check_parent(session, changes["parent_id"], category.id)
    for field, value in changes.items():
        if value is not None or field == "parent_id":
            setattr(category, field, value)
    await session.flush()
    invalidate_after_commit(session, near_cache)
    return AdminCategoryOut.model_validate(category, from_attributes=True)


async def delete_category(
    session: AsyncSession, *, category_id: int, near_cache: NearCache
) -> None:
    """Only an empty category goes: no children, no goods (deleted goods included)."""
    category = await _category(session, category_id)
    ids = await category_with_children(session, category.id)
    goods = await session.scalar(select(func.count(Goods.id)).where(Goods.category_id.in_(ids)))
    if len(ids) > 1 or goods:
        raise CategoryNotEmpty()
    await session.delete(category)
    await session.flush()
    invalidate_after_commit(session, near_cache)


# ---- goods ----


def _goods_out(goods: Goods, category_name: str) -> AdminGoodsOut:
    images = [urls.absolute(image.url) for image in goods.images]
    return AdminGoodsOut(
        id=goods.id,
        category_id=goods.category_id,
        category_name=category_name,
        title=goods.title,
        subtitle=goods.subtitle,
        unit=goods.unit,
        description=goods.description,
        description_blocks=stored_blocks(goods.description_blocks),
        price_fen=goods.price_fen,
        market_price_fen=goods.market_price_fen,
        sales=goods.sales,
        stock_left=sum(sku.stock for sku in goods.skus if sku.is_active),
        is_on_shelf=goods.is_on_shelf,
        sort_order=goods.sort_order,
        images=images,
        cover_url=images[0] if images else "",
        specs=[SpecOut(name=spec.name, values=list(spec.values)) for spec in goods.specs],
        skus=[AdminSkuOut.model_validate(sku, from_attributes=True) for sku in goods.skus],
        created_at=goods.created_at,
        updated_at=goods.updated_at,
    )


async def _goods(session: AsyncSession, goods_id: int, *, lock: bool = False) -> Goods:
    statement = (
        select(Goods)
        .where(Goods.id == goods_id, Goods.deleted_at.is_(None))
        .options(selectinload(Goods.images), selectinload(Goods.specs), selectinload(Goods.skus))
        .execution_options(populate_existing=True)
    )
    if lock:
        statement = statement.with_for_update(of=Goods)
    goods = await session.scalar(statement)
    if goods is None:
        raise GoodsNotFound("商品不存在")
    return goods


async def get_goods(session: AsyncSession, *, goods_id: int) -> AdminGoodsOut:
    goods = await _goods(session, goods_id)
    category = await session.get(Category, goods.category_id)
    return _goods_out(goods, category.name if category else "")


async def list_goods(session: AsyncSession, query: AdminGoodsQuery) -> Page[AdminGoodsOut]:
    conditions = [Goods.deleted_at.is_(None)]
    if query.category_id is not None:
        conditions.append(
            Goods.category_id.in_(await category_with_children(session, query.category_id))
        )
    if query.q:
        conditions.append(Goods.title.like(like_pattern(query.q), escape="\\"))
    if query.on_shelf is not None:
        conditions.append(Goods.is_on_shelf.is_(query.on_shelf))
    if query.low_stock is not None:
        stock = stock_left_subquery()
        conditions.append(
            Goods.id.in_(select(stock.c.goods_id).where(stock.c.stock_left <= query.low_stock))
        )
    total = await session.scalar(select(func.count(Goods.id)).where(*conditions)) or 0
    rows = (
        await session.execute(
            select(Goods, Category.name)
            .join(Category, Category.id == Goods.category_id)
            .where(*conditions)
            .options(
                selectinload(Goods.images), selectinload(Goods.specs), selectinload(Goods.skus)
            )
            .order_by(Goods.id.desc())
            .offset(offset_of(query.page, query.page_size))
            .limit(query.page_size)
        )
    ).all()
    return Page[AdminGoodsOut](
        items=[_goods_out(g, name) for g, name in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def _set_images(goods: Goods, image_urls: Sequence[str]) -> None:
    goods.images.clear()
    goods.images.extend(
        GoodsImage(url=urls.stored(url), sort_order=position)
        for position, url in enumerate(image_urls)
    )


def _set_description_blocks(goods: Goods, blocks: Sequence[object] | None) -> None:
    """None leaves the blocks as they are; [] clears them; otherwise checked, stored, and
    their text becomes the plain description."""
    if blocks is None:
        return
    checked = checked_blocks(blocks)
    goods.description_blocks = checked or None
    if checked:
        goods.description = plain_text(checked)[:50_000]


def _set_specs(goods: Goods, specs: Sequence[SpecIn]) -> None:
    goods.specs.clear()
    goods.specs.extend(
        GoodsSpec(name=spec.name, values=list(spec.values), sort_order=position)
        for position, spec in enumerate(specs)
    )


def highest_price_fen(prices: Iterable[tuple[int, bool]]) -> int:
    """The highest price among (price, active) pairs: of the active ones if there are any."""
    listed = list(prices)
    active = [price for price, is_active in listed if is_active]
    return max(active or [price for price, _ in listed], default=0)


def check_market_price(market_price_fen: int, highest_fen: int) -> None:
    """A 划线价 is 0 (not shown) or at least the highest price the goods sells for."""
    if market_price_fen and market_price_fen < highest_fen:
        raise MarketPriceTooLow(
            f"划线价 ¥{format_yuan(market_price_fen)} 低于售价 ¥{format_yuan(highest_fen)}："
            "请填 0（不显示）或不低于最高售价的金额",
            market_price_fen=market_price_fen,
            highest_price_fen=highest_fen,
        )


def check_sku_market_price(market_price_fen: int, price_fen: int, *, field: str) -> None:
    """A SKU's own 划线价 is 0 (the goods' is shown) or at least that SKU's price; `field`
    names the input refused (the console shows the message next to it)."""
    if market_price_fen and market_price_fen < price_fen:
        raise SkuMarketPriceTooLow(
            f"规格划线价 ¥{format_yuan(market_price_fen)} 低于该规格售价 "
            f"¥{format_yuan(price_fen)}：请填 0（不显示）或不低于售价的金额",
            field=field,
            market_price_fen=market_price_fen,
            price_fen=price_fen,
        )


def _check_sku_market_prices(skus: Sequence[SkuIn]) -> None:
    for position, sku in enumerate(skus):
        check_sku_market_price(
            sku.market_price_fen, sku.price_fen, field=f"skus.{position}.market_price"
        )


def _fill_sku(sku: Sku, incoming: SkuIn, *, set_stock: bool = True) -> Sku:
    """The merchant's values for one SKU (its spec values are what identify it)."""
    sku.price_fen = incoming.price_fen
    if set_stock:
        sku.stock = incoming.stock
    sku.code = incoming.code
    sku.image_url = urls.stored(incoming.image_url)
    sku.market_price_fen = incoming.market_price_fen
    sku.is_active = incoming.is_active
    if incoming.weight_g is not None:  # editors that do not show weights leave it alone
        sku.weight_g = incoming.weight_g or None
    return sku


async def create_goods(
    session: AsyncSession, *, data: GoodsIn, near_cache: NearCache
) -> AdminGoodsOut:
    category = await _category(session, data.category_id)
    check_market_price(
        data.market_price_fen, highest_price_fen((s.price_fen, s.is_active) for s in data.skus)
    )
    _check_sku_market_prices(data.skus)
    goods = Goods(
        category_id=category.id,
        title=data.title,
        subtitle=data.subtitle,
        unit=data.unit,
        description=data.description,
        market_price_fen=data.market_price_fen,
        is_on_shelf=data.is_on_shelf,
        sort_order=data.sort_order,
        images=[],
        specs=[],
        skus=[],
    )
    _set_images(goods, data.images)
    _set_description_blocks(goods, data.description_blocks)
    _set_specs(goods, data.specs)
    goods.skus.extend(_fill_sku(Sku(spec_values=list(s.spec_values)), s) for s in data.skus)
    goods.price_fen = min(
        (s.price_fen for s in data.skus if s.is_active), default=data.skus[0].price_fen
    )
    session.add(goods)
    await session.flush()
    await inventory.announce(session, [sku.id for sku in goods.skus])
    invalidate_after_commit(session, near_cache)
    return await get_goods(session, goods_id=goods.id)


async def replace_goods(
    session: AsyncSession, *, goods_id: int, data: GoodsIn, near_cache: NearCache
) -> AdminGoodsOut:
    """Replace everything about a goods item. SKUs are matched by their spec values: a kept
    combination keeps its id (carts and orders point at it); a dropped one is deactivated,
    never deleted, so past orders still resolve.

    Stock is never written back from a stale read: a kept SKU sent with `stock_was` (what the
    editor showed) changes by the difference only, in one conditional UPDATE, so units that
    orders took while the editor was open stay taken."""
    goods = await _goods(session, goods_id, lock=True)
    check_market_price(
        data.market_price_fen, highest_price_fen((s.price_fen, s.is_active) for s in data.skus)
    )
    _check_sku_market_prices(data.skus)
    # Its SKUs change below: lock them now, in id order as checkout takes them, so a save and
    # an order never wait for each other's rows in opposite orders.
    await session.execute(
        select(Sku.id).where(Sku.goods_id == goods.id).order_by(Sku.id).with_for_update()
    )
    category = await _category(session, data.category_id)
    for field in (
        "title",
        "subtitle",
        "unit",
        "description",
        "market_price_fen",
        "is_on_shelf",
        "sort_order",
    ):
        setattr(goods, field, getattr(data, field))
    goods.category_id = category.id
    _set_images(goods, data.images)
    _set_description_blocks(goods, data.description_blocks)
    _set_specs(goods, data.specs)
    existing = {tuple(sku.spec_values): sku for sku in goods.skus}
    stock_changes: list[tuple[int, int, int]] = []  # (position, sku id, units to add)
    for position, incoming in enumerate(data.skus):
        sku = existing.pop(tuple(incoming.spec_values), None)
        if sku is None:
            sku = Sku(spec_values=list(incoming.spec_values))
            goods.skus.append(sku)
        seen = incoming.stock_was if sku.id is not None else None
        _fill_sku(sku, incoming, set_stock=seen is None)
        if seen is not None and incoming.stock != seen:
            stock_changes.append((position, sku.id, incoming.stock - seen))
    for dropped in existing.values():
        dropped.is_active = False
    await session.flush()
    for position, sku_id, units in stock_changes:
        await _add_stock(
            session,
            sku_id=sku_id,
            units=units,
            message=f"库存不够减少 {-units} 件：编辑期间已有订单占用了库存，请刷新页面后再改",
            field=f"skus.{position}.stock",
        )
    await refresh_goods_price(session, goods)
    await session.flush()
    await inventory.announce(session, [sku.id for sku in goods.skus])
    await emit(session, GoodsEdited(goods_id=goods.id))
    invalidate_after_commit(session, near_cache)
    return await get_goods(session, goods_id=goods.id)


async def patch_goods(
    session: AsyncSession, *, goods_id: int, patch: GoodsPatch, near_cache: NearCache
) -> AdminGoodsOut:
    goods = await _goods(session, goods_id)
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("market_price_fen") is not None:
        check_market_price(
            changes["market_price_fen"],
            highest_price_fen((sku.price_fen, sku.is_active) for sku in goods.skus),
        )
    if changes.get("category_id") is not None:
        await _category(session, changes["category_id"])
    image_urls = changes.pop("images", None)
    if image_urls is not None:
        _set_images(goods, image_urls)
    blocks = changes.pop("description_blocks", None)
    for field, value in changes.items():
        if value is not None:
            setattr(goods, field, value)
    _set_description_blocks(goods, blocks)
    await session.flush()
    await emit(session, GoodsEdited(goods_id=goods.id))
    invalidate_after_commit(session, near_cache)
    return await get_goods(session, goods_id=goods.id)


async def set_shelf(
    session: AsyncSession, *, goods_id: int, on_shelf: bool, near_cache: NearCache
) -> AdminGoodsOut:
    goods = await _goods(session, goods_id)
    if on_shelf and not any(sku.is_active for sku in goods.skus):
        raise Conflict("没有可售的规格，不能上架", reason="no_active_sku")
    goods.is_on_shelf = on_shelf
    await session.flush()
    await emit(session, GoodsEdited(goods_id=goods.id))
    invalidate_after_commit(session, near_cache)
    return await get_goods(session, goods_id=goods.id)


async def delete_goods(session: AsyncSession, *, goods_id: int, near_cache: NearCache) -> None:
    """Soft delete: off the shelf and out of every list; orders keep their snapshot."""
    goods = await _goods(session, goods_id)
    goods.is_on_shelf = False
    goods.deleted_at = clock.now()
    await session.flush()
    await emit(session, GoodsEdited(goods_id=goods.id))
    invalidate_after_commit(session, near_cache)


# ---- SKUs and stock ----


async def _add_stock(
    session: AsyncSession,
    *,
    sku_id: int,
    units: int,
    message: str = "库存不能小于 0",
    field: str | None = None,
) -> None:
    """Add `units` (negative: take) to a SKU's stock in one conditional UPDATE, so it composes
    with orders taking stock at the same moment; refuses to go below zero."""
    try:
        await inventory.adjust(session, {sku_id: units})
    except StockNegative as error:
        details = {"field": field} if field else {}
        raise Conflict(message, reason="stock_negative", **details) from error


async def patch_sku(
    session: AsyncSession, *, sku_id: int, patch: SkuPatch, near_cache: NearCache
) -> AdminSkuOut:
    """Edit one SKU. A `stock_delta` is applied atomically (never below zero), so it cannot
    lose units taken by orders placed at the same moment; `stock` sets an absolute count."""
    sku = await session.get(Sku, sku_id)
    if sku is None:
        raise SkuNotFound()
    if patch.price_fen is not None or patch.market_price_fen is not None:
        check_sku_market_price(
            sku.market_price_fen if patch.market_price_fen is None else patch.market_price_fen,
            sku.price_fen if patch.price_fen is None else patch.price_fen,
            field="market_price_fen" if patch.market_price_fen is not None else "price_fen",
        )
    if patch.price_fen is not None or patch.is_active is not None:
        owner = await _goods(session, sku.goods_id)
        check_market_price(
            owner.market_price_fen,
            highest_price_fen(
                (
                    patch.price_fen
                    if other.id == sku_id and patch.price_fen is not None
                    else other.price_fen,
                    patch.is_active
                    if other.id == sku_id and patch.is_active is not None
                    else other.is_active,
                )
                for other in owner.skus
            ),
        )
    if patch.stock_delta is not None:
        await _add_stock(session, sku_id=sku_id, units=patch.stock_delta)
    if patch.stock is not None:
        await inventory.set_available(session, {sku_id: patch.stock})
    values: dict[str, object] = {}
    if patch.price_fen is not None:
        values["price_fen"] = patch.price_fen
    if patch.is_active is not None:
        values["is_active"] = patch.is_active
    if patch.market_price_fen is not None:
        values["market_price_fen"] = patch.market_price_fen
    if patch.image_url is not None:
        values["image_url"] = urls.stored(patch.image_url)
    if values:
        await session.execute(update(Sku).where(Sku.id == sku_id).values(**values))
    if patch.weight_g is not None:  # not shown to shoppers: no cache to forget
        await session.execute(
            update(Sku).where(Sku.id == sku_id).values(weight_g=patch.weight_g or None)
        )
    await session.refresh(sku)
    goods = await session.get(Goods, sku.goods_id)
    if goods is not None and ("price_fen" in values or "is_active" in values):
        await refresh_goods_price(session, goods)
    await session.flush()
    if values:
        await emit(session, GoodsEdited(goods_id=sku.goods_id))
        invalidate_after_commit(session, near_cache, goods_ids=[sku.goods_id])
    return AdminSkuOut.model_validate(sku, from_attributes=True)


async def set_stock_bulk(
    session: AsyncSession, *, items: Sequence[StockEdit], near_cache: NearCache
) -> list[AdminSkuOut]:
    """Set several SKUs' stock in one transaction, rows touched in id order."""
    wanted = {item.sku_id: item.stock for item in items}
    found = set((await session.execute(select(Sku.id).where(Sku.id.in_(wanted)))).scalars())
    missing = sorted(set(wanted) - found)
    if missing:
        raise SkuNotFound(f"SKU {missing[0]} 不存在")
    await inventory.set_available(session, wanted)
    rows = (
        await session.execute(
            select(Sku)
            .where(Sku.id.in_(wanted))
            .order_by(Sku.id)
            .execution_options(populate_existing=True)
        )
    ).scalars()
    return [AdminSkuOut.model_validate(sku, from_attributes=True) for sku in rows]


async def set_low_stock_alerts(session: AsyncSession, thresholds: dict[int, int | None]) -> int:
    """Each SKU's low-stock alert threshold (None: the shop's default); how many were set."""
    for sku_id in sorted(thresholds):
        await session.execute(
            update(Sku).where(Sku.id == sku_id).values(low_stock_below=thresholds[sku_id])
        )
    return len(thresholds)


# ---- banners ----


def _banner_out(banner: Banner) -> AdminBannerOut:
    out = AdminBannerOut.model_validate(banner, from_attributes=True)
    out.image_url = urls.absolute(banner.image_url)
    return out


async def list_banners(session: AsyncSession) -> list[AdminBannerOut]:
    rows = await session.execute(select(Banner).order_by(Banner.sort_order.desc(), Banner.id))
    return [_banner_out(banner) for banner in rows.scalars()]


async def create_banner(
    session: AsyncSession, *, data: BannerIn, near_cache: NearCache
) -> AdminBannerOut:
    banner = Banner(**{**data.model_dump(), "image_url": urls.stored(data.image_url)})
    session.add(banner)
    await session.flush()
    invalidate_after_commit(session, near_cache)
    return _banner_out(banner)


async def update_banner(
    session: AsyncSession, *, banner_id: int, patch: BannerPatch, near_cache: NearCache
) -> AdminBannerOut:
    banner = await session.get(Banner, banner_id)
    if banner is None:
        raise BannerNotFound()
    for field, value in patch.model_dump(exclude_unset=True).items():
        if field in ("starts_at", "ends_at") or value is not None:
            setattr(banner, field, urls.stored(value) if field == "image_url" else value)
    await session.flush()
    invalidate_after_commit(session, near_cache)
    return _banner_out(banner)


async def delete_banner(session: AsyncSession, *, banner_id: int, near_cache: NearCache) -> None:
    banner = await session.get(Banner, banner_id)
    if banner is None:
        raise BannerNotFound()
    await session.delete(banner)
    await session.flush()
    invalidate_after_commit(session, near_cache)


async def get_category(session: AsyncSession, *, category_id: int) -> AdminCategoryOut:
    return AdminCategoryOut.model_validate(
        await _category(session, category_id), from_attributes=True
    )


async def get_banner(session: AsyncSession, *, banner_id: int) -> AdminBannerOut:
    banner = await session.get(Banner, banner_id)
    if banner is None:
        raise BannerNotFound()
    return _banner_out(banner)
