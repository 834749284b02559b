"""Which promotion and which coupon a cart gets, as pricing adjustments (pure: no database).

Stacking: every running 满减 promotion applies by itself (a line counts toward at most one
promotion, the oldest whose scope holds it). At most one coupon; it stacks with the
promotions only if it says so (`stacks_with_promotions`), otherwise choosing it drops them.
Thresholds and percentages are measured on what the coupon's lines pay before it (after the
promotions when it stacks). Lines in `no_coupon_keys` (flash-sale or group-buy lines whose
campaign allows no coupon) never count toward a coupon nor take its share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from xiaodian import pricing
from xiaodian.coupons.words import CouponKind, ScopeType

NO_FREIGHT = pricing.FreightRule(freight_fen=0, free_threshold_fen=0)


@dataclass(frozen=True)
class Scope:
    type: ScopeType
    ids: frozenset[int] = frozenset()

    def holds_goods(self, goods_id: int, category_id: int) -> bool:
        if self.type == ScopeType.ALL:
            return True
        if self.type == ScopeType.CATEGORIES:
            return category_id in self.ids
        if self.type == ScopeType.GOODS:
            return goods_id in self.ids
        return goods_id not in self.ids

    def holds(self, line: pricing.PricingLine) -> bool:
        return self.holds_goods(line.goods_id, line.category_id)


@dataclass(frozen=True)
class Tier:
    threshold_fen: int
    discount_fen: int


@dataclass(frozen=True)
class PromotionTerms:
    id: int
    name: str
    scope: Scope
    tiers: tuple[Tier, ...]


@dataclass(frozen=True)
class CouponTerms:
    """A user coupon at checkout: `id` is the user coupon's id."""

    id: int
    name: str
    kind: CouponKind
    scope: Scope
    threshold_fen: int = 0
    discount_fen: int = 0
    percent_off: int = 0
    cap_fen: int = 0
    stacks_with_promotions: bool = False
    valid_from: datetime | None = None
    expires_at: datetime | None = None
    ended: bool = False


@dataclass(frozen=True)
class CouponOption:
    id: int
    usable: bool
    reason: str
    discount_fen: int
    total_discount_fen: int = 0


@dataclass(frozen=True)
class Offer:
    adjustments: tuple[pricing.Adjustment, ...]
    coupon_id: int | None
    options: tuple[CouponOption, ...] = field(default=())


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def promotion_adjustments(
    promotions: Sequence[PromotionTerms], lines: Sequence[pricing.PricingLine]
) -> list[pricing.Adjustment]:
    """Each promotion's best reached tier over its lines; a line counts for one promotion."""
    taken: set[int] = set()
    adjustments: list[pricing.Adjustment] = []
    for promotion in sorted(promotions, key=lambda p: p.id):
        keys = tuple(
            line.key for line in lines if line.key not in taken and promotion.scope.holds(line)
        )
        amount = sum(line.goods_total_fen for line in lines if line.key in keys)
        reached = [tier for tier in promotion.tiers if amount >= tier.threshold_fen]
        if not keys or not reached:
            continue
        best = max(reached, key=lambda tier: (tier.discount_fen, tier.threshold_fen))
        taken.update(keys)
        adjustments.append(
            pricing.Adjustment(
                kind=pricing.AdjustmentKind.PROMOTION,
                source_id=promotion.id,
                amount_fen=best.discount_fen,
                line_keys=keys,
                label=promotion.name,
            )
        )
    return adjustments


def _coupon_adjustment(
    coupon: CouponTerms, keys: tuple[int, ...], base_fen: int
) -> pricing.Adjustment:
    if coupon.kind == CouponKind.PERCENT:
        amount = base_fen * coupon.percent_off // 100
        if coupon.cap_fen:
            amount = min(amount, coupon.cap_fen)
    else:
        amount = coupon.discount_fen
    return pricing.Adjustment(
        kind=pricing.AdjustmentKind.COUPON,
        source_id=coupon.id,
        amount_fen=amount,
        line_keys=keys,
        label=coupon.name,
    )


def _paying(
    lines: Sequence[pricing.PricingLine], adjustments: Sequence[pricing.Adjustment]
) -> dict[int, int]:
    quote = pricing.price(lines, freight=NO_FREIGHT, adjustments=adjustments)
    return {line.key: line.pay_fen for line in quote.lines}


