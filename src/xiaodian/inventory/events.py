"""What inventory tells the rest of the shop (after the change commits)."""

from __future__ import annotations

from dataclasses import dataclass

from xiaodian.events import Event


@dataclass(frozen=True)
class StockChanged(Event):
    """A SKU's sellable stock is now `stock` (sent once per SKU per transaction)."""

    sku_id: int
    goods_id: int
    stock: int
    version: int = 0
    """`skus.stock_version` after the change: of two events for a SKU the higher is newer."""
    low_below: int | None = None
    """The SKU's low-stock alert threshold (`skus.low_stock_below`; None: the shop's)."""
    may_have_risen: bool = True
    """False when the transaction only took units (an order): the stock can only have gone
    down, so nobody waiting for it to come back needs to be looked for."""


@dataclass(frozen=True)
class QuotaChanged(Event):
    """An activity's pool for a SKU has `units_left` (flash stock, group-buy stock)."""

    quota_id: int
    activity: str
    activity_id: int
    sku_id: int
    goods_id: int
    units_left: int
    status: str
