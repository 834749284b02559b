"""The pricing pipeline: parts add up to the fen, nothing goes negative, freight after discounts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaodian.pricing import (
    Adjustment,
    AdjustmentKind,
    FreightRule,
    PricingLine,
    price,
    refund_share,
    split_by_amounts,
)

NO_FREIGHT = FreightRule(freight_fen=0, free_threshold_fen=0)
FREIGHT = FreightRule(freight_fen=800, free_threshold_fen=9900)


def line(key: int, unit: int, quantity: int = 1) -> PricingLine:
    return PricingLine(key=key, goods_id=key, category_id=1, unit_price_fen=unit, quantity=quantity)


def test_no_adjustments_is_goods_plus_freight() -> None:
    quote = price([line(1, 1990, 2), line(2, 500)], freight=FREIGHT)
    assert quote.goods_total_fen == 4480
    assert quote.discount_fen == 0
    assert quote.freight_fen == 800
    assert quote.total_fen == 5280
    assert [q.pay_fen for q in quote.lines] == [3980, 500]


def test_discount_is_split_by_amount_rounded_down_remainder_to_the_largest_line() -> None:
    quote = price(
        [line(1, 100), line(2, 200), line(3, 400)],
        freight=NO_FREIGHT,
        adjustments=[Adjustment(kind=AdjustmentKind.COUPON, source_id=9, amount_fen=100)],
    )
    # 100 * 100/700 = 14.28 -> 14, 28.57 -> 28, 57.14 -> 57; 1 fen left goes to the 400 line
    assert [q.discount_fen for q in quote.lines] == [14, 28, 58]
    assert quote.discount_fen == 100
    assert quote.discount_of(AdjustmentKind.COUPON) == 100


def test_remainder_moves_on_when_the_largest_line_is_full() -> None:
    assert split_by_amounts(2, [1, 1, 1]) == [1, 1, 0]


def test_an_adjustment_on_some_lines_leaves_the_others_alone() -> None:
    quote = price(
        [line(1, 1000), line(2, 1000)],
        freight=NO_FREIGHT,
        adjustments=[
            Adjustment(kind=AdjustmentKind.COUPON, source_id=1, amount_fen=300, line_keys=(2,))
        ],
    )
    assert quote.line(1).discount_fen == 0
    assert quote.line(2).pay_fen == 700


def test_goods_never_cost_less_than_one_fen() -> None:
    quote = price(
        [line(1, 500)],
        freight=FREIGHT,
        adjustments=[Adjustment(kind=AdjustmentKind.COUPON, source_id=1, amount_fen=10_000)],
    )
    assert quote.discount_fen == 499
    assert quote.lines[0].pay_fen == 1
    assert quote.total_fen == 1 + 800


def test_freight_is_decided_after_discounts() -> None:
    lines = [line(1, 10_000)]
    assert price(lines, freight=FREIGHT).freight_fen == 0
    discounted = price(
        lines,
        freight=FREIGHT,
        adjustments=[Adjustment(kind=AdjustmentKind.PROMOTION, source_id=1, amount_fen=200)],
    )
    assert discounted.payable_goods_fen == 9800
    assert discounted.freight_fen == 800


def test_later_adjustments_apply_on_what_is_left() -> None:
    quote = price(
        [line(1, 990)],
        freight=NO_FREIGHT,
        adjustments=[
            Adjustment(kind=AdjustmentKind.FLASH, source_id=1, amount_fen=890),
            Adjustment(kind=AdjustmentKind.COUPON, source_id=2, amount_fen=500),
        ],
    )
    assert quote.applied[0].amount_fen == 890
    assert quote.applied[1].amount_fen == 99  # capped: the goods keep 1 fen
    assert quote.lines[0].discounts == {AdjustmentKind.FLASH: 890, AdjustmentKind.COUPON: 99}


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        price([], freight=NO_FREIGHT)
    with pytest.raises(ValueError):
        price([line(1, 1), line(1, 2)], freight=NO_FREIGHT)
    with pytest.raises(ValueError):
        Adjustment(kind=AdjustmentKind.COUPON, source_id=1, amount_fen=-1)
    with pytest.raises(ValueError):
        price(
            [line(1, 100)],
            freight=NO_FREIGHT,
            adjustments=[
                Adjustment(kind=AdjustmentKind.COUPON, source_id=1, amount_fen=1, line_keys=(7,))
            ],
        )


def test_refunding_a_line_in_parts_adds_up_to_what_it_paid() -> None:
    paid, refunded = 100, 0
    shares = []
    for refunded_units in range(3):
        share = refund_share(
            pay_fen=paid,
            quantity=3,
            refunded_fen=refunded,
            refunded_quantity=refunded_units,
            units=1,
        )
        shares.append(share)
        refunded += share
    assert shares == [33, 33, 34]
    with pytest.raises(ValueError):
        refund_share(pay_fen=100, quantity=3, refunded_fen=100, refunded_quantity=3, units=1)


lines_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=100_000), st.integers(min_value=1, max_value=50)),
    min_size=1,
    max_size=8,
)
adjustments_strategy = st.lists(
    st.tuples(
        st.sampled_from(list(AdjustmentKind)),
        st.integers(min_value=0, max_value=2_000_000),
        st.sets(st.integers(min_value=0, max_value=7)),
    ),
    max_size=4,
)


@given(
    raw_lines=lines_strategy,
    raw_adjustments=adjustments_strategy,
    freight=st.integers(0, 2000),
    threshold=st.integers(0, 50_000),
)
def test_parts_always_add_up_and_nothing_goes_negative(
    raw_lines: list[tuple[int, int]],
    raw_adjustments: list[tuple[AdjustmentKind, int, set[int]]],
    freight: int,
    threshold: int,
) -> None:
    lines = [line(index, unit, quantity) for index, (unit, quantity) in enumerate(raw_lines)]
    keys = {item.key for item in lines}
    adjustments = [
        Adjustment(
            kind=kind,
            source_id=number,
            amount_fen=amount,
            line_keys=tuple(sorted(targets & keys)),
        )
        for number, (kind, amount, targets) in enumerate(raw_adjustments)
    ]
    quote = price(
        lines,
        freight=FreightRule(freight_fen=freight, free_threshold_fen=threshold),
        adjustments=adjustments,
    )
    assert sum(q.discount_fen for q in quote.lines) == quote.discount_fen
    assert sum(a.amount_fen for a in quote.applied) == quote.discount_fen
    assert sum(q.pay_fen for q in quote.lines) == quote.goods_total_fen - quote.discount_fen
    assert quote.total_fen == quote.goods_total_fen - quote.discount_fen + quote.freight_fen
    for quoted in quote.lines:
        assert quoted.pay_fen >= 0
        assert quoted.discount_fen >= 0
        assert quoted.pay_fen + quoted.discount_fen == quoted.goods_total_fen
        assert sum(quoted.discounts.values()) == quoted.discount_fen
    for applied, asked in zip(quote.applied, adjustments, strict=True):
        assert 0 <= applied.amount_fen <= asked.amount_fen
        assert sum(applied.by_line.values()) == applied.amount_fen
    if quote.goods_total_fen > 0:
        assert quote.payable_goods_fen >= 1
    assert quote.freight_fen == (
        0 if threshold and quote.payable_goods_fen >= threshold else freight
    )


@given(
    total=st.integers(0, 10**7),
    amounts=st.lists(st.integers(0, 10**6), min_size=1, max_size=10),
)
def test_split_shares_add_up_and_stay_within_each_line(total: int, amounts: list[int]) -> None:
    total = min(total, sum(amounts))
    shares = split_by_amounts(total, amounts)
    assert sum(shares) == total
    assert all(0 <= share <= amount for share, amount in zip(shares, amounts, strict=True))
    base = sum(amounts)
    if base:
        # Never more than one rounding step away from the exact proportion, except the
        # line(s) that took the remainder.
        floors = [total * amount // base for amount in amounts]
        assert all(share >= floor for share, floor in zip(shares, floors, strict=True))