def evaluate_coupon(
    coupon: CouponTerms,
    lines: Sequence[pricing.PricingLine],
    *,
    promotions: Sequence[pricing.Adjustment],
    now: datetime,
    no_coupon_keys: frozenset[int] = frozenset(),
    activity: Sequence[pricing.Adjustment] = (),
) -> tuple[CouponOption, list[pricing.Adjustment]]:
    """The coupon on this cart: usable or why not, and the adjustments it would price with
    (`activity`'s own, e.g. a group price, always come first and are not among them)."""

    def unusable(reason: str) -> tuple[CouponOption, list[pricing.Adjustment]]:
        return CouponOption(id=coupon.id, usable=False, reason=reason, discount_fen=0), []

    if coupon.ended:
        return unusable("优惠券已停用")
    if coupon.expires_at is not None and coupon.expires_at <= now:
        return unusable("优惠券已过期")
    if coupon.valid_from is not None and coupon.valid_from > now:
        return unusable("未到使用时间")
    keys = tuple(
        line.key for line in lines if line.key not in no_coupon_keys and coupon.scope.holds(line)
    )
    if not keys:
        return unusable("不适用于该商品")
    before = list(promotions) if coupon.stacks_with_promotions else []
    paying = _paying(lines, [*activity, *before])
    base = sum(paying[key] for key in keys)
    if coupon.kind == CouponKind.THRESHOLD and base < coupon.threshold_fen:
        return unusable(f"差 ¥{yuan(coupon.threshold_fen - base)} 可用")
    adjustment = _coupon_adjustment(coupon, keys, base)
    quote = pricing.price(lines, freight=NO_FREIGHT, adjustments=[*activity, *before, adjustment])
    amount = quote.discount_of(pricing.AdjustmentKind.COUPON)
    if amount <= 0:
        return unusable("订单金额过低，无法使用")
    option = CouponOption(
        id=coupon.id,
        usable=True,
        reason="",
        discount_fen=amount,
        total_discount_fen=quote.discount_fen,
    )
    return option, [*before, adjustment]


class NotUsable(Exception):
    """The chosen coupon cannot be used on this cart (`reason` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


BEST = -1
"""`choice` for "pick the best coupon" (the request omitted `coupon_id`)."""


def offer(
    lines: Sequence[pricing.PricingLine],
    *,
    promotions: Sequence[PromotionTerms],
    coupons: Sequence[CouponTerms],
    choice: int | None,
    now: datetime,
    no_coupon_keys: frozenset[int] = frozenset(),
    activity: Sequence[pricing.Adjustment] = (),
) -> Offer:
    """The adjustments for a cart: the promotions plus the chosen coupon.

    `activity`: the adjustments an activity already prices the lines with (a group price);
    coupons are measured on what is paid after them, and they are not in the answer (the
    caller prices with them itself).

    `choice` is a user coupon id, None for no coupon, or BEST: the usable coupon that takes
    the most off in total (then the one expiring first), or none when no coupon beats the
    promotions alone. A chosen coupon that is not usable raises NotUsable.
    """
    promotion_adjs = promotion_adjustments(promotions, lines)
    alone = pricing.price(
        lines, freight=NO_FREIGHT, adjustments=[*activity, *promotion_adjs]
    ).discount_fen
    evaluated: dict[int, tuple[CouponOption, list[pricing.Adjustment]]] = {
        coupon.id: evaluate_coupon(
            coupon,
            lines,
            promotions=promotion_adjs,
            now=now,
            no_coupon_keys=no_coupon_keys,
            activity=activity,
        )
        for coupon in coupons
    }
    options = tuple(option for option, _ in evaluated.values())
    never = datetime.max.replace(tzinfo=now.tzinfo)
    expiry: Mapping[int, datetime] = {c.id: c.expires_at or never for c in coupons}
    if choice == BEST:
        usable = [option for option in options if option.usable]
        best = min(
            usable,
            key=lambda o: (
                -o.total_discount_fen,
                expiry[o.id] or datetime.max.replace(tzinfo=now.tzinfo),
                o.id,
            ),
            default=None,
        )
        choice = best.id if best is not None and best.total_discount_fen > alone else None
    if choice is None:
        return Offer(adjustments=tuple(promotion_adjs), coupon_id=None, options=options)
    if choice not in evaluated:
        raise NotUsable("优惠券不可用")
    option, adjustments = evaluated[choice]
    if not option.usable:
        raise NotUsable(option.reason)
    return Offer(adjustments=tuple(adjustments), coupon_id=choice, options=options)
