"""Categories, banners, reviews and picture uploads in the console over HTTP."""

from __future__ import annotations

import io
import json

import httpx
from PIL import Image
from sqlalchemy import select

from tests import factories
from tests.console.helpers import paid_order, signed_in
from xiaodian.context import AppContext
from xiaodian.models import Banner, Category


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (90, 160, 90)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_categories_have_two_levels_and_only_empty_ones_can_be_deleted(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    blank = await console.post("/categories", {"name": "", "sort_order": "0"})
    assert blank.status_code == 422 and "必填" in blank.text
    assert (
        await console.post("/categories", {"name": "水果", "is_visible": "on"})
    ).status_code == 303
    async with context.db.transaction(write=False) as session:
        fruit_id = await session.scalar(select(Category.id).where(Category.name == "水果"))
    child = await console.post("/categories", {"name": "苹果", "parent_id": str(fruit_id)})
    assert child.status_code == 303
    async with context.db.transaction(write=False) as session:
        apple_id = await session.scalar(select(Category.id).where(Category.name == "苹果"))
    third = await console.post("/categories", {"name": "红富士", "parent_id": str(apple_id)})
    assert third.status_code == 422 and "分类最多两级" in third.text
    page = await console.get("/categories")
    assert 'data-category="苹果"' in page.text and "tree-child" in page.text
    await factories.make_goods(context, category_id=apple_id)
    refused = await console.post(f"/categories/{fruit_id}/delete")
    assert refused.status_code == 303
    assert "分类下还有子分类或商品，不能删除" in (await console.get("/categories")).text
    renamed = await console.post(
        f"/categories/{apple_id}", {"name": "苹果梨", "parent_id": "", "is_visible": ""}
    )
    assert renamed.status_code == 303
    async with context.db.transaction(write=False) as session:
        moved = await session.get(Category, apple_id)
    assert moved is not None and (moved.name, moved.parent_id, moved.is_visible) == (
        "苹果梨",
        None,
        False,
    )


async def test_banners_need_a_picture_and_switch_off_without_a_reload(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    missing = await console.post("/banners/new", {"title": "秋季上新", "link_type": "none"})
    assert missing.status_code == 422 and "请上传一张图片" in missing.text
    backwards = await console.post(
        "/banners/new",
        {
            "title": "秋季上新",
            "image_url": "/media/images/ab/banner-800.webp",
            "link_type": "goods",
            "link_value": "1",
            "starts_at": "2026-10-02T08:00",
            "ends_at": "2026-10-01T08:00",
        },
    )
    assert backwards.status_code == 422 and "结束时间要晚于开始时间" in backwards.text
    created = await console.post(
        "/banners/new",
        {
            "title": "秋季上新",
            "image_url": "/media/images/ab/banner-800.webp",
            "link_type": "goods",
            "link_value": "1",
            "starts_at": "2026-10-01T08:00",
            "is_active": "on",
        },
    )
    assert created.status_code == 303
    async with context.db.transaction(write=False) as session:
        banner = await session.scalar(select(Banner))
    assert banner is not None and banner.is_active
    assert banner.starts_at is not None and banner.starts_at.hour == 0  # 08:00 in Shanghai
    switched = await console.htmx(f"/banners/{banner.id}/active", {"is_active": "false"})
    assert switched.status_code == 200 and "已停用" in switched.text
    assert json.loads(switched.headers["hx-trigger"])["toast"]["message"] == "已停用"
    assert (await client.get("/api/v1/home")).json()["banners"] == []


async def test_reviews_are_replied_to_and_hidden(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    order, shopper = await paid_order(client, context, title="鲜牛奶")
    await console.post(
        f"/orders/{order['id']}/ship", {"carrier": "门店配送", "tracking_no": "MD0001"}
    )
    done = (await client.post(f"/api/v1/orders/{order['id']}/confirm", headers=shopper)).json()
    await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        headers=shopper,
        json={"reviews": [{"line_id": done["lines"][0]["id"], "score": 2, "content": "有点酸"}]},
    )
    page = await console.get("/reviews", params={"unreplied": "true"})
    assert "有点酸" in page.text
    review_id = int(page.text.split('data-review="')[1].split('"')[0])
    too_long = await console.htmx(f"/reviews/{review_id}/reply", {"reply": "好" * 2001})
    assert too_long.status_code == 422
    assert too_long.headers["hx-retarget"] == f"#reply-error-{review_id}"
    assert too_long.text == "最多 2000 个字"
    replied = await console.htmx(f"/reviews/{review_id}/reply", {"reply": "抱歉，已为您补发"})
    assert replied.status_code == 200 and "商家回复：" in replied.text
    hidden = await console.htmx(f"/reviews/{review_id}/visibility", {"is_hidden": "true"})
    assert "恢复显示" in hidden.text
    goods_id = done["lines"][0]["goods_id"]
    assert (await client.get(f"/api/v1/goods/{goods_id}/reviews")).json()["total"] == 0
    assert "有点酸" not in (await console.get("/reviews", params={"hidden": "false"})).text


async def test_uploads_need_the_csrf_header_and_answer_with_site_paths(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    files = {"file": ("photo.png", _png(), "image/png")}
    refused = await client.post("/console/media/images", files=files)
    assert refused.status_code == 403
    stored = await client.post(
        "/console/media/images", files=files, headers={"X-CSRF-Token": console.token}
    )
    assert stored.status_code == 201
    body = stored.json()
    assert body["url"].startswith("/media/images/") and body["url"].endswith("-800.webp")
    assert body["thumb"].endswith("-240.webp")
    assert (await client.get(body["thumb"])).headers["content-type"] == "image/webp"
    junk = await client.post(
        "/console/media/images",
        files={"file": ("x.png", b"not a picture", "image/png")},
        headers={"X-CSRF-Token": console.token},
    )
    assert junk.status_code == 422 and junk.json()["error"] == "invalid_image"
