"""Goods CSV import over HTTP: the export's file, edited, previewed with old → new and applied;
new goods; bad lines refused with their line numbers and nothing applied; the same file twice;
prices in yuan to the fen; the 划线价 rule; permissions and the log."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from sqlalchemy import func, select

from tests import factories
from tests.admins.test_permissions import _account
from tests.catalog.test_admin_catalog import goods_body
from xiaodian.context import AppContext
from xiaodian.models import Goods, OperationLog

API = "/api/admin/v1"


async def _shop(client: httpx.AsyncClient, context: AppContext) -> tuple[dict[str, str], Any]:
    owner = await factories.merchant(client, context)
    category = (await client.post(f"{API}/categories", json={"name": "水果"}, headers=owner)).json()
    await client.post(f"{API}/categories", json={"name": "蔬菜"}, headers=owner)
    goods = await client.post(
        f"{API}/goods", json=goods_body(category["id"], market_price_fen=6000), headers=owner
    )
    assert goods.status_code == 201, goods.text
    return owner, goods.json()


async def _exported(client: httpx.AsyncClient, owner: dict[str, str]) -> list[list[str]]:
    response = await client.get(f"{API}/goods/export.csv", headers=owner)
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))


def _file(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + out.getvalue()


async def _send(
    client: httpx.AsyncClient, headers: dict[str, str], text: str, *, apply: bool
) -> httpx.Response:
    return await client.post(
        f"{API}/goods/import", json={"csv": text, "apply": apply}, headers=headers
    )


async def _log_count(context: AppContext) -> int:
    async with context.db.transaction(write=False) as session:
        return int(
            await session.scalar(
                select(func.count(OperationLog.id)).where(OperationLog.action == "goods.import")
            )
            or 0
        )


async def test_an_edited_export_is_previewed_then_applied_and_applying_again_changes_nothing(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner, goods = await _shop(client, context)
    rows = await _exported(client, owner)
    header, lines = rows[0], rows[1:]
    by_sku = {int(row[4]): row for row in lines}
    first = goods["skus"][0]
    by_sku[first["id"]][6] = "23.8"  # 25.80 → 23.80
    by_sku[first["id"]][8] = "42"
    by_sku[first["id"]][5] = "GRAPE-500-YN"
    for row in lines:
        row[1] = "阳光玫瑰葡萄"
        row[7] = "59.90"
    new_goods = [
        ["", "小番茄", "蔬菜", "红 / 500g", "", "TOM-R", "9.90", "0", "20", "", "是", "是"],
        ["", "小番茄", "蔬菜", "黄/500g", "", "", "10.50", "0", "15", "", "是", "是"],
    ]
    text = _file([header, *lines, *new_goods])

    preview = await _send(client, owner, text, apply=False)
    assert preview.status_code == 200, preview.text
    answered = {line["line"]: line for line in preview.json()}
    line_of_first = 2 + lines.index(by_sku[first["id"]])
    assert answered[line_of_first]["action"] == "update"
    assert "价格 25.80 → 23.80" in answered[line_of_first]["changes"]
    assert "库存 10 → 42" in answered[line_of_first]["changes"]
    assert "SKU 编码 （空） → GRAPE-500-YN" in answered[line_of_first]["changes"]
    assert "商品名称 阳光玫瑰 → 阳光玫瑰葡萄" in answered[2]["changes"]
    assert "划线价 60.00 → 59.90" in answered[2]["changes"]
    assert [answered[n]["action"] for n in (6, 7)] == ["create", "create"]
    assert answered[7]["spec"] == "黄 / 500g"
    assert all(line["error"] == "" for line in preview.json())
    unchanged = (await client.get(f"{API}/goods/{goods['id']}", headers=owner)).json()
    assert unchanged["title"] == "阳光玫瑰" and await _log_count(context) == 0

    applied = await _send(client, owner, text, apply=True)
    assert applied.status_code == 200, applied.text
    after = (await client.get(f"{API}/goods/{goods['id']}", headers=owner)).json()
    assert (after["title"], after["market_price_fen"]) == ("阳光玫瑰葡萄", 5990)
    sku = next(s for s in after["skus"] if s["id"] == first["id"])
    assert (sku["price_fen"], sku["stock"], sku["code"]) == (2380, 42, "GRAPE-500-YN")
    assert [s["price_fen"] for s in after["skus"][1:]] == [2680, 4980, 5180]
    assert after["images"] == goods["images"] and after["subtitle"] == "无籽"
    listed = (await client.get(f"{API}/goods", params={"q": "小番茄"}, headers=owner)).json()
    [tomato] = listed["items"]
    assert [(s["spec_values"], s["price_fen"], s["stock"]) for s in tomato["skus"]] == [
        (["红", "500g"], 990, 20),
        (["黄", "500g"], 1050, 15),
    ]
    assert tomato["is_on_shelf"] is True and tomato["category_name"] == "蔬菜"
    async with context.db.transaction(write=False) as session:
        entries = list(
            await session.scalars(
                select(OperationLog)
                .where(OperationLog.action == "goods.import")
                .order_by(OperationLog.id)
            )
        )
    assert [(e.action, e.target_id) for e in entries] == [
        ("goods.import", str(goods["id"])),
        ("goods.import", str(tomato["id"])),
    ]
    changes = entries[0].changes
    assert {"field": f"skus[{first['id']}].price_fen", "old": 2580, "new": 2380} in changes
    assert {"field": "title", "old": "阳光玫瑰", "new": "阳光玫瑰葡萄"} in changes
    assert entries[1].summary == "CSV 导入新建：小番茄"

    again = await _send(client, owner, text, apply=True)
    assert again.status_code == 200, again.text
    assert {line["action"] for line in again.json()} == {"same"}
    assert await _log_count(context) == 2
    async with context.db.transaction(write=False) as session:
        assert await session.scalar(select(func.count(Goods.id))) == 2


async def test_a_file_with_bad_lines_is_refused_whole_with_each_line_number(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner, goods = await _shop(client, context)
    rows = await _exported(client, owner)
    header, lines = rows[0], rows[1:]
    lines[0][6] = "19.999"  # three decimals
    lines[1][6] = "-1.00"
    lines[2][8] = "很多"
    good_change = [*lines[3]]
    good_change[6] = "30.00"
    bad = [
        ["", "新品", "没有的分类", "", "", "", "5.00", "0", "1", "", "是", "否"],
        ["", "贵的", "蔬菜", "", "", "", "50.00", "40.00", "1", "", "是", "否"],
        [
            str(goods["id"]),
            "阳光玫瑰",
            "水果",
            "2kg / 云南",
            "",
            "",
            "9.00",
            "60.00",
            "1",
            "",
            "是",
            "是",
        ],
        ["999999", "不存在", "水果", "", "", "", "1.00", "0", "1", "", "是", "否"],
        [lines[3][0], *lines[3][1:4], lines[3][4], "", "30.00", "60.00", "1", "", "是", "是"],
    ]
    text = _file([header, *lines[:3], good_change, *bad])
    preview = await _send(client, owner, text, apply=False)
    assert preview.status_code == 200
    errors = {line["line"]: line["error"] for line in preview.json() if line["error"]}
    assert set(errors) == {2, 3, 4, 6, 7, 8, 9, 10}, errors
    assert "最多两位小数" in errors[2]
    assert "不能为负数" in errors[3]
    assert "库存「很多」" in errors[4]
    assert "分类「没有的分类」不存在" in errors[6]
    assert "划线价" in errors[7] and "低于售价" in errors[7]
    assert "没有规格「2kg / 云南」" in errors[8]
    assert "商品 999999 不存在" in errors[9]
    assert "同一个规格" in errors[10]

    refused = await _send(client, owner, text, apply=True)
    assert (refused.status_code, refused.json()["error"]) == (422, "goods_import_invalid")
    assert [d["line"] for d in refused.json()["details"]["lines"]] == [2, 3, 4, 6, 7, 8, 9, 10]
    after = (await client.get(f"{API}/goods/{goods['id']}", headers=owner)).json()
    assert [s["price_fen"] for s in after["skus"]] == [s["price_fen"] for s in goods["skus"]]
    assert await _log_count(context) == 0
    async with context.db.transaction(write=False) as session:
        assert await session.scalar(select(func.count(Goods.id))) == 1

    no_header = await _send(client, owner, "1,阳光玫瑰,水果\n", apply=False)
    assert (no_header.status_code, no_header.json()["error"]) == (422, "goods_import_invalid")
    assert "表头" in no_header.json()["message"]


async def test_prices_and_stock_in_the_file_need_prices_and_stock(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner, goods = await _shop(client, context)
    rows = await _exported(client, owner)
    editor = await _account(client, context, "editor", "custom", ["goods"])
    renamed = [rows[0]] + [[row[0], "阳光玫瑰（新）", *row[2:]] for row in rows[1:]]
    done = await _send(client, editor, _file(renamed), apply=True)
    assert done.status_code == 200, done.text
    dearer = [rows[0]] + [[*row[:6], "99.00", "0", *row[8:]] for row in rows[1:]]
    refused = await _send(client, editor, _file(dearer), apply=True)
    assert (refused.status_code, refused.json()["error"]) == (403, "no_permission")
    kefu = await _account(client, context, "kefu", "service")
    denied = await _send(client, kefu, _file(renamed), apply=False)
    assert (denied.status_code, denied.json()["error"]) == (403, "no_permission")
    after = (await client.get(f"{API}/goods/{goods['id']}", headers=owner)).json()
    assert after["title"] == "阳光玫瑰（新）"
    assert [s["price_fen"] for s in after["skus"]] == [s["price_fen"] for s in goods["skus"]]
    async with context.db.transaction(write=False) as session:
        logged = list(
            await session.scalars(select(OperationLog).where(OperationLog.admin_name != "owner"))
        )
    assert [(e.action, e.admin_name) for e in logged] == [("goods.import", "editor")]
