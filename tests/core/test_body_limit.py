"""Request bodies have a ceiling (64 KB; uploads, the goods editor and a few others more),
refused with 413 before the rest is read: a declared Content-Length at once, a chunked body
at the first chunk past the limit. (Over a real socket: tests/live/test_serve_hardening.py.)"""

from __future__ import annotations

import io
import json
import os
from collections.abc import AsyncIterator

import httpx
from PIL import Image

from tests import factories
from tests.console.helpers import signed_in
from xiaodian.context import AppContext

CHUNK = 16 * 1024
FIFTEEN_MB = 15 * 1024 * 1024


class Sender:
    """A request body that counts how much of itself was ever read."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.chunks_read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.total // CHUNK):
            self.chunks_read += 1
            yield b'{"code": "' + b"x" * (CHUNK - 11) + b'"'


def _refused_for_size(response: httpx.Response, limit: str) -> None:
    assert response.status_code == 413, response.text
    assert response.json() == {
        "error": "payload_too_large",
        "message": f"请求内容太大，不能超过 {limit}",
    }
    assert response.headers["connection"] == "close"


async def test_a_declared_15_mb_json_body_is_refused_413_without_reading_any_of_it(
    client: httpx.AsyncClient,
) -> None:
    body = Sender(FIFTEEN_MB)
    response = await client.post(
        "/api/v1/auth/wx-login",
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": str(FIFTEEN_MB)},
    )
    _refused_for_size(response, "64 KB")
    assert body.chunks_read == 0


async def test_a_chunked_body_is_refused_413_at_the_first_chunk_past_64_kb(
    client: httpx.AsyncClient,
) -> None:
    body = Sender(FIFTEEN_MB)
    response = await client.post(
        "/api/v1/auth/wx-login", content=body, headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers  # sent chunked
    _refused_for_size(response, "64 KB")
    assert body.chunks_read == 64 * 1024 // CHUNK + 1


async def test_a_form_post_to_the_console_past_its_limit_gets_a_413_page(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    response = await console.post("/categories", {"name": "水果", "padding": "x" * 70_000})
    assert response.status_code == 413
    assert "请求内容太大，不能超过 64 KB" in response.text


async def test_uploads_and_the_goods_editor_keep_their_larger_limits(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin = await factories.merchant(client, context)
    picture = io.BytesIO()
    Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3)).save(picture, "PNG")
    assert picture.tell() > 200 * 1024
    uploaded = await client.post(
        "/api/admin/v1/media/images",
        headers=admin,
        files={"file": ("noise.png", picture.getvalue(), "image/png")},
    )
    assert uploaded.status_code == 201, uploaded.text
    huge = await client.post(
        "/api/admin/v1/media/images",
        headers={
            **admin,
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(FIFTEEN_MB),
        },
        content=Sender(FIFTEEN_MB),
    )
    _refused_for_size(huge, "11 MB")

    category_id = await factories.make_category(context)
    # 20,000 characters (60 KB stored): 120 KB as escaped JSON, 180 KB form-encoded
    description = "新鲜采摘，产地直发。" * 2000
    goods = {
        "category_id": category_id,
        "title": "长描述商品",
        "description": description,
        "skus": [{"price_fen": 990, "stock": 5}],
    }
    assert len(json.dumps(goods)) > 64 * 1024
    created = await client.post(
        "/api/admin/v1/goods",
        headers={**admin, "Content-Type": "application/json"},
        content=json.dumps(goods),
    )
    assert created.status_code == 201, created.text
    console = await signed_in(client, context, username="editor")
    form = {
        "title": "长描述商品",
        "category_id": str(category_id),
        "unit": "件",
        "sort_order": "0",
        "description": description,
        "skus.0.spec_values": "[]",
        "skus.0.price": "9.90",
        "skus.0.stock": "5",
        "skus.0.is_active": "on",
    }
    saved = await console.post("/goods/new", form)
    assert saved.status_code == 303, saved.text
