"""The stock hint shoppers read next to a number: "仅剩 3 件" when few are left, "已售罄" at 0.

The threshold is the shop's (`shop_settings.low_stock_below`, or `XIAODIAN_STOCK_HINT_BELOW`
before the merchant sets one), held by every process: read at start (`load`), and set again in
every process through the bus when the settings change (`announce` after the commit, `listen`
in each process), so the hint, the dashboard's low-stock list and the low-stock alerts agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from xiaodian.catalog.cache import GOODS, NAMESPACE
from xiaodian.context import AppContext
from xiaodian.models import ShopSettings

DEFAULT_BELOW = 10
CHANNEL = "shop.low_stock_below"
_below = DEFAULT_BELOW


def configure(below: int) -> None:
    """The shop's threshold: a hint when stock is below it."""
    global _below
    _below = max(int(below), 0)


def threshold() -> int:
    return _below


def stock_hint(stock: int) -> str:
    """ "已售罄" at 0, "仅剩 N 件" for 0 < N < the threshold, else ""."""
    if stock <= 0:
        return "已售罄"
    if stock < _below:
        return f"仅剩 {stock} 件"
    return ""


async def _stored(context: AppContext) -> int:
    async with context.db.transaction(write=False) as session:
        below = await session.scalar(
            select(ShopSettings.low_stock_below).order_by(ShopSettings.id).limit(1)
        )
    return context.settings.stock_hint_below if below is None else int(below)


async def load(context: AppContext) -> None:
    """Take the shop's threshold from the database (at a process's start)."""
    configure(await _stored(context))


def listen(context: AppContext) -> None:
    """Follow the threshold other processes announce (subscribe before the bus starts)."""

    async def on_message(message: dict[str, Any]) -> None:
        configure(int(message["below"]))
        # cards and details carry the hint: one built before this message arrived (the
        # settings' own cache invalidation may come first) must not be kept
        context.near_cache.bump(NAMESPACE, GOODS)

    context.bus.subscribe(CHANNEL, on_message)


async def announce(context: AppContext) -> None:
    """After the settings changed: every process (this one too) takes the new threshold."""
    below = await _stored(context)
    configure(below)
    await context.bus.publish(CHANNEL, {"below": below})
