"""到货提醒 in the console: the goods list and the editor show how many shoppers wait for each
sold-out SKU, and the count goes once they have been told."""

from __future__ import annotations

import re

import httpx

from tests import factories
from tests.catalog.test_restock_reminders import _put_stock, _remind, _setup, _shopper
from tests.console.helpers import signed_in
from tests.console.test_goods_pages import editor_state
from xiaodian.context import AppContext
from xiaodian.events import outbox


async def test_the_goods_list_and_editor_show_the_shoppers_waiting_for_each_sold_out_sku(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    setup = await _setup(client, context)
    goods = setup["goods"]
    one_jin, two_jin = goods["sku_ids"]
    for openid in ("wait-1", "wait-2"):
        await _remind(client, await _shopper(client, context, openid), one_jin)
    await _remind(client, await _shopper(client, context, "wait-3"), two_jin)
    untouched = await factories.make_goods(context, title="无人等待", stock=0)
    console = await signed_in(client, context, username="clerk")

    listing = (await console.get("/goods")).text
    row = re.search(rf'<tr id="goods-{goods["id"]}".*?</tr>', listing, re.S)
    assert row is not None
    assert 'title="1斤：2 人；2斤：1 人" data-restock-waiting>3 人等到货</small>' in row.group(0)
    other = re.search(rf'<tr id="goods-{untouched["id"]}".*?</tr>', listing, re.S)
    assert other is not None and "data-restock-waiting" not in other.group(0)

    editor = editor_state((await console.get(f"/goods/{goods['id']}")).text)
    assert [(sku["spec_values"], sku["waiting"]) for sku in editor["skus"]] == [
        (["1斤"], 2),
        (["2斤"], 1),
    ]

    await _put_stock(client, setup["merchant"], one_jin, 5)
    await outbox.drain(context)
    editor = editor_state((await console.get(f"/goods/{goods['id']}")).text)
    assert [sku["waiting"] for sku in editor["skus"]] == [0, 1]
    assert "1 人等到货</small>" in (await console.get("/goods")).text
