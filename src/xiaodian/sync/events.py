"""What the sync domain hands the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from xiaodian.events import Event


@dataclass(frozen=True)
class WebhookDue(Event):
    """A webhook delivery is to be sent (durable: retried with backoff until it is)."""

    delivery_id: int
