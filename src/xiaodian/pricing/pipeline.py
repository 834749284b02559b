"""The pipeline itself: apply adjustments in order, then freight, then the total."""

from __future__ import annotations

from collections.abc import Sequence

from xiaodian.pricing.model import (
    Adjustment,
    AdjustmentKind,
    AppliedAdjustment,
    FreightRule,
    LineQuote,
    PricingLine,
    Quote,
)
from xiaodian.pricing.split import split_by_amounts


def price(
    lines: Sequence[PricingLine],
    *,
    freight: FreightRule,
    adjustments: Sequence[Adjustment] = (),
) -> Quote:
    """Price a checkout.

    Adjustments apply in the order given, each on what its lines still pay after the ones
    before it, capped so that no line goes below 0 and the goods always cost at least 1 fen
    (a shopper never pays 0 for goods, so a payment can always be made and refunded).
    Freight is decided on the goods' amount after every discount. Guarantees: line
    discounts add up to the order's discount, line payments to the goods' amount after
    discounts, and total = goods - discount + freight.
    """
    if not lines:
        raise ValueError("nothing to price")
    keys = [line.key for line in lines]
    if len(set(keys)) != len(keys):
        raise ValueError("line keys must be unique")
    paying = {line.key: line.goods_total_fen for line in lines}
    per_kind: dict[int, dict[AdjustmentKind, int]] = {key: {} for key in keys}
    goods_total = sum(paying.values())
    applied: list[AppliedAdjustment] = []
    for adjustment in adjustments:
        targets = [key for key in keys if not adjustment.line_keys or key in adjustment.line_keys]
        unknown = set(adjustment.line_keys) - set(keys)
        if unknown:
            raise ValueError(f"adjustment names lines not in the checkout: {sorted(unknown)}")
        still_paid = sum(paying.values())
        room = min(sum(paying[key] for key in targets), max(still_paid - 1, 0))
        amount = min(adjustment.amount_fen, room)
        shares = split_by_amounts(amount, [paying[key] for key in targets])
        by_line = {key: share for key, share in zip(targets, shares, strict=True) if share}
        for key, share in by_line.items():
            paying[key] -= share
            kinds = per_kind[key]
            kinds[adjustment.kind] = kinds.get(adjustment.kind, 0) + share
        applied.append(AppliedAdjustment(adjustment=adjustment, amount_fen=amount, by_line=by_line))
    quoted = tuple(
        LineQuote(
            key=line.key,
            goods_total_fen=line.goods_total_fen,
            discount_fen=line.goods_total_fen - paying[line.key],
            pay_fen=paying[line.key],
            discounts=per_kind[line.key],
        )
        for line in lines
    )
    discount = goods_total - sum(paying.values())
    freight_fen = freight.fee(goods_total - discount)
    return Quote(
        lines=quoted,
        applied=tuple(applied),
        goods_total_fen=goods_total,
        discount_fen=discount,
        freight_fen=freight_fen,
        total_fen=goods_total - discount + freight_fen,
    )
