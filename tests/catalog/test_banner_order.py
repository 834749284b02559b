"""Banners reordered at once (the console's drag): every banner once, the first shows first on
the home page; a wrong list is refused whole; 管理营销 only; one log entry, old → new."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from tests import factories
from tests.admins.test_permissions import _account
from xiaodian.context import AppContext
from xiaodian.models import OperationLog

API = "/api/admin/v1"


async def _banners(client: httpx.AsyncClient, owner: dict[str, str]) -> list[int]:
    ids = []
    for n in range(3):
        made = await client.post(
            f"{API}/banners",
            json={"title": f"图{n}", "image_url": f"/media/images/aa/b{n}-800.webp"},
            headers=owner,
        )
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    return ids


async def test_banners_take_the_order_given_and_the_home_page_shows_it(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    first, second, third = await _banners(client, owner)
    wanted = [third, first, second]
    done = await client.post(f"{API}/banners/order", json={"banner_ids": wanted}, headers=owner)
    assert done.status_code == 200, done.text
    assert [b["id"] for b in done.json()] == wanted
    home = (await client.get("/api/v1/home")).json()
    assert [b["title"] for b in home["banners"]] == ["图2", "图0", "图1"]
    again = await client.post(f"{API}/banners/order", json={"banner_ids": wanted}, headers=owner)
    assert again.status_code == 200
    async with context.db.transaction(write=False) as session:
        entries = list(
            await session.scalars(
                select(OperationLog).where(OperationLog.action == "banner.reorder")
            )
        )
    assert len(entries) == 1  # the same order again changes nothing
    assert {"field": f"banner[{third}].sort_order", "old": 0, "new": 3} in entries[0].changes

    for wrong in ([first, second], [first, second, third, third], [first, second, 999999]):
        refused = await client.post(
            f"{API}/banners/order", json={"banner_ids": wrong}, headers=owner
        )
        assert (refused.status_code, refused.json()["error"]) == (422, "banner_order_invalid")
    kefu = await _account(client, context, "kefu", "service")
    denied = await client.post(f"{API}/banners/order", json={"banner_ids": wanted}, headers=kefu)
    assert (denied.status_code, denied.json()["error"]) == (403, "no_permission")
    listed = (await client.get(f"{API}/banners", headers=owner)).json()
    assert [b["id"] for b in listed] == wanted
