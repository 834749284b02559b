"""微信平台 in the console: failed shipping uploads with their retry button, subscribe
templates, held reviews; over HTTP and in Chromium."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from playwright.async_api import expect
from sqlalchemy import select

from tests.console.browser import open_tab
from tests.console.helpers import make_admin, paid_order, signed_in
from tests.payments.helpers import settle
from xiaodian.context import AppContext
from xiaodian.models import OperationLog
from xiaodian.sandbox.wechat_platform import PlatformSimulator


def _platform(app: FastAPI) -> PlatformSimulator:
    return app.state.sandbox.state.platform  # type: ignore[no-any-return]


async def _failed_upload(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> dict[str, Any]:
    _platform(app).clear()
    order, _ = await paid_order(client, context, openid="console-ship")
    await settle(app)
    _platform(app).faults["upload_shipping_info"] = [10060001]
    return order


async def test_a_failed_upload_is_listed_and_the_retry_button_uploads_it(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    order = await _failed_upload(app, client, context)
    shipped = await console.post(
        f"/orders/{order['id']}/ship", {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    )
    assert shipped.status_code == 303
    await settle(app)
    detail = await console.get(f"/orders/{order['id']}")
    assert 'data-wechat-shipping="failed"' in detail.text and "10060001" in detail.text
    page = await console.get("/wechat")
    assert order["order_no"] in page.text and "10060001" in page.text
    retried = await console.post(f"/wechat/shipping/{order['id']}/retry")
    assert retried.status_code == 303
    page = await console.get("/wechat")
    assert order["order_no"] not in page.text and "没有上传失败的订单" in page.text
    async with context.db.transaction(write=False) as session:
        logged = await session.scalar(
            select(OperationLog).where(OperationLog.action == "wechat.shipping_retry")
        )
    assert logged is not None and logged.target_id == order["order_no"]
    assert logged.changes == [{"field": "status", "old": "failed", "new": "uploaded"}]
    detail = await console.get(f"/orders/{order['id']}")
    assert 'data-wechat-shipping="uploaded"' in detail.text
    assert f'hx-get="/console/orders/{order["id"]}/tracking"' in detail.text
    none = await console.get(f"/orders/{order['id']}/tracking")
    assert "data-tracking-none" in none.text
    original = context.settings
    context.settings = original.model_copy(
        update={
            "kuaidi100_base_url": original.wechat_api_base,
            "kuaidi100_customer": "sandbox-customer",
            "kuaidi100_key": "sandbox-key",
        }
    )
    try:
        timeline = await console.get(f"/orders/{order['id']}/tracking")
    finally:
        context.settings = original
    assert "【上海】快件已揽收" in timeline.text and "已揽收" in timeline.text
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as stranger:
        refused = await stranger.get(f"/console/orders/{order['id']}/tracking")
    assert refused.status_code in (303, 401), refused.status_code


async def test_templates_are_saved_and_bad_fields_explained(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    bad = await console.post(
        "/wechat/templates/shipped",
        {"template_id": "TPL-1", "fields": "thing1=password", "is_enabled": "true"},
    )
    assert bad.status_code == 422 and "未知的取值 password" in bad.text
    assert 'value="TPL-1"' in bad.text
    saved = await console.post(
        "/wechat/templates/shipped",
        {
            "template_id": "TPL-1",
            "fields": "character_string1=order_no\nthing2=goods_title",
            "is_enabled": "true",
        },
    )
    assert saved.status_code == 303
    templates = (
        await client.get("/api/admin/v1/wechat/templates", headers=await _bearer(client, context))
    ).json()
    assert templates == [
        {
            "event": "shipped",
            "template_id": "TPL-1",
            "fields": {"character_string1": "order_no", "thing2": "goods_title"},
            "page": "",
            "is_enabled": True,
        }
    ]
    clerk = await signed_in(client, context, username="clerk", role="staff")
    page = (await clerk.get("/wechat")).text
    assert page.count("只有店主可以修改模板") == page.count("data-template=") > 0
    refused = await clerk.post("/wechat/templates/paid", {"template_id": "TPL-2"})
    assert refused.status_code == 403
    async with context.db.transaction(write=False) as session:
        entries = list(await session.scalars(select(OperationLog).order_by(OperationLog.id)))
    assert [(e.action, e.target_id, e.source) for e in entries] == [
        ("wechat.template", "shipped", "console")
    ]
    assert {"field": "fields.thing2", "old": None, "new": "goods_title"} in entries[0].changes


async def _bearer(client: httpx.AsyncClient, context: AppContext) -> dict[str, str]:
    response = await client.post(
        "/api/admin/v1/auth/login", json={"username": "owner", "password": "password123"}
    )
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def test_the_merchant_retries_a_failed_upload_in_chromium(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    order = await _failed_upload(app, client, context)
    merchant = await _bearer(client, context)
    await client.post(
        f"/api/admin/v1/orders/{order['id']}/ship",
        json={"carrier": "顺丰速运", "tracking_no": "SF1234567890"},
        headers=merchant,
    )
    await settle(app)
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await page.click("[data-section=wechat]")
    row = page.locator(f"tr[data-order='{order['order_no']}']")
    await expect(row).to_contain_text("10060001")
    await row.locator("button", has_text="重新上传").click()
    await expect(page.locator("[data-empty]")).to_have_text("没有上传失败的订单")
    await tab.open(f"/orders/{order['id']}")
    await expect(page.locator("[data-wechat-shipping]")).to_contain_text("已上传")
    await expect(page.locator("[data-tracking-none]")).to_be_visible()
    await tab.open("/wechat")
    form = page.locator("form[data-template=paid]")
    await form.locator("input[name=template_id]").fill("TPL-PAID")
    await form.locator("textarea[name=fields]").fill("thing1=nonsense")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("form[data-template=paid]")).to_contain_text("未知的取值 nonsense")
    form = page.locator("form[data-template=paid]")
    await form.locator("textarea[name=fields]").fill("thing1=goods_title")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("form[data-template=paid] input[name=template_id]")).to_have_value(
        "TPL-PAID"
    )
    assert tab.errors == [], tab.errors
    await page.context.close()
