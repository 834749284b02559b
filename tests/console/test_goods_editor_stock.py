"""The goods editor saved while shoppers buy: stock changes only by what the merchant typed."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from tests import factories
from tests.console.helpers import Console, signed_in
from tests.console.test_goods_pages import editor_state
from xiaodian.context import AppContext
from xiaodian.models import Goods, Sku


def editor_post(
    state: dict[str, Any], *, category_id: int, subtitle: str, stock: str | None = None
) -> list[tuple[str, str]]:
    """What the editor's form posts for the rows the page opened with (the Alpine component
    names its inputs this way), with the merchant's edits."""
    fields = [
        ("title", "苹果"),
        ("subtitle", subtitle),
        ("category_id", str(category_id)),
        ("unit", "件"),
        ("sort_order", "0"),
        ("is_on_shelf", "on"),
    ]
    fields += [("images", url) for url in state["images"]]
    for index, spec in enumerate(state["specs"]):
        fields.append((f"specs.{index}.name", spec["name"]))
        fields += [(f"specs.{index}.values", value) for value in spec["values"]]
    for index, row in enumerate(state["skus"]):
        fields += [
            (f"skus.{index}.spec_values", json.dumps(row["spec_values"], ensure_ascii=False)),
            (f"skus.{index}.price", row["price"]),
            (f"skus.{index}.stock_was", row.get("stock_was", "")),
            (f"skus.{index}.stock", stock if stock is not None else row["stock"]),
            (f"skus.{index}.code", row["code"]),
            (f"skus.{index}.is_active", "on"),
        ]
    return fields


async def _buy(
    client: httpx.AsyncClient, context: AppContext, openid: str, sku_id: int, quantity: int
) -> httpx.Response:
    shopper = await factories.shopper(client, context, openid)
    address_id = await factories.address(client, shopper)
    return await client.post(
        "/api/v1/orders",
        headers=shopper,
        json={"items": [{"sku_id": sku_id, "quantity": quantity}], "address_id": address_id},
    )


async def _stock_and_subtitle(context: AppContext, goods_id: int) -> tuple[int | None, str]:
    async with context.db.transaction(write=False) as session:
        stock = await session.scalar(select(Sku.stock).where(Sku.goods_id == goods_id))
        subtitle = await session.scalar(select(Goods.subtitle).where(Goods.id == goods_id))
    return stock, subtitle or ""


async def _open_editor(
    console: Console, context: AppContext
) -> tuple[dict[str, Any], dict[str, Any]]:
    goods = await factories.make_goods(context, title="苹果", stock=10)
    page = await console.get(f"/goods/{goods['id']}")
    assert page.status_code == 200
    return goods, editor_state(page.text)


async def test_a_stale_goods_editor_save_never_restores_sold_stock(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods, state = await _open_editor(console, context)  # the editor shows stock 10
    assert [row["stock"] for row in state["skus"]] == ["10"]
    assert (await _buy(client, context, "first", goods["sku_ids"][0], 4)).status_code == 201
    saved = await console.post(
        f"/goods/{goods['id']}",
        editor_post(state, category_id=goods["category_id"], subtitle="烟台直发"),
    )
    assert saved.status_code == 303, saved.text
    assert await _stock_and_subtitle(context, goods["id"]) == (6, "烟台直发")
    second = await _buy(client, context, "second", goods["sku_ids"][0], 10)
    assert (second.status_code, second.json()["error"]) == (409, "out_of_stock")
    reopened = await console.get(f"/goods/{goods['id']}")
    assert [row["stock"] for row in editor_state(reopened.text)["skus"]] == ["6"]


async def test_stock_typed_in_a_stale_editor_is_applied_as_a_change(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods, state = await _open_editor(console, context)
    await _buy(client, context, "first", goods["sku_ids"][0], 4)
    saved = await console.post(
        f"/goods/{goods['id']}",
        editor_post(state, category_id=goods["category_id"], subtitle="", stock="15"),
    )
    assert saved.status_code == 303
    assert await _stock_and_subtitle(context, goods["id"]) == (11, "")  # 6 left + 5 added
    page = await console.get(f"/goods/{goods['id']}")
    assert "编辑期间有新订单，库存已按你的改动增减" in page.text


async def test_a_stale_editor_cannot_take_away_stock_that_orders_hold(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods, state = await _open_editor(console, context)
    await _buy(client, context, "first", goods["sku_ids"][0], 4)
    refused = await console.post(
        f"/goods/{goods['id']}",
        editor_post(state, category_id=goods["category_id"], subtitle="改了", stock="2"),
    )
    assert refused.status_code == 422
    again = editor_state(refused.text)
    assert again["errors"]["skus.0.stock"].startswith("库存不够减少 8 件")
    assert [row["stock_was"] for row in again["skus"]] == ["10"]  # still what the page showed
    assert await _stock_and_subtitle(context, goods["id"]) == (6, "")
