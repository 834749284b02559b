"""Each server process keeps the items of sessions running or about to start ready
(`service.keep_warm`): their rules cached and their gates served before the crowd comes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from tests import factories
from tests.flash.helpers import buyer, flash_session, grab
from tests.flash.test_flash_sales import START
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.flash import service as flash
from xiaodian.flash.runtime import runtime


async def test_items_starting_soon_are_ready_and_later_ones_are_left(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    clock.freeze(START - timedelta(minutes=5))
    admin = await factories.merchant(client, context)
    soon_goods = await factories.make_goods(context, stock=10, prices=[2990])
    later_goods = await factories.make_goods(context, stock=10, prices=[1990])
    soon = await flash_session(
        client, admin, sku_id=soon_goods["sku_ids"][0], starts_at=START, flash_stock=4
    )
    later = await flash_session(
        client,
        admin,
        sku_id=later_goods["sku_ids"][0],
        starts_at=START + timedelta(hours=2),
        flash_stock=3,
    )
    soon_item, later_item = soon["item_ids"][0], later["item_ids"][0]
    state = flash.runtime(context)
    state.synced.clear()
    state.forget()
    await state.gate.forget(soon_item)

    assert await flash.keep_warm(context) == 1
    assert state.rule(soon_item) is not None
    assert soon_item in state.synced
    assert await state.gate.stock_left(soon_item) == 4
    assert state.rule(later_item) is None
    assert later_item not in state.synced

    # at the start the crowd finds the gate loaded: the first buyer is served from it
    clock.freeze(START)
    headers, address_id = await buyer(client, context, "first-in")
    assert (await grab(client, headers, soon_item, address_id)).status_code == 201
    assert await runtime(context).gate.stock_left(soon_item) == 3


async def test_keeping_warm_runs_until_told_to_stop(context: AppContext) -> None:
    stop = asyncio.Event()
    keeper = asyncio.ensure_future(flash.keep_warm_forever(context, stop=stop))
    await asyncio.sleep(0)
    stop.set()
    await asyncio.wait_for(keeper, timeout=5)
