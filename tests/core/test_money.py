from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiaodian.core.money import format_yuan, parse_yuan, split_fen


@given(
    st.integers(min_value=0, max_value=10**9),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30),
)
def test_split_parts_always_add_up_and_stay_proportional(total: int, weights: list[int]) -> None:
    parts = split_fen(total, weights)
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)
    base = sum(weights)
    if base:
        for part, weight in zip(parts, weights, strict=True):
            assert abs(part - total * weight / base) < 1


def test_split_examples() -> None:
    assert split_fen(100, [1, 1, 1]) == [34, 33, 33]
    assert split_fen(1000, [2990, 990]) == [751, 249]
    assert split_fen(5, [0, 0]) == [3, 2]


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "0.00"), (5, "0.05"), (1990, "19.90"), (-250, "-2.50"), (100_000_000, "1000000.00")],
)
def test_yuan_formatting(fen: int, text: str) -> None:
    assert format_yuan(fen) == text
    if fen >= 0:
        assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "1.234", "-1", "1e3", "１２", "0x10"])
def test_yuan_parsing_refuses_anything_odd(text: str) -> None:
    with pytest.raises(ValueError):
        parse_yuan(text)
