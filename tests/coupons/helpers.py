"""Steps shared by the coupon tests: coupons and promotions made through the merchant API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from xiaodian.core import clock


async def coupon(client: httpx.AsyncClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "满99减10",
        "kind": "threshold",
        "threshold_fen": 9900,
        "discount_fen": 1000,
        "valid_days": 7,
        "total": 100,
        "per_user_limit": 1,
        **fields,
    }
    response = await client.post("/api/admin/v1/coupons", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def promotion(
    client: httpx.AsyncClient, admin: dict[str, str], **fields: Any
) -> dict[str, Any]:
    now = clock.now()
    body: dict[str, Any] = {
        "name": "满59减5 满99减12",
        "tiers": [
            {"threshold_fen": 5900, "discount_fen": 500},
            {"threshold_fen": 9900, "discount_fen": 1200},
        ],
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        **fields,
    }
    response = await client.post("/api/admin/v1/promotions", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def claim(client: httpx.AsyncClient, headers: dict[str, str], coupon_id: int) -> int:
    response = await client.post(f"/api/v1/coupons/{coupon_id}/claim", headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def items(*lines: tuple[int, int]) -> list[dict[str, int]]:
    return [{"sku_id": sku_id, "quantity": quantity} for sku_id, quantity in lines]


async def preview(
    client: httpx.AsyncClient, headers: dict[str, str], lines: list[dict[str, int]], **extra: Any
) -> httpx.Response:
    return await client.post(
        "/api/v1/orders/preview", headers=headers, json={"items": lines, **extra}
    )


async def order(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    lines: list[dict[str, int]],
    *,
    address_id: int,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        "/api/v1/orders",
        headers=headers,
        json={"items": lines, "address_id": address_id, **extra},
    )


async def my_coupons(client: httpx.AsyncClient, headers: dict[str, str], status: str) -> list[int]:
    response = await client.get("/api/v1/me/coupons", params={"status": status}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]
