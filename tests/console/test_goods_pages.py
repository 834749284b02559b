"""Goods in the console over HTTP: the editor's form, its errors, shelf, delete, bulk stock."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import httpx
from sqlalchemy import select, update

from tests import factories
from tests.console.helpers import Console, signed_in
from xiaodian.catalog import admin_service as catalog
from xiaodian.context import AppContext
from xiaodian.models import Sku

SPECS = (("颜色", ["红色", "蓝色"]), ("尺码", ["M", "L"]))


def goods_form(
    category_id: int | str,
    *,
    title: str = "纯棉 T 恤",
    specs: tuple[tuple[str, list[str]], ...] = SPECS,
    prices: list[str] | None = None,
    stock: str = "10",
) -> list[tuple[str, str]]:
    fields = [
        ("title", title),
        ("category_id", str(category_id)),
        ("unit", "件"),
        ("sort_order", "0"),
        ("market_price", ""),
        ("is_on_shelf", "on"),
        ("images", "/media/images/ab/abc-800.webp"),
    ]
    for index, (name, values) in enumerate(specs):
        fields.append((f"specs.{index}.name", name))
        fields.extend((f"specs.{index}.values", value) for value in values)
    combinations = list(itertools.product(*(values for _, values in specs)))
    for index, combination in enumerate(combinations):
        fields += [
            (f"skus.{index}.spec_values", json.dumps(list(combination), ensure_ascii=False)),
            (f"skus.{index}.price", prices[index] if prices else "59.90"),
            (f"skus.{index}.stock", stock),
            (f"skus.{index}.code", ""),
            (f"skus.{index}.is_active", "on"),
        ]
    return fields


def editor_state(html: str) -> dict[str, Any]:
    """The SKU editor's initial state, as the page hands it to Alpine."""
    match = re.search(r"x-data='skuMatrix\((.*?)\)'", html, re.S)
    assert match is not None
    return dict(json.loads(match.group(1)))


