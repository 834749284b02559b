"""Who did something: a shopper, a merchant account, an API key, or one of our own sweeps."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    BUYER = "buyer"
    MERCHANT = "merchant"
    API_KEY = "api_key"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """`id` is the shopper's, the merchant account's or the API key's id; `name` says which
    sweep or channel acted for the system ("close_unpaid_orders", "wechat")."""

    kind: ActorKind
    id: int | None = None
    name: str = ""

    @classmethod
    def buyer(cls, user_id: int) -> Actor:
        return cls(ActorKind.BUYER, user_id)

    @classmethod
    def merchant(cls, admin_id: int) -> Actor:
        return cls(ActorKind.MERCHANT, admin_id)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(ActorKind.SYSTEM, None, name)

    @property
    def ref(self) -> str:
        """A short stable reference for logs and events: "buyer:12", "system:reconcile"."""
        return f"{self.kind}:{self.id if self.id is not None else self.name}"
