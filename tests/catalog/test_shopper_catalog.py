from __future__ import annotations

import httpx
import pytest

from tests import factories
from xiaodian.catalog import queries
from xiaodian.context import AppContext


async def test_categories_come_as_a_two_level_tree(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    fruit = await factories.make_category(context, name="水果")
    await factories.make_category(context, name="进口水果", parent_id=fruit)
    await factories.make_category(context, name="蔬菜")
    tree = (await client.get("/api/v1/categories")).json()
    by_name = {node["name"]: node for node in tree}
    assert set(by_name) == {"水果", "蔬菜"}
    assert [child["name"] for child in by_name["水果"]["children"]] == ["进口水果"]


async def test_goods_list_filters_by_category_including_subcategories(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    fruit = await factories.make_category(context, name="水果")
    imported = await factories.make_category(context, name="进口水果", parent_id=fruit)
    await factories.make_goods(context, title="苹果", category_id=fruit)
    await factories.make_goods(context, title="车厘子", category_id=imported)
    await factories.make_goods(context, title="白菜")
    page = (await client.get("/api/v1/goods", params={"category_id": fruit})).json()
    assert sorted(item["title"] for item in page["items"]) == ["苹果", "车厘子"]
    assert page["total"] == 2


async def test_goods_sort_by_sales_price_and_newest(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await factories.make_goods(context, title="便宜", prices=[100], sales=5)
    await factories.make_goods(context, title="热门", prices=[500], sales=50)
    await factories.make_goods(context, title="贵的", prices=[900], sales=1)

    async def titles(**params: str) -> list[str]:
        page = (await client.get("/api/v1/goods", params=params)).json()
        return [item["title"] for item in page["items"]]

    assert await titles(sort="sales") == ["热门", "便宜", "贵的"]
    assert await titles(sort="price") == ["便宜", "热门", "贵的"]
    assert await titles(sort="price", order="desc") == ["贵的", "热门", "便宜"]
    assert await titles(sort="new") == ["贵的", "热门", "便宜"]


async def test_goods_filter_by_price_range_and_keyword(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await factories.make_goods(context, title="红富士苹果", prices=[990])
    await factories.make_goods(context, title="青苹果", prices=[1990])
    await factories.make_goods(context, title="100%橙汁", prices=[1500])
    page = (await client.get("/api/v1/goods", params={"q": "苹果", "max_price_fen": 1000})).json()
    assert [item["title"] for item in page["items"]] == ["红富士苹果"]
    percent = (await client.get("/api/v1/goods", params={"q": "%"})).json()
    assert [item["title"] for item in percent["items"]] == ["100%橙汁"]
    assert (await client.get("/api/v1/goods", params={"q": "_"})).json()["total"] == 0


async def test_goods_list_pages_and_reports_stock_left(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    for number in range(5):
        await factories.make_goods(
            context, title=f"商品{number}", stock=7, specs={"规格": ["小", "大"]}
        )
    page = (await client.get("/api/v1/goods", params={"page": 2, "page_size": 2})).json()
    assert (page["total"], page["page"], page["page_size"], len(page["items"])) == (5, 2, 2, 2)
    assert page["total_exact"] is True
    assert all(item["stock_left"] == 14 for item in page["items"])
    assert page["items"][0]["cover_url"].startswith("http://testserver/media/")


async def test_a_long_list_is_counted_only_so_far_past_the_page(
    client: httpx.AsyncClient, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count reaches COUNT_AHEAD (1,000; 1 here) past the page: beyond it the total is a
    floor that still promises the next page, and the last pages are counted exactly."""
    monkeypatch.setattr(queries, "COUNT_AHEAD", 1)
    for number in range(5):
        await factories.make_goods(context, title=f"商品{number}")
    answers = []
    for page in (1, 2, 3):
        got = (await client.get("/api/v1/goods", params={"page": page, "page_size": 2})).json()
        answers.append((got["total"], got["total_exact"], len(got["items"])))
    assert answers == [(3, False, 2), (5, False, 2), (5, True, 1)]


async def test_goods_off_the_shelf_are_not_listed_but_show_as_such(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, title="下架品", on_shelf=False)
    assert (await client.get("/api/v1/goods")).json()["total"] == 0
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert detail["is_on_shelf"] is False


async def test_goods_detail_has_specs_skus_and_review_summary(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(
        context, title="洗衣液", prices=[2990, 3990], specs={"规格": ["2kg", "3kg"]}, stock=12
    )
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert detail["specs"] == [{"name": "规格", "values": ["2kg", "3kg"]}]
    assert [(s["spec_values"], s["price_fen"], s["stock"]) for s in detail["skus"]] == [
        (["2kg"], 2990, 12),
        (["3kg"], 3990, 12),
    ]
    assert detail["review_summary"] == {"count": 0, "average_score": None}
    assert detail["price_fen"] == 2990
    assert detail["stock_left"] == 24


async def test_home_has_banners_categories_hot_new_and_promotion_slots(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await factories.make_goods(context, title="热卖", sales=100)
    await factories.make_goods(context, title="新品", sales=0)
    home = (await client.get("/api/v1/home")).json()
    assert set(home) == {"shop", "banners", "categories", "hot", "new", "promotions"}
    assert home["hot"][0]["title"] == "热卖"
    assert home["new"][0]["title"] == "新品"
    assert home["promotions"] == {"flash_sales": [], "group_buys": []}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/goods/0",
        "/api/v1/goods/-1",
        "/api/v1/goods/abc",
        "/api/v1/goods/99999999999999999999999",
        "/api/v1/goods?page_size=51",
        "/api/v1/goods?page=0",
        "/api/v1/goods?min_price_fen=-5",
        "/api/v1/goods?sort=weird",
        "/api/v1/goods?category_id=1e9",
        "/api/v1/goods?q=" + "x" * 51,
        "/api/v1/goods/1/reviews?page_size=1000",
    ],
)
async def test_bad_catalog_queries_are_422(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


async def test_unknown_goods_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/goods/424242")
    assert response.status_code == 404
    assert response.json() == {"error": "goods_not_found", "message": "商品不存在或已下架"}
