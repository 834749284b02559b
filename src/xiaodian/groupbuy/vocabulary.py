"""The group-buying words, as stored and sent (a member is added, never renamed)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

ACTIVITY = "group_buy"
"""The `stock_quotas.activity` of a campaign's pools."""
ORDER_KIND = "group"
"""`orders.kind` of a group order."""


class CampaignStatus(StrEnum):
    RUNNING = "running"
    """Accepting groups between `starts_at` and `ends_at`."""
    ENDED = "ended"
    """Ended by the merchant or by the end sweep; its pools went back to the SKUs."""


class GroupStatus(StrEnum):
    PENDING = "pending"
    """Opened by a leader who has not paid yet: invisible, no timer."""
    FORMING = "forming"
    """The leader paid: visible, joinable until `expires_at`."""
    FILLED = "filled"
    FAILED = "failed"
    CANCELLED = "cancelled"
    """The leader's order closed unpaid: the group never opened."""


FINAL_GROUPS: tuple[GroupStatus, ...] = (
    GroupStatus.FILLED,
    GroupStatus.FAILED,
    GroupStatus.CANCELLED,
)
GROUP_STATUS_TEXT: Mapping[str, str] = {
    GroupStatus.PENDING: "待团长支付",
    GroupStatus.FORMING: "拼团中",
    GroupStatus.FILLED: "拼团成功",
    GroupStatus.FAILED: "拼团失败",
    GroupStatus.CANCELLED: "未开团",
}


class SeatStatus(StrEnum):
    RESERVED = "reserved"
    """The member's order exists and is not paid yet."""
    PAID = "paid"
    RELEASED = "released"
    """The order closed unpaid; the seat number is free again."""
    REFUNDED = "refunded"
    """Paid, but the group failed (or filled without it): the money goes back."""


HOLDING: tuple[SeatStatus, ...] = (SeatStatus.RESERVED, SeatStatus.PAID)
"""Seats that count against the group's size and the shopper's per-campaign limit."""

FAILED_REASON = "拼团失败"
