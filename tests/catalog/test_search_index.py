"""The goods search index (`catalog.search`): Chinese substrings, one character, an English word
in any case, a SKU code; the index follows edits made through the merchant API; and the
search really goes through it (goods missing from the index are not found)."""

from __future__ import annotations

import httpx
from sqlalchemy import delete, func, select

from tests import factories
from xiaodian.catalog.search import keyword_pieces, pieces
from xiaodian.context import AppContext
from xiaodian.models import GoodsSearchTerm


async def _titles(client: httpx.AsyncClient, q: str) -> list[str]:
    answer = await client.get("/api/v1/goods", params={"q": q, "sort": "price"})
    assert answer.status_code == 200, answer.text
    return [item["title"] for item in answer.json()["items"]]


def test_pieces_are_characters_and_neighbour_pairs_casefolded() -> None:
    assert pieces("红富士 Apple") == {"红", "富", "士", "红富", "富士"} | {
        "a",
        "p",
        "l",
        "e",
        "ap",
        "pp",
        "pl",
        "le",
    }
    assert keyword_pieces("苹") == {"苹"}
    assert keyword_pieces("富士苹果") == {"富士", "士苹", "苹果"}
    assert keyword_pieces("APPLE") == {"ap", "pp", "pl", "le"}


async def test_chinese_substrings_one_character_english_words_and_sku_codes_are_found(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await factories.make_goods(context, title="红富士苹果", prices=[990], subtitle="脆甜多汁")
    await factories.make_goods(context, title="新西兰 Apple 苹果", prices=[1290])
    await factories.make_goods(context, title="苹果汁", prices=[590], subtitle="NFC 鲜榨")
    await factories.make_goods(context, title="富士山矿泉水", prices=[290])
    await factories.make_goods(context, title="果汁苹果", prices=[3990])
    coded = await factories.make_goods(context, title="东北大米", prices=[4990])
    admin = await factories.merchant(client, context)
    detail = (await client.get(f"/api/admin/v1/goods/{coded['id']}", headers=admin)).json()
    body = {
        "category_id": detail["category_id"],
        "title": detail["title"],
        "is_on_shelf": True,
        "images": detail["images"],
        "skus": [
            {"price_fen": 4990, "stock": 5, "stock_was": 100, "code": "RICE-5KG-0042"},
        ],
    }
    edited = await client.put(f"/api/admin/v1/goods/{coded['id']}", json=body, headers=admin)
    assert edited.status_code == 200, edited.text

    assert await _titles(client, "苹果") == [
        "苹果汁",
        "红富士苹果",
        "新西兰 Apple 苹果",
        "果汁苹果",
    ]
    # 果汁苹果 holds both pairs of 苹果汁 (苹果, 果汁) but not the substring
    assert await _titles(client, "苹果汁") == ["苹果汁"]
    assert await _titles(client, "富士") == ["富士山矿泉水", "红富士苹果"]
    assert await _titles(client, "富士苹") == ["红富士苹果"]
    assert await _titles(client, "士苹果汁") == []  # every pair is there, the substring is not
    assert await _titles(client, "汁") == ["苹果汁", "红富士苹果", "果汁苹果"]  # and subtitles
    assert await _titles(client, "apple") == ["新西兰 Apple 苹果"]
    assert await _titles(client, "APPLE") == ["新西兰 Apple 苹果"]
    assert await _titles(client, "nfc") == ["苹果汁"]
    assert await _titles(client, "rice-5kg") == ["东北大米"]
    assert await _titles(client, "0042") == ["东北大米"]
    assert await _titles(client, "香蕉") == []


async def test_the_index_follows_title_edits(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, title="海南香蕉", prices=[590])
    admin = await factories.merchant(client, context)
    assert await _titles(client, "香蕉") == ["海南香蕉"]
    patched = await client.patch(
        f"/api/admin/v1/goods/{goods['id']}", json={"title": "泰国山竹"}, headers=admin
    )
    assert patched.status_code == 200, patched.text
    assert await _titles(client, "香蕉") == []
    assert await _titles(client, "山竹") == ["泰国山竹"]


async def test_the_search_goes_through_the_index(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, title="智利车厘子", prices=[5990])
    assert await _titles(client, "车厘子") == ["智利车厘子"]
    async with context.db.transaction() as session:
        held = await session.scalar(
            select(func.count()).where(GoodsSearchTerm.goods_id == goods["id"])
        )
        assert held == len(pieces("智利车厘子"))
        await session.execute(
            delete(GoodsSearchTerm).where(GoodsSearchTerm.goods_id == goods["id"])
        )
    assert await _titles(client, "车厘") == []  # LIKE alone would have found it
