"""What a line gives back when some of its units are refunded."""

from __future__ import annotations


def refund_share(
    *, pay_fen: int, quantity: int, refunded_fen: int, refunded_quantity: int, units: int
) -> int:
    """The money for `units` more units of a line that paid `pay_fen` for `quantity`.

    A line refunds what it paid (after its discount share), never its list price: a share
    pro rata by quantity, rounded down, and the last units take what is left, so refunding
    a line in parts adds up to exactly what it paid.
    """
    remaining = quantity - refunded_quantity
    if units <= 0 or units > remaining:
        raise ValueError(f"can refund 1 to {remaining} units, not {units}")
    if units == remaining:
        return pay_fen - refunded_fen
    return pay_fen * units // quantity
