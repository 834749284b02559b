"""In-process domain signals, so a domain can react to another's events without importing it.

`orders` sends `order_closed`; `payments` (a later domain) listens to close its prepay. Handlers
run inside the sender's transaction with the same session; anything that must wait for the
commit registers an after-commit hook itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

Receiver = Callable[..., Awaitable[None]]


class Signal:
    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Receiver] = []

    def connect(self, receiver: Receiver) -> Receiver:
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Receiver) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    async def send(self, session: AsyncSession, **payload: Any) -> None:
        """Call every receiver in order; an exception propagates and rolls the work back."""
        for receiver in list(self._receivers):
            await receiver(session, **payload)
