from __future__ import annotations

import httpx

from tests import factories
from xiaodian.context import AppContext


async def test_favorites_are_idempotent_and_show_on_the_goods_page(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, title="草莓")
    headers = await factories.shopper(client, context)
    for _ in range(2):
        response = await client.post(
            "/api/v1/me/favorites", json={"goods_id": goods["id"]}, headers=headers
        )
        assert response.status_code == 201
    page = (await client.get("/api/v1/me/favorites", headers=headers)).json()
    assert page["total"] == 1
    assert page["items"][0]["goods"]["title"] == "草莓"
    detail = await client.get(f"/api/v1/goods/{goods['id']}", headers=headers)
    assert detail.json()["is_favorite"] is True
    anonymous = await client.get(f"/api/v1/goods/{goods['id']}")
    assert anonymous.json()["is_favorite"] is False
    await client.delete(f"/api/v1/me/favorites/{goods['id']}", headers=headers)
    assert (await client.get("/api/v1/me/favorites", headers=headers)).json()["total"] == 0


async def test_favoriting_unknown_goods_is_404(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    response = await client.post("/api/v1/me/favorites", json={"goods_id": 999999}, headers=headers)
    assert response.status_code == 404


async def test_viewing_goods_leaves_footprints_newest_first(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    first = await factories.make_goods(context, title="苹果")
    second = await factories.make_goods(context, title="香蕉")
    headers = await factories.shopper(client, context)
    for goods in (first, second, first):
        assert (
            await client.get(f"/api/v1/goods/{goods['id']}", headers=headers)
        ).status_code == 200
    page = (await client.get("/api/v1/me/footprints", headers=headers)).json()
    assert [item["goods"]["title"] for item in page["items"]] == ["苹果", "香蕉"]
    assert (await client.delete("/api/v1/me/footprints", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/me/footprints", headers=headers)).json()["total"] == 0


async def test_anonymous_views_leave_no_footprints(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context)
    headers = await factories.shopper(client, context)
    await client.get(f"/api/v1/goods/{goods['id']}")
    assert (await client.get("/api/v1/me/footprints", headers=headers)).json()["total"] == 0
