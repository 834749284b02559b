"""The rich goods description: ordered text and image blocks entered by the merchant, checked by
the API, recorded in the operation log, and returned to shoppers (the plain description as one
text block when a goods item has none)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from tests import factories
from tests.catalog.test_admin_catalog import goods_body
from xiaodian.context import AppContext
from xiaodian.models import OperationLog

IMAGE = "/media/images/bb/b-800.webp"
BLOCKS: list[dict[str, Any]] = [
    {"type": "text", "text": "  产地直发，当天采摘。 "},
    {"type": "image", "url": IMAGE, "width": 800, "height": 600},
    {"type": "text", "text": "冷藏可保存 7 天。"},
]


async def _created(
    client: httpx.AsyncClient, context: AppContext, **changes: Any
) -> tuple[dict[str, str], dict[str, Any]]:
    admin = await factories.merchant(client, context)
    category_id = await factories.make_category(context)
    response = await client.post(
        "/api/admin/v1/goods", json=goods_body(category_id, **changes), headers=admin
    )
    assert response.status_code == 201, response.text
    return admin, response.json()


async def test_blocks_round_trip_to_the_merchant_and_the_shopper_in_order(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _, goods = await _created(client, context, description_blocks=BLOCKS)
    kept = goods["description_blocks"]
    assert [block["type"] for block in kept] == ["text", "image", "text"]
    assert kept[0]["text"] == "产地直发，当天采摘。"  # trimmed
    assert kept[1]["url"].endswith(IMAGE) and (kept[1]["width"], kept[1]["height"]) == (800, 600)
    # the plain description follows the blocks' text, for search and older clients
    assert goods["description"] == "产地直发，当天采摘。\n\n冷藏可保存 7 天。"

    shown = (await client.get(f"/api/v1/goods/{goods['id']}")).json()["description_blocks"]
    assert shown[0] == {"type": "text", "text": "产地直发，当天采摘。"}
    assert shown[1]["type"] == "image" and shown[1]["url"].startswith("http")
    assert shown[1]["url"].endswith("/media/images/bb/b-800.webp")
    assert shown[2] == {"type": "text", "text": "冷藏可保存 7 天。"}


async def test_a_goods_item_without_blocks_shows_its_plain_description_as_one_text_block(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _, goods = await _created(client, context, description="老顾客都说甜")
    assert goods["description_blocks"] == []
    shown = (await client.get(f"/api/v1/goods/{goods['id']}")).json()
    assert shown["description"] == "老顾客都说甜"
    assert shown["description_blocks"] == [{"type": "text", "text": "老顾客都说甜"}]


async def test_a_put_without_blocks_keeps_them_and_an_empty_list_clears_them(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, goods = await _created(client, context, description_blocks=BLOCKS)
    category_id = goods["category_id"]
    kept = await client.put(
        f"/api/admin/v1/goods/{goods['id']}", json=goods_body(category_id), headers=admin
    )
    assert kept.status_code == 200, kept.text
    assert len(kept.json()["description_blocks"]) == 3
    cleared = await client.patch(
        f"/api/admin/v1/goods/{goods['id']}",
        json={"description_blocks": [], "description": "简介"},
        headers=admin,
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["description_blocks"] == []
    shown = (await client.get(f"/api/v1/goods/{goods['id']}")).json()["description_blocks"]
    assert shown == [{"type": "text", "text": "简介"}]


async def test_wrong_blocks_are_refused_with_a_stable_code_naming_the_block(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, goods = await _created(client, context)
    url = f"/api/admin/v1/goods/{goods['id']}"
    cases: list[tuple[list[Any], str, str, str]] = [
        (
            [{"type": "video", "url": IMAGE}],
            "invalid_description_block",
            "description_blocks.0.type",
            "类型有误",
        ),
        (
            [{"type": "text", "text": "好"}, {"type": "text", "text": "   "}],
            "invalid_description_block",
            "description_blocks.1.text",
            "第 2 段文字是空的",
        ),
        (
            [{"type": "text", "text": "长" * 2001}],
            "invalid_description_block",
            "description_blocks.0.text",
            "超过 2000 字",
        ),
        (
            [{"type": "image", "url": "https://evil.example/pixel.gif"}],
            "foreign_image_url",
            "description_blocks.0.url",
            "",
        ),
        (
            [{"type": "image", "url": "//evil.example/media/x.webp"}],
            "foreign_image_url",
            "description_blocks.0.url",
            "",
        ),
        (
            [{"type": "image", "url": IMAGE, "width": -1}],
            "invalid_description_block",
            "description_blocks.0.width",
            "尺寸有误",
        ),
        (["<p>html</p>"], "invalid_description_block", "description_blocks.0", "须是文字或图片"),
        (
            [{"type": "text", "text": "段"}] * 51,
            "too_many_description_blocks",
            "description_blocks",
            "最多 50 段",
        ),
    ]
    for blocks, code, field, words in cases:
        refused = await client.patch(url, json={"description_blocks": blocks}, headers=admin)
        assert refused.status_code == 422, (blocks[:1], refused.text)
        body = refused.json()
        assert (body["error"], body["details"]["field"]) == (code, field), body
        assert words in body["message"]
    exactly_fifty = await client.patch(
        url, json={"description_blocks": [{"type": "text", "text": "段"}] * 50}, headers=admin
    )
    assert exactly_fifty.status_code == 200, exactly_fifty.text
    assert len(exactly_fifty.json()["description_blocks"]) == 50


async def test_changing_blocks_needs_the_goods_permission_and_is_in_the_operation_log(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    admin, goods = await _created(client, context)
    service = await factories.merchant(client, context, username="kefu", role="service")
    url = f"/api/admin/v1/goods/{goods['id']}"
    refused = await client.patch(url, json={"description_blocks": BLOCKS}, headers=service)
    assert refused.status_code == 403
    assert (await client.get(f"/api/v1/goods/{goods['id']}")).json()["description_blocks"] == []

    changed = await client.patch(url, json={"description_blocks": BLOCKS}, headers=admin)
    assert changed.status_code == 200, changed.text
    async with context.db.transaction(write=False) as session:
        entry = (
            await session.scalars(
                select(OperationLog)
                .where(OperationLog.action == "goods.update")
                .order_by(OperationLog.id.desc())
            )
        ).first()
    assert entry is not None and entry.target_id == str(goods["id"])
    fields = {change["field"]: change for change in entry.changes}
    assert fields["description_blocks[0].text"]["old"] is None
    assert fields["description_blocks[0].text"]["new"] == "产地直发，当天采摘。"
    assert fields["description_blocks[1].url"]["new"].endswith(IMAGE)
