"""Staff roles over the merchant API: every write checks its permission, per role, and every
write that succeeds leaves exactly one operation-log entry (who, what changed, from where)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from tests import factories
from tests.catalog.test_admin_catalog import goods_body
from tests.orders.test_lifecycle import _paid, _setup
from xiaodian.admins.schemas import AdminCreate
from xiaodian.admins.service import create_admin
from xiaodian.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from xiaodian.context import AppContext
from xiaodian.models import OperationLog

GONE = 999_999
OWNER = "owner"
P = Permission


@dataclass(frozen=True)
class Write:
    method: str
    path: str
    needs: tuple[Permission, ...] | str
    """The permissions the write needs, or "owner"."""
    body: dict[str, Any] | None = None


BANNER = {"title": "春季上新", "image_url": "/media/images/aa/banner-800.webp"}
COUPON = {
    "name": "满99减10",
    "kind": "threshold",
    "threshold_fen": 9900,
    "discount_fen": 1000,
    "valid_days": 7,
    "total": 100,
    "per_user_limit": 1,
}
PROMOTION = {
    "name": "满99减12",
    "tiers": [{"threshold_fen": 9900, "discount_fen": 1200}],
    "starts_at": "2026-01-01T00:00:00+00:00",
    "ends_at": "2099-01-01T00:00:00+00:00",
}
GROUP_BUY = {
    "goods_id": GONE,
    "group_size": 3,
    "price_percent": 80,
    "fill_minutes": 1,
    "ends_at": "2099-01-01T00:00:00+00:00",
}
FLASH = {
    "title": "限时1元购",
    "starts_at": "2098-01-01T00:00:00+00:00",
    "ends_at": "2098-01-01T01:00:00+00:00",
    "unpaid_minutes": 5,
    "items": [{"sku_id": GONE, "flash_price_fen": 100, "flash_stock": 5, "per_user_limit": 1}],
}
WRITES = [
    Write("POST", "/categories", (P.GOODS,), {"name": "新分类"}),
    Write("PATCH", f"/categories/{GONE}", (P.GOODS,), {"name": "改名"}),
    Write("DELETE", f"/categories/{GONE}", (P.GOODS,)),
    Write("POST", "/goods", (P.GOODS, P.PRICES_STOCK), goods_body(GONE)),
    Write("PUT", f"/goods/{GONE}", (P.GOODS,), goods_body(GONE)),
    Write("PATCH", f"/goods/{GONE}", (P.GOODS,), {"title": "新标题"}),
    Write("PATCH", f"/goods/{GONE}", (P.GOODS, P.PRICES_STOCK), {"market_price_fen": 9900}),
    Write("POST", f"/goods/{GONE}/shelf", (P.GOODS,), {"on_shelf": False}),
    Write("POST", f"/goods/{GONE}/copy", (P.GOODS,)),
    Write("POST", "/goods/import", (P.GOODS,), {"csv": "商品ID\n1", "apply": True}),
    Write("POST", "/goods-shelf", (P.GOODS,), {"goods_ids": [GONE], "on_shelf": False}),
    Write("DELETE", f"/goods/{GONE}", (P.GOODS,)),
    Write("PATCH", f"/skus/{GONE}", (P.PRICES_STOCK,), {"price_fen": 100}),
    Write("PATCH", f"/skus/{GONE}", (P.PRICES_STOCK,), {"stock_delta": 5}),
    Write("PATCH", f"/skus/{GONE}", (P.GOODS,), {"is_active": False}),
    Write("POST", "/skus/stock", (P.PRICES_STOCK,), {"items": [{"sku_id": GONE, "stock": 5}]}),
    # An API key with stock:write may call these too (tests/sync/test_stock_oplog.py).
    Write("PUT", "/stock", (P.PRICES_STOCK,), {"items": [{"sku_id": GONE, "stock": 5}]}),
    Write("POST", "/stock/adjust", (P.PRICES_STOCK,), {"items": [{"sku_id": GONE, "delta": 1}]}),
    Write(
        "POST", "/skus/prices", (P.PRICES_STOCK,), {"items": [{"sku_id": GONE, "price_fen": 100}]}
    ),
    Write("POST", "/banners", (P.MARKETING,), BANNER),
    Write("PATCH", f"/banners/{GONE}", (P.MARKETING,), {"title": "x"}),
    Write("DELETE", f"/banners/{GONE}", (P.MARKETING,)),
    Write("POST", "/banners/order", (P.MARKETING,), {"banner_ids": [GONE]}),
    Write("PUT", "/search/pinned", (P.MARKETING,), {"words": ["西瓜"]}),
    Write(
        "POST", f"/orders/{GONE}/ship", (P.SHIP,), {"carrier": "顺丰速运", "tracking_no": "SF1234"}
    ),
    Write(
        "PATCH",
        f"/orders/{GONE}/shipment",
        (P.SHIP,),
        {"carrier": "顺丰速运", "tracking_no": "SF1234"},
    ),
    Write(
        "POST",
        "/orders/ship-import",
        (P.SHIP,),
        {"csv": "20990101000000000001,顺丰速运,SF1234", "apply": True},
    ),
    Write("POST", f"/wechat/shipping/{GONE}/retry", (P.SHIP,)),
    Write("POST", "/delivery/pickups/00000000/complete", (P.SHIP,)),
    Write("POST", "/delivery/batches", (P.SHIP,), {"date": "2099-01-01", "slot_start": "09:00"}),
    Write("POST", f"/delivery/batches/{GONE}/replan", (P.SHIP,), {}),
    Write("POST", f"/orders/{GONE}/close", (P.SHIP,), {"reason": "缺货"}),
    Write("POST", f"/refunds/{GONE}/approve", (P.REFUNDS,)),
    Write("POST", f"/refunds/{GONE}/reject", (P.REFUNDS,), {"reason": "已发货"}),
    Write("POST", f"/refunds/{GONE}/retry", (P.REFUNDS,)),
    Write(
        "POST", f"/refunds/{GONE}/agree-return", (P.REFUNDS,), {"address": "上海市世纪大道 1 号"}
    ),
    Write("POST", f"/refunds/{GONE}/receive", (P.REFUNDS,), {"restock": True}),
    Write("POST", "/coupons", (P.MARKETING,), COUPON),
    Write("POST", "/promotions", (P.MARKETING,), PROMOTION),
    Write("POST", "/flash-sales", (P.MARKETING,), FLASH),
    Write("PATCH", f"/coupons/{GONE}", (P.MARKETING,), {"name": "改名"}),
    Write("POST", f"/coupons/{GONE}/pause", (P.MARKETING,)),
    Write("POST", f"/coupons/{GONE}/resume", (P.MARKETING,)),
    Write("POST", f"/coupons/{GONE}/end", (P.MARKETING,)),
    Write("POST", f"/coupons/{GONE}/codes", (P.MARKETING,), {"count": 1}),
    Write("PATCH", f"/promotions/{GONE}", (P.MARKETING,), {"name": "改名"}),
    Write("PATCH", f"/flash-sales/{GONE}", (P.MARKETING,), {"title": "改名"}),
    Write("POST", f"/flash-sales/{GONE}/end", (P.MARKETING,)),
    Write("POST", "/group-buys", (P.MARKETING,), GROUP_BUY),
    Write("PATCH", f"/group-buys/{GONE}", (P.MARKETING,), {"group_size": 3}),
    Write("POST", f"/group-buys/{GONE}/end", (P.MARKETING,)),
    Write("POST", f"/reviews/{GONE}/reply", (P.REVIEWS,), {"reply": "谢谢"}),
    Write("POST", f"/reviews/{GONE}/visibility", (P.REVIEWS,), {"is_hidden": True}),
    Write("PATCH", "/shop", OWNER, {"notice": "国庆正常发货"}),
    Write("PATCH", "/payment-credentials", OWNER, {"values": {}}),
    Write("PUT", "/wechat/templates/paid", OWNER, {"template_id": "tmpl-paid-1"}),
    Write("PUT", "/delivery/settings", OWNER, {"radius_m": 2500}),
    Write("POST", "/api-keys", OWNER, {"name": "ERP", "scopes": ["stock:write"]}),
    Write("DELETE", f"/api-keys/{GONE}", OWNER),
    Write(
        "POST", "/webhooks", OWNER, {"url": "https://erp.example/hook", "events": ["order.paid"]}
    ),
    Write("DELETE", f"/webhooks/{GONE}", OWNER),
    Write("POST", f"/webhook-deliveries/{GONE}/resend", OWNER),
    Write("POST", "/admins", OWNER, {"username": "newbie", "password": "password123"}),
    Write("PATCH", f"/admins/{GONE}", OWNER, {"display_name": "x"}),
]
ROLES: list[tuple[str, list[str]]] = [
    ("owner", []),
    ("manager", []),
    ("service", []),
    ("warehouse", []),
    ("staff", []),
    ("custom", ["goods"]),
    ("custom", []),
]


def _allowed(role: str, granted: list[str], write: Write) -> bool:
    if role == OWNER:
        return True
    if write.needs == OWNER:
        return False
    held = {Permission(p) for p in granted} if role == Role.CUSTOM else ROLE_PERMISSIONS[Role(role)]
    return all(p in held for p in write.needs)


async def _account(
    client: httpx.AsyncClient,
    context: AppContext,
    username: str,
    role: str,
    permissions: list[str] | None = None,
) -> dict[str, str]:
    async with context.db.transaction() as session:
        await create_admin(
            session,
            data=AdminCreate.model_validate(
                {
                    "username": username,
                    "password": "password123",
                    "role": role,
                    "permissions": permissions or [],
                }
            ),
        )
    response = await client.post(
        "/api/admin/v1/auth/login", json={"username": username, "password": "password123"}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def _logs(context: AppContext, **where: Any) -> list[OperationLog]:
    async with context.db.transaction(write=False) as session:
        rows = await session.scalars(
            select(OperationLog).filter_by(**where).order_by(OperationLog.id)
        )
        return list(rows)


async def _log_count(context: AppContext) -> int:
    async with context.db.transaction(write=False) as session:
        return int(await session.scalar(select(func.count(OperationLog.id))) or 0)


async def test_every_write_checks_the_role_of_the_account(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """Each role against each write: refused with 403 exactly when the role lacks what the
    write needs (the others get past the check and meet the missing target: 404), and a
    refused write leaves no log entry."""
    seen: list[tuple[str, str, str, int]] = []
    succeeded = 0
    for index, (role, granted) in enumerate(ROLES):
        headers = await _account(client, context, f"user{index}", role, granted)
        for write in WRITES:
            response = await client.request(
                write.method, f"/api/admin/v1{write.path}", json=write.body, headers=headers
            )
            allowed = _allowed(role, granted, write)
            if allowed:
                assert response.status_code != 403, (role, write, response.text)
                succeeded += response.status_code < 300
            else:
                assert response.status_code == 403, (role, write, response.text)
                expected = "forbidden" if write.needs == OWNER else "no_permission"
                assert response.json()["error"] == expected, (role, write)
            seen.append((role, write.method, write.path, response.status_code))
    assert len(seen) == len(ROLES) * len(WRITES)
    assert succeeded >= 4  # POST /categories, /banners, /coupons, /promotions where allowed
    assert await _log_count(context) == succeeded


async def test_uploads_need_goods_or_marketing(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    service = await _account(client, context, "kefu", "service")
    refused = await client.post(
        "/api/admin/v1/media/images",
        files={"file": ("a.png", b"not really", "image/png")},
        headers=service,
    )
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    editor = await _account(client, context, "editor", "custom", ["goods"])
    allowed = await client.post(
        "/api/admin/v1/media/images",
        files={"file": ("a.png", b"not really", "image/png")},
        headers=editor,
    )
    assert allowed.status_code == 422  # past the check; the bytes are no image


async def test_a_goods_editor_without_prices_and_stock_cannot_change_them(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    category = (
        await client.post("/api/admin/v1/categories", json={"name": "水果"}, headers=owner)
    ).json()
    goods = (
        await client.post("/api/admin/v1/goods", json=goods_body(category["id"]), headers=owner)
    ).json()
    editor = await _account(client, context, "editor", "custom", ["goods"])
    kept = [
        {
            "spec_values": sku["spec_values"],
            "price_fen": sku["price_fen"],
            "stock": sku["stock"],
            "stock_was": sku["stock"],
        }
        for sku in goods["skus"]
    ]
    renamed = await client.put(
        f"/api/admin/v1/goods/{goods['id']}",
        json=goods_body(category["id"], title="阳光玫瑰葡萄", skus=kept),
        headers=editor,
    )
    assert renamed.status_code == 200, renamed.text
    dearer = [dict(kept[0], price_fen=kept[0]["price_fen"] + 100), *kept[1:]]
    more = [dict(kept[0], stock=kept[0]["stock"] + 5), *kept[1:]]
    for skus in (dearer, more):
        refused = await client.put(
            f"/api/admin/v1/goods/{goods['id']}",
            json=goods_body(category["id"], skus=skus),
            headers=editor,
        )
        assert (refused.status_code, refused.json()["error"]) == (403, "no_permission")
    after = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=owner)).json()
    assert after["title"] == "阳光玫瑰葡萄"
    assert [s["price_fen"] for s in after["skus"]] == [s["price_fen"] for s in goods["skus"]]
    assert [s["stock"] for s in after["skus"]] == [s["stock"] for s in goods["skus"]]
    entries = await _logs(context, action="goods.update")
    assert len(entries) == 1
    assert {"field": "title", "old": "阳光玫瑰", "new": "阳光玫瑰葡萄"} in entries[0].changes


async def test_custom_roles_are_built_from_permissions(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    created = await client.post(
        "/api/admin/v1/admins",
        json={
            "username": "packer",
            "password": "password123",
            "role": "custom",
            "permissions": ["ship", "prices_stock"],
        },
        headers=owner,
    )
    assert created.status_code == 201, created.text
    assert created.json()["permissions"] == ["prices_stock", "ship"]
    manager = await client.post(
        "/api/admin/v1/admins",
        json={"username": "boss", "password": "password123", "role": "manager"},
        headers=owner,
    )
    assert set(manager.json()["permissions"]) == {p.value for p in Permission}
    changed = await client.patch(
        f"/api/admin/v1/admins/{created.json()['id']}",
        json={"permissions": ["refunds"]},
        headers=owner,
    )
    assert changed.json()["permissions"] == ["refunds"]
    entry = (await _logs(context, action="admin.update"))[-1]
    assert entry.changes == [
        {"field": "permissions", "old": "prices_stock, ship", "new": "refunds"}
    ]
    bad = await client.post(
        "/api/admin/v1/admins",
        json={"username": "x-1", "password": "password123", "role": "custom", "permissions": ["x"]},
        headers=owner,
    )
    assert bad.status_code == 422


async def test_every_write_is_logged_with_who_what_and_from_where(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    manager = await _account(client, context, "manager1", "manager")
    owner = await factories.merchant(client, context)
    api = "/api/admin/v1"
    ua = {"User-Agent": "xiaodian-test/1.0"}

    async def call(method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
        response = await client.request(method, f"{api}{path}", json=body, headers=headers | ua)
        assert response.status_code < 300, (method, path, response.text)
        return response.json() if response.content else None

    category = await call("POST", "/categories", manager, {"name": "水果"})
    await call("PATCH", f"/categories/{category['id']}", manager, {"name": "鲜果"})
    goods = await call("POST", "/goods", manager, goods_body(category["id"]))
    sku = goods["skus"][0]
    await call("PATCH", f"/goods/{goods['id']}", manager, {"market_price_fen": 9900})
    await call("PATCH", f"/skus/{sku['id']}", manager, {"price_fen": 2880})
    await call("POST", "/skus/stock", manager, {"items": [{"sku_id": sku["id"], "stock": 42}]})
    await call("POST", f"/goods/{goods['id']}/shelf", manager, {"on_shelf": False})
    banner = await call("POST", "/banners", manager, BANNER)
    await call("PATCH", f"/banners/{banner['id']}", manager, {"title": "夏季上新"})
    await call("DELETE", f"/banners/{banner['id']}", manager)
    _, shopper, order = await _setup(client, context)
    await _paid(context, order["id"])
    await call(
        "POST",
        f"/orders/{order['id']}/ship",
        manager,
        {"carrier": "顺丰速运", "tracking_no": "SF1001"},
    )
    _, _, unpaid = await _setup(client, context)
    await call("POST", f"/orders/{unpaid['id']}/close", manager, {"reason": "缺货"})
    done = (await client.post(f"/api/v1/orders/{order['id']}/confirm", headers=shopper)).json()
    reviewed = await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        headers=shopper,
        json={"reviews": [{"line_id": done["lines"][0]["id"], "score": 5, "content": "好吃"}]},
    )
    assert reviewed.status_code < 300, reviewed.text
    review = (await call("GET", "/reviews", manager))["items"][0]
    await call("POST", f"/reviews/{review['id']}/reply", manager, {"reply": "谢谢惠顾"})
    await call("POST", f"/reviews/{review['id']}/visibility", manager, {"is_hidden": True})
    await call("DELETE", f"/goods/{goods['id']}", manager)
    await call("PATCH", "/shop", owner, {"notice": "国庆正常发货"})
    staff = await call(
        "POST", "/admins", owner, {"username": "kefu", "password": "password123", "role": "service"}
    )
    await call(
        "PATCH", f"/admins/{staff['id']}", owner, {"role": "warehouse", "password": "password456"}
    )

    entries = await _logs(context)
    actions = [entry.action for entry in entries]
    assert actions == [
        "category.create",
        "category.update",
        "goods.create",
        "goods.update",
        "sku.update",
        "stock.bulk",
        "goods.shelf",
        "banner.create",
        "banner.update",
        "banner.delete",
        "order.ship",
        "order.close",
        "review.reply",
        "review.visibility",
        "goods.delete",
        "shop.update",
        "admin.create",
        "admin.update",
    ]
    by = {entry.action: entry for entry in entries}
    assert all(e.admin_name == "manager1" for e in entries[:15])
    assert all(e.admin_name == "owner" for e in entries[15:])
    assert all((e.source, e.user_agent) == ("api", "xiaodian-test/1.0") for e in entries)
    assert all(e.ip for e in entries)
    assert {"field": "name", "old": "水果", "new": "鲜果"} in by["category.update"].changes
    assert {"field": "market_price_fen", "old": 0, "new": 9900} in by["goods.update"].changes
    assert {"field": "price_fen", "old": 2580, "new": 2880} in by["sku.update"].changes
    assert by["stock.bulk"].changes == [{"field": f"sku[{sku['id']}].stock", "old": 10, "new": 42}]
    assert {"field": "tracking_no", "old": None, "new": "SF1001"} in by["order.ship"].changes
    assert {"field": "status", "old": "paid", "new": "shipped"} in by["order.ship"].changes
    assert by["order.ship"].target_id == order["order_no"]
    assert {"field": "reply", "old": "", "new": "谢谢惠顾"} in by["review.reply"].changes
    assert {"field": "notice", "old": "", "new": "国庆正常发货"} in by["shop.update"].changes
    update = by["admin.update"].changes
    assert {"field": "role", "old": "service", "new": "warehouse"} in update
    assert {"field": "password", "old": None, "new": "（已修改，内容不记录）"} in update
    assert "password456" not in repr([e.changes for e in entries])

    listed = await client.get(
        f"{api}/operation-logs", params={"action": "order.ship"}, headers=owner
    )
    assert [item["target_id"] for item in listed.json()["items"]] == [order["order_no"]]
    searched = await client.get(f"{api}/operation-logs", params={"q": "manager1"}, headers=owner)
    assert searched.json()["total"] == 15
    refused = await client.get(f"{api}/operation-logs", headers=manager)
    assert refused.status_code == 403


@pytest.mark.parametrize("decision", ["approve", "reject"])
async def test_refund_decisions_are_logged(
    app: Any, client: httpx.AsyncClient, context: AppContext, decision: str
) -> None:
    from tests.payments.helpers import paid_order_with_lines, settle

    _, headers, order = await paid_order_with_lines(app, client, context, lines=[(1990, 1)])
    await client.post(
        f"/api/v1/orders/{order['id']}/refund", headers=headers, json={"reason": "不要了"}
    )
    kefu = await _account(client, context, "kefu", "service")
    refund = (await client.get("/api/admin/v1/refunds", headers=kefu)).json()["items"][0]
    body = {"reason": "已经发出"} if decision == "reject" else None
    decided = await client.post(
        f"/api/admin/v1/refunds/{refund['id']}/{decision}", json=body, headers=kefu
    )
    assert decided.status_code == 200, decided.text
    await settle(app)
    entries = await _logs(context, action=f"refund.{decision}")
    assert [(e.admin_name, e.target_id) for e in entries] == [("kefu", str(refund["id"]))]
    new = "approved" if decision == "approve" else "rejected"
    assert entries[0].changes[0] == {"field": "status", "old": "requested", "new": new}


async def test_the_log_keeps_at_least_180_days(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    from datetime import timedelta

    from xiaodian.core import clock
    from xiaodian.oplog.jobs import purge_operation_log

    now = clock.now()
    async with context.db.transaction() as session:
        for days in (400, 366, 200, 179, 1):
            session.add(
                OperationLog(
                    admin_id=1,
                    admin_name="owner",
                    action="shop.update",
                    target_type="shop",
                    target_id=str(days),
                    summary="",
                    changes=[],
                    source="api",
                    created_at=now - timedelta(days=days),
                )
            )
    assert context.settings.operation_log_keep_days >= 180
    await purge_operation_log(context)
    kept = sorted(int(e.target_id) for e in await _logs(context))
    assert kept == [1, 179, 200]


async def test_copy_goods_and_batch_shelf(client: httpx.AsyncClient, context: AppContext) -> None:
    owner = await factories.merchant(client, context)
    category = (
        await client.post("/api/admin/v1/categories", json={"name": "水果"}, headers=owner)
    ).json()
    goods = (
        await client.post("/api/admin/v1/goods", json=goods_body(category["id"]), headers=owner)
    ).json()
    copied = await client.post(f"/api/admin/v1/goods/{goods['id']}/copy", headers=owner)
    assert copied.status_code == 201, copied.text
    copy = copied.json()
    assert (copy["title"], copy["is_on_shelf"], copy["stock_left"]) == (
        "阳光玫瑰（副本）",
        False,
        0,
    )
    assert [s["price_fen"] for s in copy["skus"]] == [s["price_fen"] for s in goods["skus"]]
    assert copy["images"] == goods["images"]
    kefu = await _account(client, context, "kefu", "service")
    refused = await client.post(f"/api/admin/v1/goods/{goods['id']}/copy", headers=kefu)
    assert refused.status_code == 403
    off = await client.post(
        "/api/admin/v1/goods-shelf",
        json={"goods_ids": [goods["id"], copy["id"]], "on_shelf": False},
        headers=owner,
    )
    assert [g["is_on_shelf"] for g in off.json()] == [False, False]
    missing = await client.post(
        "/api/admin/v1/goods-shelf",
        json={"goods_ids": [goods["id"], GONE], "on_shelf": True},
        headers=owner,
    )
    assert missing.status_code == 404
    again = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=owner)).json()
    assert again["is_on_shelf"] is False  # the batch is all or nothing
    actions = [e.action for e in await _logs(context)]
    assert actions.count("goods.copy") == 1 and actions.count("goods.shelf") == 2


async def test_goods_export_and_batch_prices(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    category = (
        await client.post("/api/admin/v1/categories", json={"name": "水果"}, headers=owner)
    ).json()
    goods = (
        await client.post(
            "/api/admin/v1/goods",
            json=goods_body(category["id"], market_price_fen=6000),
            headers=owner,
        )
    ).json()
    exported = await client.get("/api/admin/v1/goods/export.csv", headers=owner)
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["商品ID", "商品名称", "分类", "规格", "SKU ID"]
    assert sorted(int(row[4]) for row in rows[1:]) == sorted(s["id"] for s in goods["skus"])
    assert {row[6] for row in rows[1:]} == {"25.80", "26.80", "49.80", "51.80"}
    first, second = goods["skus"][0], goods["skus"][1]
    too_dear = await client.post(
        "/api/admin/v1/skus/prices",
        json={
            "items": [
                {"sku_id": first["id"], "price_fen": 1990},
                {"sku_id": second["id"], "price_fen": 6100},
            ]
        },
        headers=owner,
    )
    assert (too_dear.status_code, too_dear.json()["error"]) == (422, "market_price_too_low")
    after = (await client.get(f"/api/admin/v1/goods/{goods['id']}", headers=owner)).json()
    assert after["skus"][0]["price_fen"] == first["price_fen"]  # all or nothing
    cheaper = await client.post(
        "/api/admin/v1/skus/prices",
        json={
            "items": [
                {"sku_id": first["id"], "price_fen": 1990},
                {"sku_id": second["id"], "price_fen": 2090},
            ]
        },
        headers=owner,
    )
    assert [s["price_fen"] for s in cheaper.json()] == [1990, 2090]
    (entry,) = await _logs(context, action="price.bulk")
    assert {"field": f"sku[{first['id']}].price_fen", "old": 2580, "new": 1990} in entry.changes
    packer = await _account(client, context, "packer", "custom", ["goods"])
    refused = await client.post(
        "/api/admin/v1/skus/prices",
        json={"items": [{"sku_id": first["id"], "price_fen": 100}]},
        headers=packer,
    )
    assert refused.status_code == 403


NOT_IN_THE_TABLE: dict[tuple[str, str], str] = {
    # The account's own session and password: no permission to check (logged: admin.password).
    ("POST", "/auth/login"): "signs in",
    ("POST", "/auth/logout"): "signs out",
    ("POST", "/me/password"): "the account's own password",
    ("POST", "/media/images"): "goods or marketing, test_uploads_need_goods_or_marketing",
    ("POST", "/delivery/geocode"): "a lookup, writes nothing",
}
"""Merchant write routes the role table above does not call, each with why. A route that is
in neither fails `test_every_merchant_write_route_is_in_the_permission_table`."""


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")


async def test_every_merchant_write_route_is_in_the_permission_table(app: FastAPI) -> None:
    """Generated from the app's route table: a new merchant write route must join `WRITES`
    (so every role is tried against it) or say in `NOT_IN_THE_TABLE` why it is not there."""
    prefix = "/api/admin/v1"
    routes = {
        (method.upper(), path.removeprefix(prefix))
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(prefix)
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }
    called = {(write.method, write.path) for write in WRITES}
    missing = sorted(
        (method, path)
        for method, path in routes - NOT_IN_THE_TABLE.keys()
        if not any(m == method and _template(path).match(p) for m, p in called)
    )
    assert missing == [], f"merchant writes without a permission test: {missing}"
    assert not NOT_IN_THE_TABLE.keys() - routes, "NOT_IN_THE_TABLE names a route that is gone"


async def test_marketing_writes_are_logged(client: httpx.AsyncClient, context: AppContext) -> None:
    """Coupons, 满减, flash sales and group buying: each write a manager makes leaves one entry
    with what changed; a write refused for want of 管理营销 leaves none."""
    manager = await _account(client, context, "yunying", "manager")
    service = await _account(client, context, "kefu2", "service")
    api = "/api/admin/v1"

    async def call(method: str, path: str, body: Any = None) -> Any:
        response = await client.request(method, f"{api}{path}", json=body, headers=manager)
        assert response.status_code < 300, (method, path, response.text)
        return response.json()

    goods = await factories.make_goods(context, title="拼团橙子", prices=[2000], stock=30)
    coupon = await call("POST", "/coupons", COUPON)
    await call("PATCH", f"/coupons/{coupon['id']}", {"name": "满99减10（会员）"})
    await call("POST", f"/coupons/{coupon['id']}/pause")
    await call("POST", f"/coupons/{coupon['id']}/codes", {"count": 2})
    promotion = await call("POST", "/promotions", PROMOTION)
    await call("PATCH", f"/promotions/{promotion['id']}", {"name": "满99减15"})
    flash = await call(
        "POST",
        "/flash-sales",
        {**FLASH, "items": [{**FLASH["items"][0], "sku_id": goods["sku_ids"][0]}]},
    )  # type: ignore[dict-item]
    await call("PATCH", f"/flash-sales/{flash['id']}", {"title": "限时2元购"})
    await call("POST", f"/flash-sales/{flash['id']}/end")
    campaign = await call("POST", "/group-buys", {**GROUP_BUY, "goods_id": goods["id"]})
    await call("POST", f"/group-buys/{campaign['id']}/end")
    refused = await client.post(f"{api}/coupons/{coupon['id']}/resume", headers=service)
    assert (refused.status_code, refused.json()["error"]) == (403, "no_permission")

    entries = await _logs(context)
    assert [entry.action for entry in entries] == [
        "coupon.create",
        "coupon.update",
        "coupon.status",
        "coupon.codes",
        "promotion.create",
        "promotion.update",
        "flash.create",
        "flash.update",
        "flash.end",
        "group_buy.create",
        "group_buy.end",
    ]
    assert all(entry.admin_name == "yunying" for entry in entries)
    by = {entry.action: entry for entry in entries}
    assert {"field": "name", "old": "满99减10", "new": "满99减10（会员）"} in by[
        "coupon.update"
    ].changes
    assert by["coupon.status"].changes == [{"field": "status", "old": "active", "new": "paused"}]
    codes = (await client.get(f"{api}/coupons/{coupon['id']}/codes.csv", headers=manager)).text
    assert not any(code in repr(by["coupon.codes"].changes) for code in codes.split()[1:])
    assert {"field": "name", "old": "满99减12", "new": "满99减15"} in by["promotion.update"].changes
    assert {"field": "title", "old": "限时1元购", "new": "限时2元购"} in by["flash.update"].changes
    assert by["group_buy.end"].target_id == str(campaign["id"])


async def test_api_keys_and_webhooks_are_logged_without_their_secrets(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    owner = await factories.merchant(client, context)
    api = "/api/admin/v1"
    key = await client.post(
        f"{api}/api-keys", headers=owner, json={"name": "ERP", "scopes": ["stock:write"]}
    )
    hook = await client.post(
        f"{api}/webhooks",
        headers=owner,
        json={"url": "https://erp.example/hook", "events": ["order.paid"]},
    )
    assert (key.status_code, hook.status_code) == (201, 201), (key.text, hook.text)
    revoked = await client.delete(f"{api}/api-keys/{key.json()['id']}", headers=owner)
    deleted = await client.delete(f"{api}/webhooks/{hook.json()['id']}", headers=owner)
    assert (revoked.status_code, deleted.status_code) == (200, 204)
    entries = await _logs(context)
    assert [entry.action for entry in entries] == [
        "api_key.create",
        "webhook.create",
        "api_key.revoke",
        "webhook.delete",
    ]
    logged = repr([(entry.summary, entry.changes) for entry in entries])
    assert key.json()["key"] not in logged and hook.json()["secret"] not in logged
    assert "https://erp.example/hook" in logged and "stock:write" in logged


async def test_delivery_settings_and_subscribe_templates_are_logged(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    """The owner's 配送设置 and 订阅消息模板 saves each leave one entry with old → new; a
    save by any other role is refused and leaves none."""
    owner = await factories.merchant(client, context)
    manager = await _account(client, context, "dianzhang", "manager")
    api = "/api/admin/v1"
    first = await client.put(f"{api}/delivery/settings", json={"radius_m": 2500}, headers=owner)
    second = await client.put(
        f"{api}/delivery/settings",
        json={"radius_m": 4000, "base_fee_fen": 500, "pickup_enabled": False},
        headers=owner,
    )
    template = {"template_id": "tmpl-paid-1", "fields": {"thing1": "goods_title"}}
    saved = await client.put(f"{api}/wechat/templates/paid", json=template, headers=owner)
    changed = await client.put(
        f"{api}/wechat/templates/paid",
        json={**template, "template_id": "tmpl-paid-2", "is_enabled": False},
        headers=owner,
    )
    assert [r.status_code for r in (first, second, saved, changed)] == [200] * 4, changed.text
    refused = [
        await client.put(f"{api}/delivery/settings", json={"radius_m": 100}, headers=manager),
        await client.put(f"{api}/wechat/templates/paid", json=template, headers=manager),
    ]
    assert [r.status_code for r in refused] == [403, 403]

    settings = await _logs(context, action="delivery.settings")
    assert [e.admin_name for e in settings] == ["owner", "owner"]
    assert {"field": "radius_m", "old": 3000, "new": 2500} in settings[0].changes
    assert sorted(c["field"] for c in settings[1].changes) == [
        "base_fee_fen",
        "pickup_enabled",
        "radius_m",
    ]
    assert {"field": "pickup_enabled", "old": True, "new": False} in settings[1].changes
    templates = await _logs(context, action="wechat.template")
    assert [e.target_id for e in templates] == ["paid", "paid"]
    assert {"field": "template_id", "old": None, "new": "tmpl-paid-1"} in templates[0].changes
    assert {"field": "fields.thing1", "old": None, "new": "goods_title"} in templates[0].changes
    assert sorted(c["field"] for c in templates[1].changes) == ["is_enabled", "template_id"]
    assert {"field": "template_id", "old": "tmpl-paid-1", "new": "tmpl-paid-2"} in templates[
        1
    ].changes
    assert await _log_count(context) == 4
