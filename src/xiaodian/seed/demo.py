"""Seeding the demo shop: categories, 40 goods with pictures and SKUs, banners, shoppers,
a month of order history and reviews, and five orders in after-sale (`seed.aftersale`).
Runs once: a database that has goods is left alone."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.catalog import search
from xiaodian.catalog.description import Block, plain_text
from xiaodian.catalog.queries import spec_text
from xiaodian.config import Settings
from xiaodian.core import clock
from xiaodian.core.actors import ActorKind
from xiaodian.core.security import hash_password
from xiaodian.flash.vocabulary import ACTIVITY as FLASH_ACTIVITY
from xiaodian.groupbuy.admin_service import percent_of
from xiaodian.groupbuy.vocabulary import CampaignStatus
from xiaodian.media.service import store_image_sync
from xiaodian.models import (
    Address,
    AdminUser,
    Banner,
    Category,
    FlashItem,
    FlashSession,
    Goods,
    GoodsImage,
    GoodsSpec,
    GroupBuy,
    GroupBuyPrice,
    Order,
    OrderEvent,
    OrderLine,
    PinnedSearchWord,
    Review,
    Sku,
    StockQuota,
    SubscribeTemplate,
    User,
)
from xiaodian.orders.numbers import new_order_no
from xiaodian.orders.state import Status
from xiaodian.seed import images
from xiaodian.seed.aftersale import seed_aftersale
from xiaodian.seed.coupons import seed_coupons
from xiaodian.seed.data import (
    BANNERS,
    CATALOG,
    DETAILS,
    REVIEW_TEXTS,
    SHOPPERS,
    DemoCategory,
    DemoGoods,
)
from xiaodian.seed.delivery import seed_delivery
from xiaodian.shop.service import current_settings
from xiaodian.wechat.vocabulary import SubscribeEvent

DEMO_SHOP_NAME = "邻里鲜 · 社区小店"
DEMO_PINNED_WORDS = ("鲜牛奶", "苹果")


def _demo_templates() -> list[SubscribeTemplate]:
    """Subscribe templates the simulator accepts (a real shop picks its own in 公众平台)."""
    return [
        SubscribeTemplate(
            event=SubscribeEvent.PAID,
            template_id="demo-tpl-paid",
            fields={"character_string1": "order_no", "thing2": "goods_title", "amount3": "total"},
        ),
        SubscribeTemplate(
            event=SubscribeEvent.SHIPPED,
            template_id="demo-tpl-shipped",
            fields={
                "character_string1": "order_no",
                "thing2": "goods_title",
                "thing3": "carrier",
                "character_string4": "tracking_no",
            },
        ),
        # 到货提醒: sent to shoppers waiting for a sold-out SKU when it has stock again
        SubscribeTemplate(
            event=SubscribeEvent.RESTOCKED,
            template_id="demo-tpl-restocked",
            fields={"thing1": "goods_title", "thing2": "note"},
        ),
    ]


async def seed_demo(session: AsyncSession, *, settings: Settings, history: bool = True) -> bool:
    """Fill an empty shop with the demo data; False (and nothing written) if goods exist."""
    if await session.scalar(select(func.count(Goods.id))):
        return False
    rng = random.Random(2026)
    shop = await current_settings(session, defaults=settings)
    shop.name = DEMO_SHOP_NAME
    shop.notice = "每天 8:00–21:00 送货上门，满 99 元免运费"
    shop.service_phone = "400-000-0000"
    media_dir = settings.media_dir
    shop.logo_url = _store(images.avatar_picture(initial="X", color=(236, 94, 76)), media_dir)

    all_goods: list[Goods] = []
    for position, demo_category in enumerate(CATALOG):
        all_goods += await _seed_category(
            session, demo_category, len(CATALOG) - position, media_dir, rng
        )
    await _seed_banners(session, all_goods, media_dir)
    await _seed_staff(session)
    await _seed_flash_sales(session, all_goods)
    session.add_all(_demo_templates())
    # 置顶热搜词: the merchant's picks lead the search page's hot keywords
    session.add_all(
        PinnedSearchWord(word=word, sort_order=i) for i, word in enumerate(DEMO_PINNED_WORDS)
    )
    shopper = User(openid=settings.sandbox_default_openid, nickname="演示买家")
    session.add(shopper)
    await session.flush()
    session.add(
        Address(
            user_id=shopper.id,
            name="演示买家",
            phone="13800000000",
            province="上海市",
            city="上海市",
            district="浦东新区",
            detail="世纪大道 100 号 3 栋 1201",
            lat=31.2304,
            lng=121.5737,
            is_default=True,
        )
    )
    if history:
        await _seed_history(session, all_goods, media_dir, rng)
    await _seed_group_buys(session, all_goods)
    await seed_delivery(session, rng)
    await session.flush()
    if history:
        await seed_aftersale(session, settings=settings, rng=rng)
    await seed_coupons(session, demo_shopper_id=shopper.id)
    await search.reindex_all(session)  # `xiaodian seed` runs without the app's listeners
    return True


DEMO_STAFF = (
    ("manager", "店长小李", "manager"),
    ("kefu", "客服小王", "service"),
    ("cangku", "仓管老张", "warehouse"),
)
"""Demo staff accounts (password demo1234), one per built-in role."""


async def _seed_staff(session: AsyncSession) -> None:
    password_hash = await hash_password("demo1234")
    for username, name, role in DEMO_STAFF:
        taken = await session.scalar(select(AdminUser.id).where(AdminUser.username == username))
        if taken is None:
            session.add(
                AdminUser(
                    username=username, display_name=name, role=role, password_hash=password_hash
                )
            )


async def _seed_group_buys(session: AsyncSession, goods: list[Goods]) -> None:
    """The reference shop lives on 拼团: 三人拼团享8折 (10 minutes to fill, so a demo sees both
    endings; two paid members succeed anyway), and a two-person group with a leader discount.
    On goods just below the best sellers (home lists them in its 拼团 slot; the best sellers
    keep their plain 加入购物车 / 立即购买). Group orders sell the SKUs' normal stock."""
    now = clock.now()
    ranked = sorted(goods, key=lambda item: (-item.sales, item.id))
    first, second = ranked[12:14] if len(ranked) >= 14 else ranked[:2]
    for item, size, percent, minutes, leader_fen, simulated in (
        (first, 3, 80, 10, 0, 2),
        (second, 2, 85, 60, 100, None),
    ):
        campaign = GroupBuy(
            goods_id=item.id,
            group_size=size,
            price_percent=percent,
            fill_minutes=minutes,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=30),
            leader_discount_fen=leader_fen,
            simulated_fill_min_members=simulated,
            allow_coupons=False,
            status=CampaignStatus.RUNNING,
            groups_filled=0,
            groups_failed=0,
        )
        session.add(campaign)
        await session.flush()
        for sku in item.skus:
            session.add(
                GroupBuyPrice(
                    campaign_id=campaign.id,
                    sku_id=sku.id,
                    group_price_fen=percent_of(sku.price_fen, percent),
                )
            )


