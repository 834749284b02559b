"""Events, receivers and the registry that connects them."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class Event:
    """Base of every domain event: subclasses are frozen dataclasses of plain values (ints,
    strings, tuples), so a durable event can be stored as JSON and rebuilt."""

    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = cls.__name__

    def to_payload(self) -> dict[str, Any]:
        return dataclasses.asdict(cast("DataclassInstance", self))

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Event:
        values = {key: tuple(v) if isinstance(v, list) else v for key, v in payload.items()}
        return cls(**values)


E = TypeVar("E", bound=Event)


class Mode(StrEnum):
    IN_TRANSACTION = "in_transaction"
    DURABLE = "durable"
    AFTER_COMMIT = "after_commit"


@dataclass(frozen=True)
class Receiver:
    event: type[Event]
    handler: Callable[..., Awaitable[None]]
    mode: Mode
    name: str
    """Stable name stored in outbox rows (module:function:Event); renaming one means
    rewriting its pending rows."""
    max_attempts: int = 30


class Registry:
    """Which receivers each event type has. Filled once at start-up by `xiaodian.receivers`."""

    def __init__(self) -> None:
        self._by_event: dict[type[Event], list[Receiver]] = {}
        self._by_name: dict[str, Receiver] = {}
        self.installed = False

    def add(
        self,
        event: type[E],
        handler: Callable[..., Awaitable[None]],
        mode: Mode,
        *,
        max_attempts: int = 30,
    ) -> Receiver:
        name = f"{handler.__module__}:{handler.__qualname__}:{event.name}"
        if name in self._by_name:
            raise ValueError(f"receiver {name} is registered twice")
        receiver = Receiver(event, handler, mode, name, max_attempts)
        self._by_event.setdefault(event, []).append(receiver)
        self._by_name[name] = receiver
        return receiver

    def remove(self, receiver: Receiver) -> None:
        """Forget one receiver (tests that add their own)."""
        self._by_event.get(receiver.event, []).remove(receiver)
        del self._by_name[receiver.name]

    def receivers(self, event: type[Event]) -> list[Receiver]:
        if not self.installed:
            raise RuntimeError("event receivers are not installed (xiaodian.receivers.install)")
        return self._by_event.get(event, [])

    def by_name(self, name: str) -> Receiver | None:
        return self._by_name.get(name)

    def all(self) -> list[Receiver]:
        return list(self._by_name.values())

    def clear(self) -> None:
        self._by_event.clear()
        self._by_name.clear()
        self.installed = False


registry = Registry()
