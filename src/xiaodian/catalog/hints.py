"""The stock hint shoppers read next to a number: "仅剩 3 件" when few are left, "已售罄" at 0."""

from __future__ import annotations

DEFAULT_BELOW = 10
_below = DEFAULT_BELOW


def configure(below: int) -> None:
    """The shop's threshold (`XIAODIAN_STOCK_HINT_BELOW`): a hint when stock is below it."""
    global _below
    _below = max(int(below), 0)


def threshold() -> int:
    return _below


def stock_hint(stock: int) -> str:
    """ "已售罄" at 0, "仅剩 N 件" for 0 < N < the threshold, else ""."""
    if stock <= 0:
        return "已售罄"
    if stock < _below:
        return f"仅剩 {stock} 件"
    return ""