def _store(png: bytes, media_dir: Path) -> str:
    return store_image_sync(png, media_dir).url


async def _seed_category(
    session: AsyncSession,
    demo: DemoCategory,
    sort_order: int,
    media_dir: Path,
    rng: random.Random,
) -> list[Goods]:
    icon = _store(
        images.goods_picture(title=demo.name, label=demo.name, color=demo.color, shape=demo.shape),
        media_dir,
    )
    parent = Category(name=demo.name, icon_url=icon, sort_order=sort_order)
    session.add(parent)
    await session.flush()
    created: list[Goods] = []
    for child_position, (child_name, goods_list) in enumerate(demo.children.items()):
        child = Category(
            name=child_name,
            parent_id=parent.id,
            icon_url=icon,
            sort_order=len(demo.children) - child_position,
        )
        session.add(child)
        await session.flush()
        for item in goods_list:
            created.append(await _seed_goods(session, item, child.id, demo, media_dir, rng))
    return created


def _description_blocks(paragraphs: Sequence[str], pictures: Sequence[str]) -> list[Block]:
    """Paragraphs with the goods' pictures (800 × 800) between them: text, picture, text, …"""
    blocks: list[Block] = []
    for position, paragraph in enumerate(paragraphs):
        blocks.append({"type": "text", "text": paragraph})
        if position < len(paragraphs) - 1 and position < len(pictures):
            picture = pictures[(position + 1) % len(pictures)]
            blocks.append({"type": "image", "url": picture, "width": 800, "height": 800})
    return blocks


SKU_PICTURES_GOODS = "红富士苹果"
"""The demo goods whose SKUs have their own picture and 划线价 (the console's SKU matrix and
the mini program's spec sheet show them)."""


