"""What a signed-in shopper's look at a goods item adds to it: whether it is among their
favorites, and a footprint in their history.

Favorites and footprints belong to `users` (they show goods cards, so users depends on the
catalog, never the other way round). `users` supplies a `Viewer`, registered once at start-up
in `xiaodian.receivers`; the goods detail route asks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.context import AppContext


class IsFavorite(Protocol):
    async def __call__(self, session: AsyncSession, *, user_id: int, goods_id: int) -> bool: ...


class RecordView(Protocol):
    async def __call__(self, context: AppContext, *, user_id: int, goods_id: int) -> None: ...


@dataclass(frozen=True)
class Viewer:
    is_favorite: IsFavorite
    record_view: RecordView
    """Runs after the response is sent, in its own transaction; may skip the footprint."""


_viewer: list[Viewer] = []


def register(viewer: Viewer) -> None:
    """Install the viewer (a second registration replaces the first)."""
    _viewer[:] = [viewer]


def viewer() -> Viewer:
    if not _viewer:
        raise RuntimeError("no goods viewer is registered (xiaodian.receivers.install)")
    return _viewer[0]
