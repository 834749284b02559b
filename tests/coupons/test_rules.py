"""The offer for random carts: every split adds up to the fen, no line below 0, the goods
never below 1 fen, and the stacking rules hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from xiaodian import pricing
from xiaodian.coupons import rules
from xiaodian.coupons.words import CouponKind, ScopeType

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
FREIGHT = pricing.FreightRule(freight_fen=800, free_threshold_fen=9900)

carts = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=50_000),  # unit price (0: a free gift)
        st.integers(min_value=1, max_value=9),  # quantity
        st.integers(min_value=1, max_value=3),  # category
    ),
    min_size=1,
    max_size=8,
).filter(lambda cart: sum(price * quantity for price, quantity, _ in cart) > 0)

coupons = st.builds(
    rules.CouponTerms,
    id=st.integers(min_value=1, max_value=5),
    name=st.just("券"),
    kind=st.sampled_from(list(CouponKind)),
    scope=st.sampled_from(
        [
            rules.Scope(ScopeType.ALL),
            rules.Scope(ScopeType.CATEGORIES, frozenset({1})),
            rules.Scope(ScopeType.ALL_EXCEPT, frozenset({101})),
        ]
    ),
    threshold_fen=st.integers(min_value=0, max_value=200_000),
    discount_fen=st.integers(min_value=1, max_value=500_000),
    percent_off=st.integers(min_value=1, max_value=99),
    cap_fen=st.integers(min_value=0, max_value=50_000),
    stacks_with_promotions=st.booleans(),
    expires_at=st.just(NOW + timedelta(days=1)),
)

promotions = st.lists(
    st.builds(
        rules.PromotionTerms,
        id=st.integers(min_value=1, max_value=1000),
        name=st.just("满减"),
        scope=st.sampled_from(
            [rules.Scope(ScopeType.ALL), rules.Scope(ScopeType.CATEGORIES, frozenset({2}))]
        ),
        tiers=st.lists(
            st.builds(
                rules.Tier,
                threshold_fen=st.integers(min_value=1, max_value=100_000),
                discount_fen=st.integers(min_value=1, max_value=200_000),
            ),
            min_size=1,
            max_size=3,
        ).map(tuple),
    ),
    max_size=2,
    unique_by=lambda p: p.id,
)


def lines_of(cart: list[tuple[int, int, int]]) -> list[pricing.PricingLine]:
    return [
        pricing.PricingLine(
            key=index + 1,
            goods_id=100 + index,
            category_id=category,
            unit_price_fen=price,
            quantity=quantity,
        )
        for index, (price, quantity, category) in enumerate(cart)
    ]


@settings(max_examples=300, deadline=None)
@given(cart=carts, held=st.lists(coupons, max_size=4, unique_by=lambda c: c.id), promos=promotions)
def test_every_offer_splits_to_the_fen_and_never_below_zero(
    cart: list[tuple[int, int, int]],
    held: list[rules.CouponTerms],
    promos: list[rules.PromotionTerms],
) -> None:
    lines = lines_of(cart)
    offer = rules.offer(lines, promotions=promos, coupons=held, choice=rules.BEST, now=NOW)
    quote = pricing.price(lines, freight=FREIGHT, adjustments=offer.adjustments)
    assert sum(line.discount_fen for line in quote.lines) == quote.discount_fen
    assert all(0 <= line.pay_fen <= line.goods_total_fen for line in quote.lines)
    assert sum(line.pay_fen for line in quote.lines) == quote.payable_goods_fen >= 1
    assert quote.total_fen == quote.goods_total_fen - quote.discount_fen + quote.freight_fen
    for applied in quote.applied:
        assert sum(applied.by_line.values()) == applied.amount_fen
    coupons_used = [a for a in offer.adjustments if a.kind == pricing.AdjustmentKind.COUPON]
    assert len(coupons_used) <= 1  # two coupons never stack
    if coupons_used:
        chosen = next(c for c in held if c.id == offer.coupon_id)
        promotion_used = any(a.kind == pricing.AdjustmentKind.PROMOTION for a in offer.adjustments)
        assert chosen.stacks_with_promotions or not promotion_used
    # the best coupon is never worse than no coupon, nor than any other usable one
    without = rules.offer(lines, promotions=promos, coupons=held, choice=None, now=NOW)
    best_total = pricing.price(lines, freight=FREIGHT, adjustments=offer.adjustments).discount_fen
    assert (
        best_total
        >= pricing.price(lines, freight=FREIGHT, adjustments=without.adjustments).discount_fen
    )
    for option in offer.options:
        if option.usable:
            assert best_total >= option.total_discount_fen


def test_a_no_coupon_line_neither_counts_toward_the_threshold_nor_takes_a_share() -> None:
    lines = lines_of([(6000, 1, 1), (6000, 1, 1)])
    threshold = rules.CouponTerms(
        id=1,
        name="满99减10",
        kind=CouponKind.THRESHOLD,
        scope=rules.Scope(ScopeType.ALL),
        threshold_fen=9900,
        discount_fen=1000,
    )
    open_offer = rules.offer(lines, promotions=[], coupons=[threshold], choice=rules.BEST, now=NOW)
    assert open_offer.coupon_id == 1
    flash = rules.offer(
        lines,
        promotions=[],
        coupons=[threshold],
        choice=rules.BEST,
        now=NOW,
        no_coupon_keys=frozenset({2}),
    )
    assert flash.coupon_id is None
    assert flash.options[0].reason == "差 ¥39.00 可用"


def test_the_best_of_equal_coupons_is_the_one_expiring_first() -> None:
    lines = lines_of([(10_000, 1, 1)])

    def five_off(coupon_id: int, days: int) -> rules.CouponTerms:
        return rules.CouponTerms(
            id=coupon_id,
            name="无门槛",
            kind=CouponKind.NO_THRESHOLD,
            scope=rules.Scope(ScopeType.ALL),
            discount_fen=500,
            expires_at=NOW + timedelta(days=days),
        )

    offer = rules.offer(
        lines, promotions=[], coupons=[five_off(1, 9), five_off(2, 3)], choice=rules.BEST, now=NOW
    )
    assert offer.coupon_id == 2