def _picture_each_sku(
    skus: Sequence[Sku], item: DemoGoods, demo: DemoCategory, media_dir: Path
) -> None:
    """A picture per SKU (its spec written under the product) and a 划线价 a fifth above its
    price, rounded up to 10 fen."""
    for sku in skus:
        spec = " ".join(sku.spec_values)
        sku.image_url = _store(
            images.goods_picture(
                title=f"{item.title} {spec}",
                label=f"{item.label} {spec}",
                color=demo.color,
                shape=demo.shape,
                variant=1,
            ),
            media_dir,
        )
        sku.market_price_fen = -(-sku.price_fen * 6 // 5 // 10) * 10


async def _seed_goods(
    session: AsyncSession,
    item: DemoGoods,
    category_id: int,
    demo: DemoCategory,
    media_dir: Path,
    rng: random.Random,
) -> Goods:
    pictures = [
        _store(
            images.goods_picture(
                title=item.title,
                label=item.label,
                color=demo.color,
                shape=demo.shape,
                variant=variant,
            ),
            media_dir,
        )
        for variant in range(2)
    ]
    combinations = list(itertools.product(*item.specs.values())) if item.specs else [()]
    prices = item.prices or [990]
    skus = [
        Sku(
            spec_values=list(combination),
            price_fen=prices[index % len(prices)],
            stock=rng.choice([3, 8, 25, 60, 120, 200, 300]),
            code=f"SKU{rng.randint(10**6, 10**7)}",
        )
        for index, combination in enumerate(combinations)
    ]
    if item.title == SKU_PICTURES_GOODS:
        _picture_each_sku(skus, item, demo, media_dir)
    lowest = min(sku.price_fen for sku in skus)
    blocks = _description_blocks(DETAILS.get(item.title, ()), pictures)
    goods = Goods(
        category_id=category_id,
        title=item.title,
        subtitle=item.subtitle,
        unit=item.unit,
        description=plain_text(blocks)
        if blocks
        else f"{item.title}：{item.subtitle}。\n社区门店当日配送，收货后如有质量问题可申请售后。",
        description_blocks=blocks or None,
        price_fen=lowest,
        market_price_fen=-(-max(sku.price_fen for sku in skus) * 5 // 4 // 10) * 10,
        sales=item.popularity,
        is_on_shelf=True,
        created_at=clock.now() - timedelta(days=rng.randint(0, 60)),
        images=[GoodsImage(url=url, sort_order=i) for i, url in enumerate(pictures)],
        specs=[
            GoodsSpec(name=name, values=values, sort_order=i)
            for i, (name, values) in enumerate(item.specs.items())
        ],
        skus=skus,
    )
    session.add(goods)
    await session.flush()
    return goods


async def _seed_banners(session: AsyncSession, goods: list[Goods], media_dir: Path) -> None:
    for position, (title, label, color) in enumerate(BANNERS):
        url = _store(images.banner_picture(title=title, label=label, color=color), media_dir)
        target = goods[position * 7 % len(goods)]
        session.add(
            Banner(
                title=title,
                image_url=url,
                link_type="goods",
                link_value=str(target.id),
                sort_order=len(BANNERS) - position,
            )
        )
    await session.flush()


async def _seed_flash_sales(session: AsyncSession, goods: list[Goods]) -> None:
    """限时1元购 running for a week from now, and an evening session tomorrow: each item's
    flash stock moved out of its SKU into the item's own pool, as the merchant API does."""
    now = clock.now().replace(second=0, microsecond=0)
    tomorrow_evening = clock.to_shop_time(now + timedelta(days=1)).replace(hour=20, minute=0)
    windows = [
        ("限时1元购", now - timedelta(minutes=5), now + timedelta(days=7), goods[:3], 100),
        ("晚八点秒杀", tomorrow_evening, tomorrow_evening + timedelta(hours=2), goods[3:5], 990),
    ]
    for title, starts_at, ends_at, picked, price_fen in windows:
        flash = FlashSession(title=title, starts_at=starts_at, ends_at=ends_at, unpaid_minutes=5)
        session.add(flash)
        await session.flush()
        for item in picked:
            sku = min(item.skus, key=lambda s: s.price_fen)
            units = min(20, sku.stock)
            row = FlashItem(
                session_id=flash.id,
                sku_id=sku.id,
                goods_id=item.id,
                flash_price_fen=min(price_fen, sku.price_fen),
                flash_stock=units,
                per_user_limit=1,
                participants=0,
            )
            session.add(row)
            await session.flush()
            sku.stock -= units
            pool = StockQuota(
                activity=FLASH_ACTIVITY,
                activity_id=row.id,
                sku_id=sku.id,
                allocated=units,
                units_left=units,
                status="open",
            )
            session.add(pool)
            await session.flush()
            row.quota_id = pool.id


async def _seed_history(
    session: AsyncSession, goods: list[Goods], media_dir: Path, rng: random.Random
) -> None:
    """A month of orders from a few neighbours, so lists, charts and reviews have content."""
    shoppers: list[User] = []
    for index, (nickname, key) in enumerate(SHOPPERS):
        avatar = _store(
            images.avatar_picture(
                initial=key[0].upper(), color=CATALOG[index % len(CATALOG)].color
            ),
            media_dir,
        )
        shopper = User(openid=f"demo-neighbour-{key}", nickname=nickname, avatar_url=avatar)
        session.add(shopper)
        shoppers.append(shopper)
    await session.flush()
    skus = [(sku, goods) for sku, goods in (await session.execute(select(Sku, Goods).join(Goods)))]
    covers = {
        goods_id: url
        for goods_id, url in (
            await session.execute(
                select(GoodsImage.goods_id, GoodsImage.url).where(GoodsImage.sort_order == 0)
            )
        )
    }
    now = clock.now()
    for days_ago in range(30, 0, -1):
        for _ in range(rng.randint(2, 6)):
            created = now - timedelta(
                days=days_ago, hours=rng.randint(0, 12), minutes=rng.randint(0, 59)
            )
            await _seed_order(
                session,
                rng.choice(shoppers),
                rng.sample(skus, rng.randint(1, 3)),
                created,
                days_ago,
                covers,
                rng,
            )


async def _seed_order(
    session: AsyncSession,
    shopper: User,
    picked: list[tuple[Sku, Goods]],
    created_at: datetime,
    days_ago: int,
    covers: dict[int, str],
    rng: random.Random,
) -> None:
    lines = []
    for sku, goods in picked:
        quantity = rng.randint(1, 3)
        total = sku.price_fen * quantity
        lines.append(
            OrderLine(
                goods_id=goods.id,
                sku_id=sku.id,
                title=goods.title,
                spec_text=spec_text(sku.spec_values),
                image_url=covers.get(goods.id, ""),
                unit_price_fen=sku.price_fen,
                quantity=quantity,
                goods_total_fen=total,
                pay_fen=total,
            )
        )
        goods.sales += quantity
        sku.sales += quantity
    goods_total = sum(line.goods_total_fen for line in lines)
    freight = 0 if goods_total >= 9900 else 800
    status = Status.COMPLETED if days_ago > 3 else Status.SHIPPED if days_ago > 1 else Status.PAID
    paid_at = created_at + timedelta(minutes=2)
    for line in lines:
        line.paid_at = paid_at
    shipped_at = paid_at + timedelta(hours=3) if status != Status.PAID else None
    completed_at = (
        shipped_at + timedelta(days=1) if status == Status.COMPLETED and shipped_at else None
    )
    order = Order(
        order_no=new_order_no(created_at),
        user_id=shopper.id,
        status=status,
        goods_total_fen=goods_total,
        freight_fen=freight,
        total_fen=goods_total + freight,
        item_count=sum(line.quantity for line in lines),
        receiver_name=shopper.nickname[:10],
        receiver_phone=f"139{rng.randint(10**7, 10**8 - 1)}",
        province="上海市",
        city="上海市",
        district="浦东新区",
        address_detail=f"锦绣路 {rng.randint(1, 999)} 弄",
        created_at=created_at,
        paid_at=paid_at,
        shipped_at=shipped_at,
        completed_at=completed_at,
        carrier="门店配送" if shipped_at else None,
        tracking_no=f"MD{rng.randint(10**9, 10**10)}" if shipped_at else None,
        auto_confirm_at=shipped_at + timedelta(days=10) if shipped_at else None,
        lines=lines,
    )
    session.add(order)
    await session.flush()
    steps = [
        (None, Status.PENDING_PAYMENT, created_at, "提交订单"),
        (Status.PENDING_PAYMENT, Status.PAID, paid_at, "支付成功"),
    ]
    if shipped_at:
        steps.append((Status.PAID, Status.SHIPPED, shipped_at, "门店配送"))
    if completed_at:
        steps.append((Status.SHIPPED, Status.COMPLETED, completed_at, "确认收货"))
    for from_status, to_status, at, note in steps:
        session.add(
            OrderEvent(
                order_id=order.id,
                from_status=from_status,
                to_status=to_status,
                actor=ActorKind.SYSTEM,
                note=note,
                created_at=at,
            )
        )
    if completed_at is not None:
        for line in lines:
            if rng.random() < 0.6:
                text, score = rng.choice(REVIEW_TEXTS)
                line.is_reviewed = True
                session.add(
                    Review(
                        order_id=order.id,
                        order_line_id=line.id,
                        goods_id=line.goods_id,
                        sku_id=line.sku_id,
                        user_id=shopper.id,
                        spec_text=line.spec_text,
                        score=score,
                        content=text,
                        images=[],
                        created_at=completed_at + timedelta(hours=2),
                    )
                )
