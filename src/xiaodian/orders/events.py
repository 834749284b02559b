"""What happens to orders, as events other domains receive (see `xiaodian.receivers`)."""

from __future__ import annotations

from dataclasses import dataclass

from xiaodian.events import Event


@dataclass(frozen=True)
class OrderPlaced(Event):
    order_id: int
    user_id: int
    kind: str
    total_fen: int
    goods_ids: tuple[int, ...]


@dataclass(frozen=True)
class OrderPaid(Event):
    order_id: int
    user_id: int
    kind: str
    total_fen: int
    goods_ids: tuple[int, ...]


@dataclass(frozen=True)
class OrderShipped(Event):
    order_id: int
    user_id: int
    carrier: str
    tracking_no: str
    actor: str


@dataclass(frozen=True)
class TrackingChanged(Event):
    """The merchant corrected a shipped order's carrier or tracking number."""

    order_id: int
    user_id: int
    carrier: str
    tracking_no: str
    actor: str


@dataclass(frozen=True)
class DeliveryStarted(Event):
    """A rider took the order out (`paid → delivering`)."""

    order_id: int
    user_id: int
    actor: str


@dataclass(frozen=True)
class DeliveryFailed(Event):
    """The rider could not hand it over; the order is `paid` again (re-deliver or refund)."""

    order_id: int
    user_id: int
    reason: str
    actor: str


@dataclass(frozen=True)
class OrderCompleted(Event):
    order_id: int
    user_id: int
    actor: str


@dataclass(frozen=True)
class OrderClosed(Event):
    """An unpaid order closed (buyer, merchant or the unpaid sweep); its units went back."""

    order_id: int
    user_id: int
    kind: str
    reason: str
    actor: str
    goods_ids: tuple[int, ...]


@dataclass(frozen=True)
class RefundRequested(Event):
    order_id: int
    refund_id: int
    user_id: int
    amount_fen: int


@dataclass(frozen=True)
class RefundApproved(Event):
    """A refund may now be paid back: the channel must be asked (durable receivers)."""

    order_id: int
    refund_id: int
    amount_fen: int
    actor: str


@dataclass(frozen=True)
class RefundRejected(Event):
    order_id: int
    refund_id: int
    user_id: int
    reason: str


@dataclass(frozen=True)
class RefundSettled(Event):
    """The money of a refund went back to the shopper."""

    order_id: int
    refund_id: int
    user_id: int
    amount_fen: int
    kind: str
    goods_ids: tuple[int, ...]
