"""A picture and a 划线价 per SKU: the merchant sets them on the goods' SKU lines or with
`PATCH /skus/{id}`; a SKU's 划线价 is 0 (the goods' is shown) or at least that SKU's price;
the shopper's goods detail gives each SKU its picture and the 划线价 to strike through."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from tests import factories
from tests.admins.test_permissions import _account
from tests.catalog.test_admin_catalog import goods_body
from tests.catalog.test_goods_import import _exported, _file, _send
from tests.console.helpers import signed_in
from tests.console.test_goods_pages import editor_state, goods_form
from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.models import Goods, OperationLog
from xiaodian.seed.demo import SKU_PICTURES_GOODS, seed_demo

PICTURE = "/media/images/5a/5a5a-800.webp"


def _body(category_id: int, **changes: Any) -> dict[str, Any]:
    body = goods_body(category_id, market_price_fen=6900)
    body["skus"][0] |= {"market_price_fen": 2980, "image_url": PICTURE}
    body.update(changes)
    return body


async def _created(client: httpx.AsyncClient, context: AppContext) -> tuple[dict[str, str], Any]:
    admin = await factories.merchant(client, context)
    category_id = await factories.make_category(context)
    created = await client.post("/api/admin/v1/goods", json=_body(category_id), headers=admin)
    assert created.status_code == 201, created.text
    return admin, created.json()


async def _last_entry(context: AppContext, action: str) -> OperationLog:
    async with context.db.transaction(write=False) as session:
        entry = (
            await session.scalars(
                select(OperationLog)
                .where(OperationLog.action == action)
                .order_by(OperationLog.id.desc())
            )
        ).first()
    assert entry is not None
    return entry


async def test_a_sku_keeps_its_own_picture_and_market_price_through_create_and_replace(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, goods = await _created(client, context)
    first = goods["skus"][0]
    assert (first["image_url"], first["market_price_fen"]) == (PICTURE, 2980)
    assert [sku["market_price_fen"] for sku in goods["skus"][1:]] == [0, 0, 0]

    body = _body(goods["category_id"])
    body["skus"][1] |= {"market_price_fen": 3280}
    replaced = await client.put(f"/api/admin/v1/goods/{goods['id']}", json=body, headers=admin)
    assert replaced.status_code == 200, replaced.text
    skus = replaced.json()["skus"]
    assert [sku["id"] for sku in skus] == [sku["id"] for sku in goods["skus"]]
    assert [sku["market_price_fen"] for sku in skus] == [2980, 3280, 0, 0]
    entry = await _last_entry(context, "goods.update")
    changes = {change["field"]: change for change in entry.changes}  # SKUs named by their id
    assert changes == {
        f"skus[{skus[1]['id']}].market_price_fen": {
            "field": f"skus[{skus[1]['id']}].market_price_fen",
            "old": 0,
            "new": 3280,
        }
    }


async def test_a_sku_market_price_below_its_price_is_refused_with_the_field_named(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, goods = await _created(client, context)
    body = _body(goods["category_id"])
    body["skus"][2] |= {"market_price_fen": 4900}  # that SKU sells for ¥49.80
    for refused in (
        await client.post("/api/admin/v1/goods", json=body, headers=admin),
        await client.put(f"/api/admin/v1/goods/{goods['id']}", json=body, headers=admin),
    ):
        assert refused.status_code == 422, refused.text
        error = refused.json()
        assert error["error"] == "sku_market_price_too_low"
        assert error["details"]["field"] == "skus.2.market_price"
        assert "¥49.00" in error["message"] and "¥49.80" in error["message"]

    url = f"/api/admin/v1/skus/{goods['skus'][0]['id']}"  # ¥25.80, 划线价 ¥29.80
    lowered = await client.patch(url, json={"market_price_fen": 2000}, headers=admin)
    assert (lowered.status_code, lowered.json()["error"]) == (422, "sku_market_price_too_low")
    assert lowered.json()["details"]["field"] == "market_price_fen"
    raised = await client.patch(url, json={"price_fen": 2990}, headers=admin)
    assert (raised.status_code, raised.json()["error"]) == (422, "sku_market_price_too_low")
    both = await client.patch(url, json={"price_fen": 2990, "market_price_fen": 0}, headers=admin)
    assert both.status_code == 200, both.text
    assert (both.json()["price_fen"], both.json()["market_price_fen"]) == (2990, 0)


async def test_patching_a_sku_picture_and_market_price_needs_permissions_and_is_logged(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, goods = await _created(client, context)
    service = await factories.merchant(client, context, username="kefu", role="service")
    warehouse = await factories.merchant(client, context, username="cang", role="warehouse")
    sku_id = goods["skus"][1]["id"]
    url = f"/api/admin/v1/skus/{sku_id}"
    for headers, body in (
        (service, {"market_price_fen": 3000}),  # 客服: no 改价格和库存
        (warehouse, {"image_url": PICTURE}),  # 仓管: no 管理商品
    ):
        refused = await client.patch(url, json=body, headers=headers)
        assert refused.status_code == 403, refused.text
    priced = await client.patch(url, json={"market_price_fen": 3000}, headers=warehouse)
    assert priced.status_code == 200, priced.text
    pictured = await client.patch(url, json={"image_url": PICTURE}, headers=admin)
    assert pictured.status_code == 200, pictured.text
    assert (pictured.json()["image_url"], pictured.json()["market_price_fen"]) == (PICTURE, 3000)

    entry = await _last_entry(context, "sku.update")
    assert entry.target_id == str(sku_id)
    assert [(c["field"], c["old"], c["new"]) for c in entry.changes] == [("image_url", "", PICTURE)]
    foreign = await client.patch(url, json={"image_url": "javascript:alert(1)"}, headers=admin)
    assert foreign.status_code == 422


async def test_the_shopper_sees_each_sku_picture_and_its_market_price_or_the_goods_one(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, goods = await _created(client, context)
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    skus = {tuple(sku["spec_values"]): sku for sku in detail["skus"]}
    assert skus[("500g", "云南")]["image_url"].endswith(PICTURE)
    assert skus[("500g", "云南")]["market_price_fen"] == 2980
    assert skus[("1kg", "浙江")]["image_url"] == ""
    assert skus[("1kg", "浙江")]["market_price_fen"] == 6900  # the goods' 划线价
    assert detail["market_price_fen"] == 6900


async def test_the_goods_editor_saves_a_sku_picture_and_market_price_and_shows_a_low_one(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    category_id = await factories.make_category(context)
    form = goods_form(category_id, prices=["59.90", "59.90", "69", "39"])
    extra = [("skus.0.image_url", PICTURE), ("skus.0.market_price", "79")]
    response = await console.post("/goods/new", form + extra)
    assert response.status_code == 303, response.text
    page = await console.get(f"/goods/{response.headers['location'].rsplit('/', 1)[1]}")
    first = editor_state(page.text)["skus"][0]
    assert (first["image_url"], first["market_price"]) == (PICTURE, "79.00")

    low = await console.post("/goods/new", [*form, ("skus.2.market_price", "68.5")])
    assert low.status_code == 422
    errors = editor_state(low.text)["errors"]
    assert "低于该规格售价 ¥69.00" in errors["skus.2.market_price"]
    assert editor_state(low.text)["skus"][2]["market_price"] == "68.5"


async def test_a_csv_import_keeps_sku_pictures_and_refuses_a_price_above_a_sku_market_price(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, goods = await _created(client, context)
    rows = await _exported(client, admin)
    header, lines = rows[0], rows[1:]
    first = next(row for row in lines if int(row[4]) == goods["skus"][0]["id"])
    first[6] = "31"  # above its own 划线价 ¥29.80
    refused = await _send(client, admin, _file([header, *lines]), apply=True)
    assert refused.status_code == 422, refused.text
    preview = await _send(client, admin, _file([header, *lines]), apply=False)
    [error] = [line["error"] for line in preview.json() if line["error"]]
    assert "高于该规格的划线价 ¥29.80" in error

    first[6] = "27"
    applied = await _send(client, admin, _file([header, *lines]), apply=True)
    assert applied.status_code == 200, applied.text
    sku = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=admin)).json()["skus"][0]
    assert (sku["price_fen"], sku["market_price_fen"], sku["image_url"]) == (2700, 2980, PICTURE)


async def test_the_demo_apples_have_a_picture_and_a_market_price_per_sku(
    client: httpx.AsyncClient, context: AppContext, settings: Settings
) -> None:
    async with context.db.transaction() as session:
        assert await seed_demo(session, settings=settings, history=False)
        goods_id = await session.scalar(select(Goods.id).where(Goods.title == SKU_PICTURES_GOODS))
    detail = (await client.get(f"/api/v1/goods/{goods_id}")).json()
    skus = [(s["spec_values"], s["price_fen"], s["market_price_fen"]) for s in detail["skus"]]
    assert skus == [(["500g"], 990, 1190), (["1kg"], 1880, 2260), (["2.5kg"], 4280, 5140)]
    pictures = {sku["image_url"] for sku in detail["skus"]}
    assert len(pictures) == 3 and all("/media/images/" in url for url in pictures)
    assert not pictures & set(detail["images"])


async def test_in_the_goods_editor_a_sku_picture_needs_goods_and_its_market_price_prices(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, goods = await _created(client, context)
    editor = await _account(client, context, "editor", "custom", ["goods"])
    url = f"/api/admin/v1/goods/{goods['id']}"
    body = _body(goods["category_id"])
    body["skus"][3] |= {"image_url": PICTURE}
    pictured = await client.put(url, json=body, headers=editor)
    assert pictured.status_code == 200, pictured.text
    assert pictured.json()["skus"][3]["image_url"] == PICTURE

    body["skus"][3] |= {"market_price_fen": 6000}
    refused = await client.put(url, json=body, headers=editor)
    assert refused.status_code == 403, refused.text
    after = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert after["skus"][3]["market_price_fen"] == 6900  # unchanged: still the goods'
