"""Money is integer fen (1 yuan = 100 fen) everywhere; yuan only when shown or typed by people."""

from __future__ import annotations

import re
from collections.abc import Sequence

_YUAN_PATTERN = re.compile(r"^(?P<int>[0-9]{1,9})(?:\.(?P<frac>[0-9]{1,2}))?$")


def split_fen(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` fen in proportion to `weights`; the parts always add up to `total`.

    Zero weights get zero unless every weight is zero, in which case the split is even.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    if not weights:
        return []
    base = sum(weights)
    if base <= 0:
        weights = [1] * len(weights)
        base = len(weights)
    parts = [total * w // base for w in weights]
    by_remainder = sorted(
        range(len(weights)), key=lambda i: (total * weights[i] % base, -i), reverse=True
    )
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def format_yuan(fen: int) -> str:
    """19990 -> '199.90', with integer maths only."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def parse_yuan(text: str) -> int:
    """'199.9' -> 19990. Raises ValueError for anything that is not a plain amount in yuan."""
    match = _YUAN_PATTERN.match(text.strip())
    if match is None:
        raise ValueError(f"not an amount in yuan: {text!r}")
    fraction = (match.group("frac") or "").ljust(2, "0")
    return int(match.group("int")) * 100 + int(fraction)
