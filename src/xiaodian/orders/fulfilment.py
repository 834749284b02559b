"""How an order reaches the shopper beyond the shop's flat freight: a provider registered at
start-up (`xiaodian.receivers`; community delivery supplies it) prices the request's
`delivery` choice and holds what it needs (a slot's capacity) when the order is placed.

`orders` sits below `delivery`, so checkout asks through this registration and never imports
it; without a provider a `delivery` choice is ignored and the flat freight applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian import pricing
from xiaodian.models import Address, Order
from xiaodian.orders.schemas import DeliveryChoice, DeliveryPreview


@dataclass(frozen=True)
class Fulfilment:
    freight: pricing.FreightRule
    preview: DeliveryPreview


class Plan(Protocol):
    async def __call__(
        self, session: AsyncSession, *, address: Address | None, choice: DeliveryChoice
    ) -> Fulfilment:
        """Price the choice; raises a ShopError (out of zone, no such slot…) to refuse it."""
        ...


class Hold(Protocol):
    async def __call__(
        self, session: AsyncSession, *, order: Order, choice: DeliveryChoice, plan: Fulfilment
    ) -> None:
        """Record the order's delivery and take what it holds (atomically, or raise)."""
        ...


@dataclass(frozen=True)
class Provider:
    plan: Plan
    hold: Hold


_provider: list[Provider] = []


def register(provider: Provider) -> None:
    """Install the provider (a second registration replaces the first)."""
    _provider[:] = [provider]


def provider() -> Provider | None:
    return _provider[0] if _provider else None
