"""Review photos and avatars are only ever our own uploads: another host's picture is refused,
and one stored before that rule is never shown (not in the console, not to shoppers)."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import update

from tests import factories
from tests.console.helpers import signed_in
from tests.orders.test_lifecycle import _paid, _setup
from xiaodian.context import AppContext
from xiaodian.models import Review, User

FOREIGN = [
    "//evil.example/x.png",
    "https://evil.example/pixel.png",
    "http://testserver.evil.example/media/x.webp",
    "http://testserver//evil.example/x.png",
    "http://other.example/media/images/ab/abc-800.webp",
    "/media/../data/xiaodian.db",
    "/media//evil.example/x.png",
    "/static/logo.png",
]


async def _completed_order(
    client: httpx.AsyncClient, context: AppContext
) -> tuple[dict[str, Any], dict[str, str], int]:
    """(goods, shopper headers, the line to review) of an order received by the shopper."""
    goods, headers, order = await _setup(client, context)
    admin = await factories.merchant(client, context)
    await _paid(context, order["id"])
    await client.post(
        f"/api/admin/v1/orders/{order['id']}/ship",
        headers=admin,
        json={"carrier": "顺丰", "tracking_no": "SF0001"},
    )
    done = (await client.post(f"/api/v1/orders/{order['id']}/confirm", headers=headers)).json()
    return goods, headers, int(done["lines"][0]["id"])


async def _upload(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 80, 80)).save(buffer, "PNG")
    response = await client.post(
        "/api/v1/media/images",
        headers=headers,
        files={"file": ("photo.png", buffer.getvalue(), "image/png")},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["url"])


async def _review(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    order_id: int,
    line_id: int,
    images: list[str],
) -> httpx.Response:
    return await client.post(
        f"/api/v1/orders/{order_id}/reviews",
        headers=headers,
        json={"reviews": [{"line_id": line_id, "score": 5, "content": "好吃", "images": images}]},
    )


async def _order_id(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return int((await client.get("/api/v1/orders", headers=headers)).json()["items"][0]["id"])


@pytest.mark.parametrize("url", FOREIGN)
async def test_review_photos_from_anywhere_but_our_uploads_are_refused(
    client: httpx.AsyncClient, context: AppContext, url: str
) -> None:
    goods, headers, line_id = await _completed_order(client, context)
    order_id = await _order_id(client, headers)
    own = await _upload(client, headers)
    refused = await _review(client, headers, order_id, line_id, [own, url])
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "foreign_image_url"
    assert refused.json()["details"] == {"field": "reviews.0.images.1"}
    accepted = await _review(client, headers, order_id, line_id, [own, "/media/images/ab/c.webp"])
    assert accepted.status_code == 201, accepted.text
    shown = (await client.get(f"/api/v1/goods/{goods['id']}/reviews")).json()["items"][0]
    assert shown["images"] == [own, "http://testserver/media/images/ab/c.webp"]


@pytest.mark.parametrize("url", FOREIGN)
async def test_avatars_from_anywhere_but_our_uploads_are_refused(
    client: httpx.AsyncClient, context: AppContext, url: str
) -> None:
    headers = await factories.shopper(client, context)
    refused = await client.patch("/api/v1/me", json={"avatar_url": url}, headers=headers)
    assert (refused.status_code, refused.json()["error"]) == (422, "foreign_image_url")
    assert (await client.get("/api/v1/me", headers=headers)).json()["avatar_url"] == ""
    own = await _upload(client, headers)
    saved = await client.patch("/api/v1/me", json={"avatar_url": own}, headers=headers)
    assert saved.json()["avatar_url"] == own
    cleared = await client.patch("/api/v1/me", json={"avatar_url": ""}, headers=headers)
    assert cleared.json()["avatar_url"] == ""


async def test_foreign_pictures_stored_before_the_rule_are_never_shown(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods, headers, line_id = await _completed_order(client, context)
    own = await _upload(client, headers)
    written = await _review(client, headers, await _order_id(client, headers), line_id, [own])
    assert written.status_code == 201
    async with context.db.transaction() as session:  # what an older version let in
        await session.execute(
            update(Review).values(images=["//evil.example/x.png", own, "https://evil.example/y"])
        )
        await session.execute(update(User).values(avatar_url="//evil.example/avatar.png"))

    shown = (await client.get(f"/api/v1/goods/{goods['id']}/reviews")).json()["items"][0]
    assert (shown["images"], shown["user"]["avatar_url"]) == ([own], "")
    detail = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert "evil.example" not in str(detail)
    assert (await client.get("/api/v1/me", headers=headers)).json()["avatar_url"] == ""
    console = await signed_in(client, context, username="boss")
    page = await console.get("/reviews")
    assert page.status_code == 200 and "好吃" in page.text
    assert "evil.example" not in page.text
    assert own.removeprefix("http://testserver").replace("-800.webp", "-240.webp") in page.text
