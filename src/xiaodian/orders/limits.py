"""What one shopper may hold unpaid: a few orders, a bounded number of units of each SKU.

Without these, a single account can take a SKU's whole stock with unpaid orders and keep it
from everyone until they time out. The request rate of `POST /orders` is limited at the route
(`core.ratelimit`); these limits are checked inside the order's own transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.cart.errors import CartQuantityLimit
from xiaodian.config import Settings
from xiaodian.core import clock
from xiaodian.core.errors import Conflict
from xiaodian.orders.queries import lock_shoppers_statement, unpaid_counts_statement


class TooManyUnpaidOrders(Conflict):
    code = "too_many_unpaid_orders"
    default_message = "待支付的订单太多，请先支付或取消后再下单"


def check_units_per_sku(quantities: Mapping[int, int], *, settings: Settings) -> None:
    """Refuse (400 `quantity_limit`) more units of one SKU than one order may hold."""
    most = settings.max_units_per_sku_per_order
    for sku_id, quantity in quantities.items():
        if quantity > most:
            raise CartQuantityLimit(f"单件商品每单最多购买 {most} 件", sku_id=sku_id)


async def check_unpaid_orders(session: AsyncSession, *, user_id: int, settings: Settings) -> None:
    """Refuse (409 `too_many_unpaid_orders`) a new order from a shopper who already has the
    most unpaid orders allowed.

    The shopper's row is locked first, so two simultaneous checkouts of one shopper count one
    after the other and cannot both slip under the limit. An unpaid order past its deadline no
    longer counts: it can no longer be paid and the sweep is about to close it.
    """
    if user_id in await shoppers_at_unpaid_limit(session, user_ids=[user_id], settings=settings):
        most = settings.max_unpaid_orders_per_shopper
        raise TooManyUnpaidOrders(f"你已有 {most} 个待支付订单，请先支付或取消后再下单")


async def shoppers_at_unpaid_limit(
    session: AsyncSession, *, user_ids: Collection[int], settings: Settings
) -> set[int]:
    """The shoppers (of those whose orders are being placed) who already hold the most unpaid
    orders allowed. Their rows are locked first, in id order (so two groups cannot deadlock),
    and simultaneous checkouts of one shopper count one after the other."""
    ids = sorted(set(user_ids))
    await session.execute(lock_shoppers_statement(), {"user_ids": ids})
    counts = await session.execute(unpaid_counts_statement(), {"user_ids": ids, "now": clock.now()})
    most = settings.max_unpaid_orders_per_shopper
    return {user_id for user_id, unpaid in counts if unpaid >= most}
