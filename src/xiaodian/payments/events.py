"""Payments' own events: money that must go back, prepays that must be closed remotely."""

from __future__ import annotations

from dataclasses import dataclass

from xiaodian.events import Event


@dataclass(frozen=True)
class RefundDue(Event):
    """An approved refund must be sent to its channel (retried until the channel answers)."""

    refund_id: int


@dataclass(frozen=True)
class PrepayClosed(Event):
    """A payment closed with its order: tell the channel, so it can no longer be paid."""

    payment_id: int
