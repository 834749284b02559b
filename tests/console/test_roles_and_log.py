"""Roles in the console over HTTP: the menu, refused writes, hidden revenue, the staff page's
roles and custom permissions, and 操作日志 listing console writes."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from tests import factories
from tests.console.helpers import PASSWORD, make_admin, signed_in
from xiaodian.context import AppContext
from xiaodian.models import AdminUser, Goods, OperationLog


async def test_a_service_account_sees_and_does_only_what_its_role_allows(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await make_admin(context)
    goods = await factories.make_goods(context, title="青提", prices=[1500])
    console = await signed_in(client, context, username="kefu", role="service")
    home = await console.get("/")
    assert home.status_code == 200
    assert 'data-section="orders"' in home.text
    assert 'data-section="banners"' not in home.text
    assert 'data-section="oplog"' not in home.text
    assert "data-no-revenue" in home.text
    assert 'data-stat="sales"' not in home.text
    assert "sales-chart-data" not in home.text
    shelf = await console.htmx(f"/goods/{goods['id']}/shelf", {"on_shelf": "false"})
    assert shelf.status_code == 403
    assert (await console.get("/oplog")).status_code == 403
    async with context.db.transaction(write=False) as session:
        assert (await session.get(Goods, goods["id"])).is_on_shelf  # type: ignore[union-attr]
        assert (await session.scalars(select(OperationLog))).all() == []


async def test_the_owner_builds_a_custom_role_and_reads_the_log(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods = await factories.make_goods(context, title="青提", prices=[1500])
    staff = await console.get("/staff")
    for word in ("店长", "客服", "仓管", "自定义", "改价格和库存", "查看营收"):
        assert word in staff.text
    created = await console.post(
        "/staff",
        [
            ("username", "packer"),
            ("password", PASSWORD),
            ("role", "custom"),
            ("permissions", "ship"),
            ("permissions", "goods"),
        ],
    )
    assert created.status_code == 303, created.text
    async with context.db.transaction(write=False) as session:
        packer = await session.scalar(select(AdminUser).where(AdminUser.username == "packer"))
        assert packer is not None
        assert (packer.role, packer.permissions) == ("custom", "goods,ship")
    changed = await console.post(
        f"/staff/{packer.id}", [("action", "permissions"), ("permissions", "refunds")]
    )
    assert changed.status_code == 303
    shelf = await console.htmx(f"/goods/{goods['id']}/shelf", {"on_shelf": "false"})
    assert shelf.status_code == 200
    log = await console.get("/oplog")
    assert log.status_code == 200
    for text in ("上下架", "新增员工", "修改员工", "青提", "后台", "refunds"):
        assert text in log.text, text
    only_shelf = await console.get("/oplog", params={"action": "goods.shelf"})
    assert only_shelf.text.count('data-log="goods.shelf"') == 1
    assert 'data-log="admin.create"' not in only_shelf.text
    async with context.db.transaction(write=False) as session:
        entries = (await session.scalars(select(OperationLog).order_by(OperationLog.id))).all()
    assert [(e.action, e.source, e.admin_name) for e in entries] == [
        ("admin.create", "console", "owner"),
        ("admin.update", "console", "owner"),
        ("goods.shelf", "console", "owner"),
    ]
    assert entries[2].changes == [{"field": "is_on_shelf", "old": True, "new": False}]


async def test_goods_are_copied_and_shelved_in_batches_in_the_console(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    apple = await factories.make_goods(context, title="苹果")
    pear = await factories.make_goods(context, title="梨")
    listing = await console.get("/goods")
    assert "data-pick-all" in listing.text and "data-copy" in listing.text
    exported = await console.get("/goods/export.csv")
    assert exported.text.lstrip("\ufeff").startswith("商品ID,商品名称") and "苹果" in exported.text
    off = await console.post(
        "/goods/shelf-batch",
        [("ids", str(apple["id"])), ("ids", str(pear["id"])), ("on_shelf", "false")],
    )
    assert off.status_code == 303
    copied = await console.post(f"/goods/{apple['id']}/copy")
    assert copied.status_code == 303
    async with context.db.transaction(write=False) as session:
        rows = (await session.scalars(select(Goods).order_by(Goods.id))).all()
    assert [(g.title, g.is_on_shelf) for g in rows] == [
        ("苹果", False),
        ("梨", False),
        ("苹果（副本）", False),
    ]
