"""What shoppers read from the catalog. Hot answers are served from the near cache.

Every answer here is built in its own read transaction and cached per process (see
`catalog.cache`): list pages and home keep goods ids, and each goods item's card and detail
are cached and invalidated on their own, so a sale forgets one goods item, not the catalog.
"""

from __future__ import annotations

import orjson
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from xiaodian.catalog import promotions
from xiaodian.catalog.cache import GOODS, NAMESPACE
from xiaodian.catalog.description import blocks_out
from xiaodian.catalog.errors import GoodsNotFound
from xiaodian.catalog.hints import stock_hint
from xiaodian.catalog.queries import (
    GoodsPage,
    card_rows,
    goods_page,
    on_sale,
    one_piece,
    piece_is_common,
)
from xiaodian.catalog.schemas import (
    BannerOut,
    CategoryOut,
    GoodsDetail,
    GoodsQuery,
    HomeOut,
    Promotions,
    ShopBrief,
    SkuOut,
    SpecOut,
)
from xiaodian.context import AppContext
from xiaodian.core import clock, urls
from xiaodian.models import Banner, Category, Goods
from xiaodian.reviews import service as reviews
from xiaodian.shop.service import current_settings

HOME_LIST_SIZE = 10
DETAIL_IMAGE_WIDTH = 800


async def category_tree(session: AsyncSession) -> list[CategoryOut]:
    """Visible categories, two levels, in the merchant's order."""
    rows = (
        (
            await session.execute(
                select(Category)
                .where(Category.is_visible.is_(True))
                .order_by(Category.sort_order.desc(), Category.id)
            )
        )
        .scalars()
        .all()
    )
    by_parent: dict[int | None, list[Category]] = {}
    for category in rows:
        by_parent.setdefault(category.parent_id, []).append(category)

    def node(category: Category) -> CategoryOut:
        return CategoryOut(
            id=category.id,
            name=category.name,
            icon_url=urls.absolute(category.icon_url),
            children=[node(child) for child in by_parent.get(category.id, [])],
        )

    return [node(category) for category in by_parent.get(None, [])]


async def goods_detail(session: AsyncSession, *, goods_id: int) -> GoodsDetail:
    """One goods item with its SKUs and review summary (off-shelf goods are shown as such)."""
    goods = await session.scalar(
        select(Goods)
        .where(Goods.id == goods_id, Goods.deleted_at.is_(None))
        .options(selectinload(Goods.images), selectinload(Goods.specs), selectinload(Goods.skus))
    )
    if goods is None:
        raise GoodsNotFound()
    skus = [sku for sku in goods.skus if sku.is_active]
    images = [urls.sized(image.url, DETAIL_IMAGE_WIDTH) for image in goods.images]
    return GoodsDetail(
        id=goods.id,
        title=goods.title,
        subtitle=goods.subtitle,
        unit=goods.unit,
        description=goods.description,
        description_blocks=blocks_out(
            goods.description_blocks, description=goods.description, image_width=DETAIL_IMAGE_WIDTH
        ),
        category_id=goods.category_id,
        images=images,
        cover_url=images[0] if images else "",
        price_fen=goods.price_fen,
        market_price_fen=goods.market_price_fen,
        sales=goods.sales,
        stock_left=sum(sku.stock for sku in skus),
        stock_hint=stock_hint(sum(sku.stock for sku in skus)),
        is_on_shelf=goods.is_on_shelf,
        specs=[SpecOut(name=spec.name, values=list(spec.values)) for spec in goods.specs],
        skus=[
            SkuOut(
                id=sku.id,
                spec_values=list(sku.spec_values),
                price_fen=sku.price_fen,
                stock=sku.stock,
                stock_hint=stock_hint(sku.stock),
                image_url=urls.absolute(sku.image_url),
                market_price_fen=sku.market_price_fen or goods.market_price_fen,
            )
            for sku in skus
        ],
        review_summary=await reviews.summary(session, goods_id=goods.id),
        recent_reviews=await reviews.recent(session, goods_id=goods.id, limit=2),
    )


