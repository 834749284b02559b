"""The app as a whole: error answers, health, the schema in the migrations, the demo seed."""

from __future__ import annotations

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from tests import factories
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.models import (
    Base,
    Category,
    Goods,
    GoodsImage,
    Payment,
    Refund,
    Review,
    Sku,
    SubscribeTemplate,
)


async def test_unknown_paths_and_methods_answer_in_the_error_format(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.get("/api/v1/nope")
    assert missing.json() == {"error": "not_found", "message": "没有找到"}
    wrong = await client.delete("/api/v1/home")
    assert (wrong.status_code, wrong.json()["error"]) == (405, "method_not_allowed")


async def test_health_reports_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert (await client.get("/api/v1/ping")).json() == {"ok": True}


async def test_the_migrations_build_exactly_the_models(context: AppContext) -> None:
    def diff(connection: object) -> list[object]:
        migration = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(migration, Base.metadata))

    async with context.db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_the_demo_seed_builds_a_believable_shop_once(
    client: httpx.AsyncClient, context: AppContext, settings: Settings
) -> None:
    from xiaodian.seed.demo import seed_demo

    async with context.db.transaction() as session:
        assert await seed_demo(session, settings=settings) is True
    async with context.db.transaction() as session:
        assert await seed_demo(session, settings=settings) is False
        top = await session.scalar(
            select(func.count(Category.id)).where(Category.parent_id.is_(None))
        )
        goods = await session.scalar(select(func.count(Goods.id)))
        without_images = await session.scalar(
            select(func.count(Goods.id)).where(~Goods.images.any())
        )
        with_specs = await session.scalar(select(func.count(func.distinct(Sku.goods_id))))
        reviews = await session.scalar(select(func.count(Review.id)))
        picture = await session.scalar(select(GoodsImage.url).limit(1))
    assert (top, goods, without_images, with_specs) == (6, 40, 0, 40)
    assert reviews and reviews > 20
    assert picture is not None
    assert (await client.get(picture)).status_code == 200
    home = (await client.get("/api/v1/home")).json()
    assert len(home["banners"]) == 3 and len(home["hot"]) == 10 and len(home["categories"]) == 6
    sales = [card["sales"] for card in home["hot"]]
    assert sales == sorted(sales, reverse=True)
    group_buys = (await client.get("/api/v1/group-buys")).json()
    assert sorted(c["group_size"] for c in group_buys) == [2, 3]
    assert all(c["group_price_fen"] < c["price_fen"] for c in group_buys)
    assert len(home["promotions"]["group_buys"]) == 2

    # 商品详情 of several goods as blocks: paragraphs with the goods' own pictures between them
    found = (await client.get("/api/v1/goods", params={"q": "红富士苹果"})).json()["items"]
    apple = (await client.get(f"/api/v1/goods/{found[0]['id']}")).json()
    kinds = [block["type"] for block in apple["description_blocks"]]
    assert kinds == ["text", "image", "text", "image", "text"]
    assert (await client.get(apple["description_blocks"][1]["url"])).status_code == 200
    async with context.db.transaction(write=False) as session:
        with_blocks = await session.scalar(
            select(func.count(Goods.id)).where(Goods.description_blocks.is_not(None))
        )
        restocked = await session.scalar(
            select(SubscribeTemplate.template_id).where(SubscribeTemplate.event == "restocked")
        )
        after_sale = (
            await session.execute(
                select(Refund.status, Payment.status)
                .join(Payment, Payment.id == Refund.payment_id)
                .order_by(Refund.id)
            )
        ).all()
    assert with_blocks == 6
    assert await factories.lines_off_their_orders_paid_at(context) == 0
    # 售后退款 has work to show (tests/seed/test_demo_aftersale.py checks each case)
    assert [refund for refund, _ in after_sale] == [
        "requested",
        "requested",
        "returning",
        "succeeded",
        "rejected",
    ]
    assert {payment for _, payment in after_sale} == {"succeeded"}
    assert restocked == "demo-tpl-restocked"  # so the demo sends 到货提醒 on restock
    hot = (await client.get("/api/v1/search/hot")).json()["keywords"]
    assert hot[:2] == ["鲜牛奶", "苹果"]  # the demo's pinned words first


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cart",
        "/api/v1/orders",
        "/api/v1/me",
        "/api/v1/me/addresses",
        "/api/v1/me/favorites",
    ],
)
async def test_shopper_data_needs_a_login(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 401


def test_demo_settings_never_apply_to_serve() -> None:
    with pytest.raises(ValueError):
        Settings(env="production", secret_key="").check_for_serving()
    with pytest.raises(ValueError):
        Settings(env="production", secret_key="short").check_for_serving()
    Settings(env="production", secret_key="k" * 40).check_for_serving()
