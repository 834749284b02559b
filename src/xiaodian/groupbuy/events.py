"""What group buying tells others: a group filled or failed (after its members moved)."""

from __future__ import annotations

from dataclasses import dataclass

from xiaodian.events import Event


@dataclass(frozen=True)
class GroupFilled(Event):
    group_id: int
    campaign_id: int
    goods_id: int
    order_ids: tuple[int, ...]


@dataclass(frozen=True)
class GroupFailed(Event):
    group_id: int
    campaign_id: int
    goods_id: int
    refunded_order_ids: tuple[int, ...]
