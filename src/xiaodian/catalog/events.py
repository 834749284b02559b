"""What the catalog tells the rest of the shop (after a merchant's edit commits)."""

from __future__ import annotations

from dataclasses import dataclass

from xiaodian.events import Event


@dataclass(frozen=True)
class GoodsEdited(Event):
    """A merchant changed a goods item's prices, SKUs or shelf state (read it again)."""

    goods_id: int
