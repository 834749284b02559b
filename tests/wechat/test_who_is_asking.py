"""Every WeChat-platform route checks who is asking."""

from __future__ import annotations

import httpx
import pytest

from tests import factories
from xiaodian.context import AppContext

SHOPPER_ROUTES = [
    ("GET", "/api/v1/me/subscriptions"),
    ("POST", "/api/v1/me/subscriptions"),
    ("GET", "/api/v1/share-codes/goods/1"),
    ("GET", "/api/v1/orders/1/tracking"),
]
MERCHANT_ROUTES = [
    ("GET", "/api/admin/v1/wechat/shipping/failed"),
    ("POST", "/api/admin/v1/wechat/shipping/1/retry"),
    ("GET", "/api/admin/v1/wechat/templates"),
    ("PUT", "/api/admin/v1/wechat/templates/paid"),
    ("GET", "/api/admin/v1/orders/1/tracking"),
]


@pytest.mark.parametrize(("method", "path"), SHOPPER_ROUTES + MERCHANT_ROUTES)
async def test_strangers_are_refused(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={"template_id": "T"})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


async def test_shoppers_cannot_use_merchant_routes_nor_staff_owner_ones(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    shopper = await factories.shopper(client, context, "curious")
    for method, path in MERCHANT_ROUTES:
        response = await client.request(method, path, json={"template_id": "T"}, headers=shopper)
        assert response.status_code == 401, path
    staff = await factories.merchant(client, context, username="clerk", role="staff")
    refused = await client.put(
        "/api/admin/v1/wechat/templates/paid", json={"template_id": "T"}, headers=staff
    )
    assert refused.status_code == 403
    assert (await client.get("/api/admin/v1/wechat/templates", headers=staff)).status_code == 200
