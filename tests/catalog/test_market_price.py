"""A 划线价 (market price) is 0 or at least the highest price the goods sells for: a shopper
must never see an "original" price lower than the price."""

from __future__ import annotations

import httpx

from tests import factories
from tests.catalog.test_admin_catalog import goods_body
from tests.console.helpers import signed_in
from tests.console.test_goods_pages import editor_state, goods_form
from xiaodian.context import AppContext


async def test_a_market_price_below_the_highest_sku_price_is_refused_by_the_api(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    category_id = await factories.make_category(context)
    # 5180 is the dearest SKU: 4999 would show ¥49.99 struck through beside ¥51.80.
    refused = await client.post(
        "/api/admin/v1/goods", json=goods_body(category_id, market_price_fen=4999), headers=admin
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "market_price_too_low"
    assert "¥51.80" in refused.json()["message"]
    for market_price_fen in (0, 5180, 6900):
        created = await client.post(
            "/api/admin/v1/goods",
            json=goods_body(category_id, market_price_fen=market_price_fen),
            headers=admin,
        )
        assert created.status_code == 201, created.text
    goods = created.json()

    lowered = await client.patch(
        f"/api/admin/v1/goods/{goods['id']}", json={"market_price_fen": 3000}, headers=admin
    )
    assert (lowered.status_code, lowered.json()["error"]) == (422, "market_price_too_low")
    dearest = max(goods["skus"], key=lambda sku: sku["price_fen"])
    raised = await client.patch(
        f"/api/admin/v1/skus/{dearest['id']}", json={"price_fen": 7000}, headers=admin
    )
    assert (raised.status_code, raised.json()["error"]) == (422, "market_price_too_low")
    detail = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=admin)).json()
    assert detail["market_price_fen"] == 6900
    assert max(sku["price_fen"] for sku in detail["skus"]) == 5180  # nothing was changed


async def test_the_goods_editor_shows_a_low_market_price_next_to_its_field(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    category_id = await factories.make_category(context)
    form = [
        (name, "49.90" if name == "market_price" else value)
        for name, value in goods_form(category_id, prices=["59.90", "59.90", "69", "39"])
    ]
    response = await console.post("/goods/new", form)
    assert response.status_code == 422
    errors = editor_state(response.text)["errors"]
    assert "低于售价 ¥69.00" in errors["market_price"]
