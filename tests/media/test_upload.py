from __future__ import annotations

import io
from datetime import UTC, datetime

import httpx
from PIL import Image

from tests import factories
from xiaodian.context import AppContext
from xiaodian.core import clock


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 60)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_uploads_are_reencoded_to_webp_in_sizes_and_served_cacheable(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    response = await client.post(
        "/api/admin/v1/media/images",
        headers=admin,
        files={"file": ("photo.png", _png(1600, 1200), "image/png")},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body["sizes"]) == {"1080", "800", "480", "240"}
    served = await client.get(body["sizes"]["480"].removeprefix("http://testserver"))
    assert served.status_code == 200
    assert "immutable" in served.headers["cache-control"]
    image = Image.open(io.BytesIO(served.content))
    assert (image.format, image.size) == ("WEBP", (480, 360))


async def test_files_that_are_not_images_are_refused(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    for content in (b"", b"GIF89a-not-really", b"<svg xmlns='http://www.w3.org/2000/svg'/>"):
        response = await client.post(
            "/api/admin/v1/media/images",
            headers=admin,
            files={"file": ("x.png", content, "image/png")},
        )
        assert (response.status_code, response.json()["error"]) == (422, "invalid_image")


async def test_huge_uploads_are_refused(client: httpx.AsyncClient, context: AppContext) -> None:
    admin = await factories.merchant(client, context)
    response = await client.post(
        "/api/admin/v1/media/images",
        headers=admin,
        files={"file": ("big.png", b"\0" * (10 * 1024 * 1024 + 1), "image/png")},
    )
    assert (response.status_code, response.json()["error"]) == (413, "image_too_large")


async def test_only_merchants_upload(client: httpx.AsyncClient, context: AppContext) -> None:
    shopper = await factories.shopper(client, context)
    response = await client.post(
        "/api/admin/v1/media/images",
        headers=shopper,
        files={"file": ("x.png", _png(10, 10), "image/png")},
    )
    assert response.status_code == 401


async def test_shoppers_upload_review_photos_and_use_them_as_avatars(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    response = await client.post(
        "/api/v1/media/images",
        headers=headers,
        files={"file": ("me.png", _png(300, 300), "image/png")},
    )
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    saved = await client.patch("/api/v1/me", json={"avatar_url": url}, headers=headers)
    assert saved.json()["avatar_url"] == url
    anonymous = await client.post(
        "/api/v1/media/images", files={"file": ("me.png", _png(10, 10), "image/png")}
    )
    assert anonymous.status_code == 401


async def test_shopper_uploads_are_rate_limited(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    from xiaodian.media import api

    headers = await factories.shopper(client, context)
    image = _png(20, 20)
    clock.freeze(datetime(2026, 6, 1, 10, 0, 20, tzinfo=UTC))
    statuses = [
        (
            await client.post(
                "/api/v1/media/images",
                headers=headers,
                files={"file": ("x.png", image, "image/png")},
            )
        ).status_code
        for _ in range(api.UPLOADS_PER_HOUR + 1)
    ]
    assert statuses[:-1] == [201] * api.UPLOADS_PER_HOUR
    assert statuses[-1] == 429
    refused = await client.post(
        "/api/v1/media/images", headers=headers, files={"file": ("x.png", image, "image/png")}
    )
    assert refused.json()["error"] == "rate_limited"
    assert refused.headers["Retry-After"] == "3580"  # what is left of the hour, not "1"
