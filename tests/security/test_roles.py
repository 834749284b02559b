"""Marketing (coupons, 满减 promotions, flash sales) needs the role's marketing permission in the
merchant API, with real bodies (downloading a coupon's codes too); and only the owner changes
the delivery settings through the API, as in the console. (The console's side is tested with
h18's permission tests.)"""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from tests import factories
from tests.coupons.helpers import coupon
from xiaodian.context import AppContext
from xiaodian.models import Coupon

COUPON = {
    "name": "满99减10",
    "kind": "threshold",
    "threshold_fen": 9900,
    "discount_fen": 1000,
    "valid_days": 7,
    "total": 100,
    "per_user_limit": 1,
}


async def test_a_role_without_marketing_cannot_create_or_change_coupons_through_the_api(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    made = await coupon(client, owner)
    service = await factories.merchant(client, context, username="kefu", role="service")
    refused = await client.post("/api/admin/v1/coupons", json=COUPON, headers=service)
    assert (refused.status_code, refused.json()["error"]) == (403, "no_permission")
    paused = await client.post(f"/api/admin/v1/coupons/{made['id']}/pause", headers=service)
    assert (paused.status_code, paused.json()["error"]) == (403, "no_permission")
    codes = await client.get(f"/api/admin/v1/coupons/{made['id']}/codes.csv", headers=service)
    assert codes.status_code == 403
    listed = await client.get("/api/admin/v1/coupons", headers=service)
    assert listed.status_code == 200 and [c["id"] for c in listed.json()] == [made["id"]]
    settings = await client.put("/api/admin/v1/delivery/settings", json={}, headers=service)
    assert (settings.status_code, settings.json()["error"]) == (403, "forbidden")
    async with context.db.transaction(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(Coupon)) == 1
        stored = await session.get(Coupon, made["id"])
        assert stored is not None and stored.status == made["status"]
