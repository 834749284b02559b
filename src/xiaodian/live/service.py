"""What the live channel reads and publishes: snapshots, and frames for committed changes."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from xiaodian.catalog.events import GoodsEdited
from xiaodian.catalog.hints import stock_hint
from xiaodian.context import AppContext
from xiaodian.inventory.events import QuotaChanged, StockChanged
from xiaodian.live.frames import FrameType
from xiaodian.live.hub import Connection, Hub, hub_of
from xiaodian.models import Goods, Sku


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def read_goods(context: AppContext, goods_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each goods item's SKUs as the snapshot shows them (unknown or deleted goods: no SKUs,
    not on sale)."""
    found: dict[int, dict[str, Any]] = {
        goods_id: {"on_sale": False, "skus": []} for goods_id in goods_ids
    }
    async with context.db.transaction(write=False) as session:
        rows = await session.execute(
            select(
                Goods.id,
                Goods.is_on_shelf,
                Goods.deleted_at,
                Sku.id,
                Sku.stock,
                Sku.price_fen,
                Sku.is_active,
            )
            .join(Sku, Sku.goods_id == Goods.id)
            .where(Goods.id.in_(goods_ids))
            .order_by(Goods.id, Sku.id)
        )
        for goods_id, on_shelf, deleted_at, sku_id, stock, price_fen, active in rows:
            goods_on_sale = bool(on_shelf) and deleted_at is None
            entry = found[goods_id]
            entry["on_sale"] = goods_on_sale
            if not active:
                continue
            entry["skus"].append(
                {
                    "sku_id": sku_id,
                    "stock": stock,
                    "stock_hint": stock_hint(stock),
                    "price_fen": price_fen,
                    "on_sale": goods_on_sale and stock > 0,
                }
            )
    return found


async def send_snapshots(
    context: AppContext, hub: Hub, connection: Connection, goods_ids: list[int]
) -> None:
    """Queue a snapshot of each goods item, then whatever changed after it (by `seq`).

    The caller subscribed the connection first, so no change falls between: frames that
    arrive while the snapshot is read are held and sent after it when newer than it."""
    if not goods_ids:
        return
    seqs = await hub.seqs(goods_ids)
    goods = await read_goods(context, goods_ids)
    for goods_id in goods_ids:
        if goods_id not in connection.goods:
            continue  # unsubscribed meanwhile
        entry = goods[goods_id]
        connection.send(
            _dumps(
                {
                    "type": FrameType.SNAPSHOT,
                    "goods_id": goods_id,
                    "seq": seqs[goods_id],
                    "on_sale": entry["on_sale"],
                    "skus": entry["skus"],
                }
            )
        )
        hub.snapshot_sent(connection, goods_id, seqs[goods_id])


async def resend_snapshots(context: AppContext, hub: Hub, connection: Connection) -> None:
    goods_ids = sorted(connection.goods)
    for goods_id in goods_ids:
        connection.waiting_snapshot.setdefault(goods_id, [])
    await send_snapshots(context, hub, connection, goods_ids)


# ---- receivers (after commit: never for a rolled-back change) ----


async def push_stock(context: AppContext, event: StockChanged) -> None:
    frame = _dumps(
        {
            "type": FrameType.STOCK,
            "goods_id": event.goods_id,
            "sku_id": event.sku_id,
            "stock": event.stock,
            "stock_hint": stock_hint(event.stock),
        }
    )
    await hub_of(context).publish_stock(
        sku_id=event.sku_id, goods_id=event.goods_id, version=event.version, frame=frame
    )


async def push_goods_edit(context: AppContext, event: GoodsEdited) -> None:
    """Prices and shelf state as they are now (read after the edit committed)."""
    goods = (await read_goods(context, [event.goods_id]))[event.goods_id]
    hub = hub_of(context)
    if not goods["on_sale"]:
        await hub.publish_goods(
            event.goods_id, _dumps({"type": FrameType.OFF_SHELF, "goods_id": event.goods_id})
        )
        return
    skus = [
        {"sku_id": sku["sku_id"], "price_fen": sku["price_fen"], "on_sale": sku["on_sale"]}
        for sku in goods["skus"]
    ]
    await hub.publish_goods(
        event.goods_id,
        _dumps({"type": FrameType.PRICE, "goods_id": event.goods_id, "skus": skus}),
    )


async def push_pool(context: AppContext, event: QuotaChanged) -> None:
    """A flash-sale item's or a group-buy campaign's own units (`activity` says which)."""
    kind = FrameType.GROUP if event.activity.startswith("group") else FrameType.FLASH_STOCK
    frame = {
        "type": kind,
        "goods_id": event.goods_id,
        "sku_id": event.sku_id,
        "activity_id": event.activity_id,
        "units_left": event.units_left,
        "status": event.status,
    }
    await hub_of(context).publish_goods(event.goods_id, _dumps(frame))
