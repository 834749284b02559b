"""Order numbers: readable, unique and sortable by time — 20 digits, shop-local time first.

`20261127173005123` + 3 random digits: date, time to the millisecond, then randomness that the
unique index backs up. Valid as a WeChat Pay `out_trade_no` (6–32 of [0-9A-Za-z_-|*]).
"""

from __future__ import annotations

from datetime import datetime

from xiaodian.core.clock import to_shop_time
from xiaodian.core.security import random_digits


def new_order_no(moment: datetime) -> str:
    local = to_shop_time(moment)
    return f"{local:%Y%m%d%H%M%S}{local.microsecond // 1000:03d}{random_digits(3)}"
