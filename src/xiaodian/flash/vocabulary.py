"""The flash sale's words, as the API sends them."""

from __future__ import annotations

from enum import StrEnum

ACTIVITY = "flash"
"""The `stock_quotas.activity` of a flash item's pool."""
ORDER_KIND = "flash"
"""`orders.kind` of an order placed at a flash price."""


TOO_FAST = "抢购太频繁，请稍后再试"
"""The 429 answer of the flash order route (per client address or per shopper)."""


class SessionStatus(StrEnum):
    UPCOMING = "upcoming"
    RUNNING = "running"
    ENDED = "ended"


class GateAnswer(StrEnum):
    """What the gate said to one request."""

    TAKEN = "taken"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    SOLD_OUT = "sold_out"
    LIMIT_REACHED = "limit_reached"
    FULL = "full"
    """The item's `max_participants` distinct buyers are in."""
    COLD = "cold"
    """The gate holds nothing for the item (new process, Redis restarted): rebuild it."""