async def test_a_goods_item_made_in_the_editor_has_one_sku_per_combination_priced_in_fen(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    category_id = await factories.make_category(context)
    response = await console.post(
        "/goods/new", goods_form(category_id, prices=["59.9", "59.90", "69", "0.01"])
    )
    assert response.status_code == 303, response.text
    goods_id = int(response.headers["location"].rsplit("/", 1)[1])
    async with context.db.transaction(write=False) as session:
        goods = await catalog.get_goods(session, goods_id=goods_id)
    prices = {tuple(sku.spec_values): sku.price_fen for sku in goods.skus}
    assert prices == {
        ("红色", "M"): 5990,
        ("红色", "L"): 5990,
        ("蓝色", "M"): 6900,
        ("蓝色", "L"): 1,
    }
    assert goods.is_on_shelf and goods.price_fen == 1
    assert goods.images == ["http://testserver/media/images/ab/abc-800.webp"]
    page = await console.get(f"/goods/{goods_id}")
    state = editor_state(page.text)
    assert state["images"] == ["/media/images/ab/abc-800.webp"]  # site-relative in the console
    assert {sku["price"] for sku in state["skus"]} == {"59.90", "69.00", "0.01"}


async def test_editor_errors_are_shown_next_to_their_fields_and_nothing_is_saved(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    form = goods_form("", title="", prices=["59.90", "abc", "0", "1.234"])
    form.append(("specs.1.values", "M"))  # a value twice
    response = await console.post("/goods/new", form)
    assert response.status_code == 422
    state = editor_state(response.text)
    errors = state["errors"]
    assert errors["title"] == "必填"
    assert errors["category_id"] == "请选择分类"
    assert errors["specs.1.values"] == "规格值不能重复"
    assert errors["skus.1.price"] == "请输入金额，如 19.90"
    assert errors["skus.2.price"] == "价格至少 0.01 元"
    assert errors["skus.3.price"] == "请输入金额，如 19.90"
    assert "必填" in response.text and "请选择分类" in response.text
    assert [sku["price"] for sku in state["skus"]] == ["59.90", "abc", "0", "1.234"]
    async with context.db.transaction(write=False) as session:
        assert (await session.execute(select(Sku.id))).first() is None


async def test_spec_names_must_be_filled_and_unique(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    category_id = await factories.make_category(context)
    specs = (("颜色", ["红色"]), ("颜色", ["M"]), ("", ["X"]))
    response = await console.post("/goods/new", goods_form(category_id, specs=specs))
    errors = editor_state(response.text)["errors"]
    assert errors["specs.1.name"] == "规格名不能重复"
    assert errors["specs.2.name"] == "请填写规格名，如 颜色、重量"


async def test_shelf_switch_answers_htmx_with_the_row_and_a_toast(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods = await factories.make_goods(context, on_shelf=False)
    response = await console.htmx(f"/goods/{goods['id']}/shelf", {"on_shelf": "true"})
    assert response.status_code == 200
    assert 'id="goods-{}"'.format(goods["id"]) in response.text and "出售中" in response.text
    assert json.loads(response.headers["hx-trigger"])["toast"]["message"] == "已上架"
    async with context.db.transaction() as session:
        await session.execute(update(Sku).values(is_active=False))
    refused = await console.htmx(f"/goods/{goods['id']}/shelf", {"on_shelf": "true"})
    assert refused.status_code == 409
    toast = json.loads(refused.headers["hx-trigger"])["toast"]
    assert toast == {"message": "没有可售的规格，不能上架", "kind": "error"}


async def test_deleted_goods_leave_the_list(client: httpx.AsyncClient, context: AppContext) -> None:
    console = await signed_in(client, context)
    goods = await factories.make_goods(context, title="要删除的商品")
    assert "要删除的商品" in (await console.get("/goods")).text
    response = await console.htmx(f"/goods/{goods['id']}/delete")
    assert response.status_code == 200 and response.text == ""
    assert "要删除的商品" not in (await console.get("/goods")).text
    assert (await console.get(f"/goods/{goods['id']}")).status_code == 404


async def test_the_list_filters_and_answers_htmx_with_just_the_results(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    await factories.make_goods(context, title="苹果", stock=3)
    await factories.make_goods(context, title="香蕉", stock=100)
    page = await console.get("/goods", params={"q": "苹"})
    assert "苹果" in page.text and "香蕉" not in page.text and "<html" in page.text
    partial = await client.get(
        "/console/goods", params={"low_stock": "10"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.text
    assert "苹果" in partial.text and "香蕉" not in partial.text
    bad = await console.get("/goods", params={"page": "-3", "category_id": "x"})
    assert bad.status_code == 200  # invalid filters fall back to their defaults


async def test_bulk_stock_sets_only_the_numbers_that_were_changed(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods = await factories.make_goods(context, specs={"重量": ["500g", "1kg"]}, stock=10)
    first, second = goods["sku_ids"]
    page = await console.get("/goods/stock")
    assert f'name="stock.{first}"' in page.text
    async with context.db.transaction() as session:  # an order took 4 of the second meanwhile
        await session.execute(update(Sku).where(Sku.id == second).values(stock=6))
    saved = await console.post(
        "/goods/stock",
        {
            f"stock.{first}": "25",
            f"was.{first}": "10",
            f"stock.{second}": "10",
            f"was.{second}": "10",
        },
    )
    assert saved.status_code == 303
    async with context.db.transaction(write=False) as session:
        stock = dict((await session.execute(select(Sku.id, Sku.stock))).all())
    assert stock == {first: 25, second: 6}
    wrong = await console.post("/goods/stock", {f"stock.{first}": "-1", f"was.{first}": "25"})
    assert wrong.status_code == 422
    assert "请输入 0 到 10000000 之间的整数" in wrong.text


async def test_a_missing_goods_item_is_a_404_page(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console: Console = await signed_in(client, context)
    for path in ("/goods/999999", "/goods/abc", "/nowhere"):
        response = await console.get(path)
        assert response.status_code == 404, path
        assert "error-page" in response.text


async def test_the_largest_matrix_the_catalog_allows_fits_in_one_form(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    category_id = await factories.make_category(context)
    specs = (("重量", [f"{n}kg" for n in range(1, 11)]), ("产地", [f"{n}号" for n in range(20)]))
    response = await console.post("/goods/new", goods_form(category_id, specs=specs))
    assert response.status_code == 303, response.text[:300]
    goods_id = int(response.headers["location"].rsplit("/", 1)[1])
    async with context.db.transaction(write=False) as session:
        assert len((await catalog.get_goods(session, goods_id=goods_id)).skus) == 200
