"""One pricing pipeline: lines, freight rule and adjustments in; per-line prices out.

Preview, order creation, after-sale refunds and the console all price through here, so the
parts of an order always add up to the fen the same way. Everything in this package is pure
(no database, no clock): callers gather the lines and the adjustments (promotions, coupons,
flash and group prices) and get back exactly what each line pays.
"""

from xiaodian.pricing.model import (
    Adjustment,
    AdjustmentKind,
    AppliedAdjustment,
    FreightRule,
    LineQuote,
    PricingLine,
    Quote,
)
from xiaodian.pricing.pipeline import price
from xiaodian.pricing.refunds import refund_share
from xiaodian.pricing.split import split_by_amounts

__all__ = [
    "Adjustment",
    "AdjustmentKind",
    "AppliedAdjustment",
    "FreightRule",
    "LineQuote",
    "PricingLine",
    "Quote",
    "price",
    "refund_share",
    "split_by_amounts",
]
