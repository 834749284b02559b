"""What reviews tell the rest of the shop."""

from __future__ import annotations

from dataclasses import dataclass

from xiaodian.events import Event


@dataclass(frozen=True)
class ReviewsChanged(Event):
    """Reviews of these goods were written, replied to, hidden or shown (their details show
    the summary and the newest reviews)."""

    goods_ids: tuple[int, ...]
