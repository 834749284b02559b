"""The order domain's hot statements in Core, built once (they run in every checkout's
transaction; building them per request cost more than running them)."""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, select

from xiaodian.models import Order, User
from xiaodian.orders.state import Status

_orders = cast(Table, Order.__table__)
_users = cast(Table, User.__table__)


@functools.cache
def lock_shoppers_statement() -> Select[Any]:
    """Shoppers `:user_ids`' rows, locked in id order until the transaction ends (one
    checkout's shopper, or several placed together: `limits.shoppers_at_unpaid_limit`)."""
    return (
        select(_users.c.id)
        .where(_users.c.id.in_(bindparam("user_ids", expanding=True)))
        .order_by(_users.c.id)
        .with_for_update()
    )


@functools.cache
def unpaid_counts_statement() -> Select[Any]:
    """How many of each of shoppers `:user_ids`' orders wait for payment and can still be paid
    (their deadline is after `:now`): (user_id, count), a row for each shopper who has any."""
    return (
        select(_orders.c.user_id, func.count(_orders.c.id))
        .where(
            _orders.c.user_id.in_(bindparam("user_ids", expanding=True)),
            _orders.c.status == Status.PENDING_PAYMENT,
            _orders.c.expires_at > bindparam("now"),
        )
        .group_by(_orders.c.user_id)
    )
