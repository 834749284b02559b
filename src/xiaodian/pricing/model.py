"""The pipeline's vocabulary: lines in, adjustments in, a quote out (all integer fen)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class AdjustmentKind(StrEnum):
    """What a reduction is; also the order in which checkout usually applies them."""

    FLASH = "flash"
    GROUP = "group"
    PROMOTION = "promotion"
    COUPON = "coupon"


@dataclass(frozen=True)
class PricingLine:
    """One SKU at checkout. `key` identifies the line in the quote (the SKU id at checkout)."""

    key: int
    goods_id: int
    category_id: int
    unit_price_fen: int
    quantity: int

    def __post_init__(self) -> None:
        if self.unit_price_fen < 0 or self.quantity <= 0:
            raise ValueError("a line needs a price of at least 0 and a quantity of at least 1")

    @property
    def goods_total_fen(self) -> int:
        return self.unit_price_fen * self.quantity


@dataclass(frozen=True)
class Adjustment:
    """A reduction of `amount_fen` off the lines in `line_keys` (all lines when empty).

    The pipeline caps it at what those lines still pay and splits it across them in
    proportion to their amounts; the caller never splits by hand.
    """

    kind: AdjustmentKind
    source_id: int
    amount_fen: int
    line_keys: tuple[int, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if self.amount_fen < 0:
            raise ValueError("an adjustment cannot add to the price")


@dataclass(frozen=True)
class FreightRule:
    """Flat freight, waived from `free_threshold_fen` up (0 means never waived)."""

    freight_fen: int
    free_threshold_fen: int

    def fee(self, amount_fen: int) -> int:
        """Freight for goods that cost `amount_fen` after every discount."""
        if self.free_threshold_fen and amount_fen >= self.free_threshold_fen:
            return 0
        return self.freight_fen


@dataclass(frozen=True)
class AppliedAdjustment:
    """An adjustment as it landed: how much it took off, and from which line how much."""

    adjustment: Adjustment
    amount_fen: int
    by_line: Mapping[int, int]


@dataclass(frozen=True)
class LineQuote:
    key: int
    goods_total_fen: int
    discount_fen: int
    pay_fen: int
    discounts: Mapping[AdjustmentKind, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Quote:
    lines: tuple[LineQuote, ...]
    applied: tuple[AppliedAdjustment, ...]
    goods_total_fen: int
    discount_fen: int
    freight_fen: int
    total_fen: int

    def discount_of(self, kind: AdjustmentKind) -> int:
        """The total taken off by adjustments of one kind (e.g. every coupon)."""
        return sum(a.amount_fen for a in self.applied if a.adjustment.kind == kind)

    def line(self, key: int) -> LineQuote:
        for line in self.lines:
            if line.key == key:
                return line
        raise KeyError(key)

    @property
    def payable_goods_fen(self) -> int:
        """What the goods cost after every discount (freight is decided on this)."""
        return self.goods_total_fen - self.discount_fen