async def home(session: AsyncSession, context: AppContext) -> tuple[HomeOut, list[int], list[int]]:
    """Home without its two goods lists, and the goods ids of those lists (hot, new)."""
    shop = await current_settings(session, defaults=context.settings)
    moment = clock.now()
    banners = (
        await session.execute(
            select(Banner)
            .where(
                Banner.is_active.is_(True),
                or_(Banner.starts_at.is_(None), Banner.starts_at <= moment),
                or_(Banner.ends_at.is_(None), Banner.ends_at > moment),
            )
            .order_by(Banner.sort_order.desc(), Banner.id)
            .limit(10)
        )
    ).scalars()
    hot = await session.execute(
        select(Goods.id)
        .where(on_sale())
        .order_by(Goods.sales.desc(), Goods.id)
        .limit(HOME_LIST_SIZE)
    )
    newest = await session.execute(
        select(Goods.id)
        .where(on_sale())
        .order_by(Goods.created_at.desc(), Goods.id.desc())
        .limit(HOME_LIST_SIZE)
    )
    tree = await category_tree(session)
    page = HomeOut(
        shop=ShopBrief(
            name=shop.name,
            logo_url=urls.absolute(shop.logo_url),
            notice=shop.notice,
            service_phone=shop.service_phone,
            free_freight_threshold_fen=shop.free_freight_threshold_fen,
        ),
        banners=[
            BannerOut(
                id=b.id,
                title=b.title,
                image_url=urls.absolute(b.image_url),
                link_type=b.link_type,
                link_value=b.link_value,
            )
            for b in banners
        ],
        categories=[CategoryOut(id=c.id, name=c.name, icon_url=c.icon_url) for c in tree],
        hot=[],
        new=[],
        promotions=Promotions(),
    )
    return page, list(hot.scalars()), list(newest.scalars())


# ---- cached answers (bytes ready to send) ----


async def cards_json(context: AppContext, goods_ids: list[int]) -> bytes:
    """The cards of these goods as one JSON array, each card from the near cache."""

    async def load(missing: list[str]) -> dict[str, bytes]:
        wanted = [int(key[5:]) for key in missing]
        cards = await context.db.read(lambda connection: card_rows(connection, wanted))
        return {f"card:{goods_id}": orjson.dumps(card) for goods_id, card in cards.items()}

    keys = [f"card:{goods_id}" for goods_id in goods_ids]
    found = await context.near_cache.load_many(GOODS, keys, load)
    return b"[" + b",".join(found[key] for key in keys if key in found) + b"]"


async def home_json(context: AppContext) -> bytes:
    async def load() -> tuple[bytes, list[int], list[int]]:
        async with context.db.transaction(write=False) as session:
            page, hot, new = await home(session, context)
        return page.model_dump_json(exclude={"hot", "new", "promotions"}).encode(), hot, new

    rest, hot, new = await context.near_cache.get_or_load(NAMESPACE, "home", load)
    return (
        rest[:-1]
        + b',"hot":'
        + await cards_json(context, hot)
        + b',"new":'
        + await cards_json(context, new)
        + b',"promotions":'
        + await promotions.slot_json(context)
        + b"}"
    )


async def categories_json(context: AppContext) -> bytes:
    async def load() -> bytes:
        async with context.db.transaction(write=False) as session:
            tree = await category_tree(session)
        return b"[" + b",".join(node.model_dump_json().encode() for node in tree) + b"]"

    return await context.near_cache.get_or_load(NAMESPACE, "categories", load)


async def goods_page_json(context: AppContext, query: GoodsQuery) -> bytes:
    async def load() -> GoodsPage:
        piece = one_piece(query)
        common = piece is not None and await context.near_cache.get_or_load(
            NAMESPACE,
            "piece:" + piece,
            lambda: context.db.read(lambda connection: piece_is_common(connection, piece)),
        )
        return await context.db.read(
            lambda connection: goods_page(connection, query, common_piece=common)
        )

    found = await context.near_cache.get_or_load(NAMESPACE, "goods:" + query.cache_key(), load)
    exact = "true" if found.exact else "false"
    return (
        b'{"items":'
        + await cards_json(context, found.ids)
        + f',"total":{found.total},"total_exact":{exact},"page":{query.page},'
        f'"page_size":{query.page_size}}}'.encode()
    )


async def cached_goods_detail(context: AppContext, goods_id: int) -> tuple[GoodsDetail, bytes]:
    """The detail as a model (to personalise) and as anonymous JSON bytes."""

    async def load() -> tuple[GoodsDetail, bytes]:
        async with context.db.transaction(write=False) as session:
            detail = await goods_detail(session, goods_id=goods_id)
        return detail, detail.model_dump_json().encode()

    return await context.near_cache.get_or_load(GOODS, f"detail:{goods_id}", load)
