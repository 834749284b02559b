"""秒杀开始提醒: 提醒我 on an upcoming item, one subscribe message when the session starts
(exactly once, even with two sweeps at once), none without a grant, none long after."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests import factories
from tests.flash.helpers import flash_session
from tests.wechat.conftest import platform
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.flash import jobs
from xiaodian.models import FlashReminder

START = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)
FIELDS = {"thing1": "goods_title", "amount2": "total", "time3": "time", "thing4": "note"}


async def _upcoming(
    client: httpx.AsyncClient, context: AppContext, *, template: bool = True
) -> tuple[dict[str, str], int, int]:
    clock.freeze(START - timedelta(minutes=10))
    goods = await factories.make_goods(context, title="阳光玫瑰葡萄", stock=20, prices=[2990])
    admin = await factories.merchant(client, context)
    created = await flash_session(
        client, admin, sku_id=goods["sku_ids"][0], starts_at=START, price_fen=990
    )
    if template:
        mapped = await client.put(
            "/api/admin/v1/wechat/templates/flash_starting",
            json={"template_id": "TPL_FLASH", "fields": FIELDS},
            headers=admin,
        )
        assert mapped.status_code == 200, mapped.text
    return admin, int(created["item_ids"][0]), int(goods["id"])


async def _remind(
    client: httpx.AsyncClient, headers: dict[str, str], item_id: int
) -> httpx.Response:
    return await client.post(f"/api/v1/flash-sales/items/{item_id}/reminder", headers=headers)


async def _statuses(context: AppContext) -> dict[int, str]:
    async with context.db.transaction(write=False) as session:
        rows = await session.execute(select(FlashReminder.user_id, FlashReminder.status))
        return {user_id: status for user_id, status in rows}


async def test_a_reminder_is_sent_exactly_once_when_the_session_starts(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    platform(app).clear()
    _admin, item_id, goods_id = await _upcoming(client, context)
    keen = await factories.shopper(client, context, "keen")
    shy = await factories.shopper(client, context, "shy")
    granted = await client.post(
        "/api/v1/me/subscriptions", json={"TPL_FLASH": "accept"}, headers=keen
    )
    assert granted.status_code == 200
    first = await _remind(client, keen, item_id)
    assert first.status_code == 200, first.text
    assert first.json()["starts_at"].startswith("2026-12-12T12:00:00")
    assert (await _remind(client, keen, item_id)).status_code == 200  # a second tap: one reminder
    assert (await _remind(client, shy, item_id)).status_code == 200  # no grant given
    mine = await client.get("/api/v1/flash-sales/reminders", headers=keen)
    assert mine.json() == {"item_ids": [item_id]}

    assert await jobs.send_flash_reminders(context) == 0  # not started yet
    assert "subscribe_send" not in platform(app).received

    clock.freeze(START + timedelta(seconds=20))
    results = await asyncio.gather(
        jobs.send_flash_reminders(context), jobs.send_flash_reminders(context)
    )
    assert sum(results) == 1
    [message] = platform(app).received["subscribe_send"]
    assert (message["touser"], message["template_id"]) == ("keen", "TPL_FLASH")
    assert message["page"] == f"subpackages/goods/detail/index?goodsId={goods_id}"
    assert message["data"] == {
        "thing1": {"value": "阳光玫瑰葡萄"},
        "amount2": {"value": "¥9.90"},
        "time3": {"value": "2026-12-12 20:00"},
        "thing4": {"value": "限时1元购"},
    }
    assert sorted((await _statuses(context)).values()) == ["no_grant", "sent"]
    mine = await client.get("/api/v1/flash-sales/reminders", headers=keen)
    assert mine.json() == {"item_ids": []}
    assert await jobs.send_flash_reminders(context) == 0
    assert len(platform(app).received["subscribe_send"]) == 1
    grants = (await client.get("/api/v1/me/subscriptions", headers=keen)).json()["grants"]
    assert grants == {"TPL_FLASH": 0}


async def test_a_reminder_the_worker_missed_for_long_is_dropped_not_sent_late(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    platform(app).clear()
    _admin, item_id, _ = await _upcoming(client, context)
    keen = await factories.shopper(client, context, "late-keen")
    await client.post("/api/v1/me/subscriptions", json={"TPL_FLASH": "accept"}, headers=keen)
    assert (await _remind(client, keen, item_id)).status_code == 200
    clock.freeze(START + timedelta(minutes=45))
    assert await jobs.send_flash_reminders(context) == 0
    assert list((await _statuses(context)).values()) == ["late"]
    assert "subscribe_send" not in platform(app).received


async def test_a_transport_failure_leaves_the_reminder_for_the_next_sweep(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    platform(app).clear()
    _admin, item_id, _ = await _upcoming(client, context)
    keen = await factories.shopper(client, context, "retry-keen")
    await client.post("/api/v1/me/subscriptions", json={"TPL_FLASH": "accept"}, headers=keen)
    assert (await _remind(client, keen, item_id)).status_code == 200
    clock.freeze(START + timedelta(minutes=1))
    platform(app).faults["subscribe_send"] = [-1]
    assert await jobs.send_flash_reminders(context) == 0
    assert list((await _statuses(context)).values()) == ["waiting"]
    assert await jobs.send_flash_reminders(context) == 1
    assert list((await _statuses(context)).values()) == ["sent"]
    assert len(platform(app).received["subscribe_send"]) == 2


async def test_reminding_is_refused_after_the_start_for_unknown_items_and_strangers(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, item_id, _ = await _upcoming(client, context, template=False)
    shopper = await factories.shopper(client, context, "curious")
    assert (await client.post(f"/api/v1/flash-sales/items/{item_id}/reminder")).status_code == 401
    missing = await _remind(client, shopper, item_id + 999)
    assert (missing.status_code, missing.json()["error"]) == (404, "flash_item_not_found")
    clock.freeze(START)
    started = await _remind(client, shopper, item_id)
    assert (started.status_code, started.json()["error"]) == (409, "flash_already_started")
    assert "无需提醒" in started.json()["message"]
