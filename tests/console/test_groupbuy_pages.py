"""营销 → 拼团 in the console (issue 11): the list, the form, and one campaign's groups with
members, orders and refunds; over HTTP and in real Chromium."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from playwright.async_api import expect

from tests import factories
from tests.console.browser import open_tab
from tests.console.helpers import make_admin, signed_in
from tests.groupbuy.helpers import join, opened, shoppers
from xiaodian.context import AppContext
from xiaodian.core import clock


def _ends() -> str:
    return clock.to_shop_time(clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


async def test_the_form_creates_a_campaign_and_refuses_bad_input(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods = await factories.make_goods(context, title="阳光玫瑰", prices=[3990], stock=30)
    empty = await console.get("/group-buys")
    assert "还没有拼团活动" in empty.text
    form = await console.get("/group-buys/new")
    assert "阳光玫瑰" in form.text
    refused = await console.post(
        "/group-buys/new",
        {"goods_id": goods["id"], "group_size": "12", "price_percent": "80", "ends_at": _ends()},
    )
    assert refused.status_code == 422
    too_much = await console.post(
        "/group-buys/new",
        {"goods_id": goods["id"], "price_percent": "80", "stock": "31", "ends_at": _ends()},
    )
    assert too_much.status_code == 422 and "库存不足" in too_much.text
    made = await console.post(
        "/group-buys/new",
        {
            "goods_id": goods["id"],
            "group_size": "3",
            "price_percent": "80",
            "fill_minutes": "60",
            "stock": "10",
            "leader_discount": "1.00",
            "ends_at": _ends(),
        },
    )
    assert made.status_code == 303, made.text
    page = await console.get(made.headers["location"].removeprefix("/console"))
    assert "¥31.92" in page.text and "可售 10" in page.text
    listed = await console.get("/group-buys")
    assert "阳光玫瑰" in listed.text and "3 人团" in listed.text


async def test_the_groups_page_in_chromium_shows_members_and_ends_a_campaign(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, live_url: str, browser: Any
) -> None:
    await make_admin(context)
    goods = await factories.make_goods(context, title="拼团草莓", prices=[2000], stock=30)
    tab = await open_tab(browser, live_url)
    page = tab.page
    await tab.login("owner")
    await tab.open("/group-buys/new")
    await page.select_option("#f-goods_id", str(goods["id"]))
    await page.fill("#f-ends_at", _ends())
    await page.click("form[action$='/group-buys/new'] button[type=submit]")
    await expect(page.locator(".flash")).to_contain_text("拼团活动已创建")
    campaign_id = int(page.url.rstrip("/").split("/")[-1])

    leader, friend = await shoppers(client, context, 2, prefix="console")
    group_id, _ = await opened(app, client, context, leader, campaign_id, goods["sku_ids"][0])
    assert (await join(client, friend, group_id, goods["sku_ids"][0])).status_code == 201
    await page.reload()
    card = page.locator(f"[data-group='{group_id}']")
    await expect(card).to_contain_text("拼团中")
    await expect(card).to_contain_text("团长")
    await expect(card).to_contain_text("已支付")
    await expect(card).to_contain_text("待支付")

    await page.click("text=结束活动")
    await expect(page.locator(".flash")).to_contain_text("活动已结束")
    await tab.open("/group-buys")
    await expect(page.locator(f"[data-campaign='{campaign_id}']")).to_contain_text("已结束")
    assert tab.errors == []


async def test_the_edit_form_changes_limits_and_resizes_the_pools(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    goods = await factories.make_goods(context, title="蓝莓", prices=[2990], stock=30)
    made = await console.post(
        "/group-buys/new",
        {"goods_id": goods["id"], "price_percent": "80", "stock": "10", "ends_at": _ends()},
    )
    campaign_path = made.headers["location"].removeprefix("/console")
    form = await console.get(f"{campaign_path}/edit")
    assert form.status_code == 200 and "蓝莓" in form.text
    values = {
        "ends_at": _ends(),
        "fill_minutes": "30",
        "per_user_limit": "2",
        "stock": "4",
        "leader_discount": "",
        "simulated_fill_min_members": "2",
    }
    saved = await console.post(f"{campaign_path}/edit", values)
    assert saved.status_code == 303, saved.text
    page = await console.get(campaign_path)
    assert "可售 4" in page.text and "30 分钟" in page.text and "满 2 人" in page.text
    unchanged = await console.post(f"{campaign_path}/edit", {**values, "stock": ""})
    assert unchanged.status_code == 303
    assert "可售 4" in (await console.get(campaign_path)).text
    refused = await console.post(
        f"{campaign_path}/edit", {**values, "simulated_fill_min_members": "5"}
    )
    assert refused.status_code == 422 and "模拟成团人数不能超过成团人数" in refused.text
