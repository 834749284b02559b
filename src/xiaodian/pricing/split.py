"""Splitting a discount across lines so the parts add up to the fen."""

from __future__ import annotations

from collections.abc import Sequence


def split_by_amounts(total_fen: int, amounts: Sequence[int]) -> list[int]:
    """Split `total_fen` across lines in proportion to their `amounts`.

    Each share is rounded down; what rounding left over goes to the largest line (then the
    next largest, should the largest be full), so the shares add up to `total_fen` exactly
    and no line gets more than its amount. `total_fen` must not exceed `sum(amounts)`.
    """
    if total_fen < 0 or any(amount < 0 for amount in amounts):
        raise ValueError("amounts and the total must not be negative")
    base = sum(amounts)
    if total_fen > base:
        raise ValueError("cannot take more off than the lines cost")
    if total_fen == 0:
        return [0] * len(amounts)
    shares = [total_fen * amount // base for amount in amounts]
    left = total_fen - sum(shares)
    for index in sorted(range(len(amounts)), key=lambda i: (-amounts[i], i)):
        if left == 0:
            break
        room = amounts[index] - shares[index]
        extra = min(room, left)
        shares[index] += extra
        left -= extra
    return shares
