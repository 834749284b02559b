"""What the shop's settings tell the rest of the shop."""

from __future__ import annotations

from dataclasses import dataclass

from xiaodian.events import Event


@dataclass(frozen=True)
class ShopSettingsChanged(Event):
    """The merchant saved the shop's settings (name, notice, freight …): home and every goods
    page show some of them."""
