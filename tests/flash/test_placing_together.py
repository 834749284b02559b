"""A flash sale's winners placed together in one transaction (`service.place_winners`): the
same orders, rows and pool as one by one, each buyer left out of the group whose own checkout
would refuse (then placed alone, with its reason), and a group the database refuses placed
one by one."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.flash.helpers import buyer, grab
from tests.flash.test_flash_sales import START, _setup
from tests.statements import statements
from xiaodian.auth.deps import live_shoppers
from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.actors import Actor
from xiaodian.core.errors import ShopError, Unauthorized
from xiaodian.core.security import hash_token
from xiaodian.flash import service as flash
from xiaodian.flash.runtime import runtime
from xiaodian.models import (
    Address,
    FlashItem,
    FlashPurchase,
    Order,
    OrderEvent,
    OrderLine,
    StockQuota,
    User,
)
from xiaodian.orders import actions
from xiaodian.orders.checkout import build_order, checkout_lines, price_lines
from xiaodian.orders.limits import shoppers_at_unpaid_limit
from xiaodian.orders.schemas import OrderOut


async def _winner(
    client: httpx.AsyncClient,
    context: AppContext,
    openid: str,
    item_id: int,
    *,
    headers: dict[str, str] | None = None,
    address_id: int | None = None,
) -> flash.Winner:
    """A shopper who has passed the gate for one unit, as the route would hand them over."""
    if headers is None:
        headers, own_address = await buyer(client, context, openid)
        address_id = address_id or own_address
    assert address_id is not None
    token = headers["Authorization"].removeprefix("Bearer ")
    token_hash = hash_token(token)
    async with context.db.transaction(write=False) as session:
        user_id = await session.scalar(select(User.id).where(User.openid == openid))
    assert user_id is not None
    rule = await flash.pass_gate(context, item_id=item_id, user_id=user_id, quantity=1)

    async def confirm_buyer(session: AsyncSession) -> int:
        if (await live_shoppers(session, [token_hash])).get(token_hash) != user_id:
            raise Unauthorized("登录已过期，请重新登录", reason="token_invalid")
        return user_id

    return flash.Winner(
        rule=rule,
        user_id=user_id,
        token_hash=token_hash,
        quantity=1,
        address_id=address_id,
        confirm_buyer=confirm_buyer,
    )


async def _pool_left(context: AppContext, item_id: int) -> int:
    async with context.db.transaction(write=False) as session:
        left = await session.scalar(
            select(StockQuota.units_left)
            .join(FlashItem, FlashItem.quota_id == StockQuota.id)
            .where(FlashItem.id == item_id)
        )
    assert left is not None
    return int(left)


def _code(outcome: OrderOut | Exception) -> str:
    return outcome.code if isinstance(outcome, ShopError) else type(outcome).__name__


async def test_winners_placed_together_get_the_orders_they_would_have_got_alone(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, _ = await _setup(client, context, flash_stock=5)
    clock.freeze(START)
    winners = [await _winner(client, context, f"together-{n}", item_id) for n in range(4)]
    answered: list[int] = []

    def settle(index: int, order: OrderOut) -> None:
        answered.append(index)

    with statements(context) as sent:
        outcomes = await flash.place_winners(context, item_id, winners, settle)
    orders = [outcome for outcome in outcomes if isinstance(outcome, OrderOut)]
    assert len(orders) == 4, [_code(outcome) for outcome in outcomes]
    assert sent.count("COMMIT") == 1  # one transaction for the four
    order_inserts = [statement for statement in sent if statement.startswith("INSERT INTO orders ")]
    # one statement for the four orders where the database numbers rows in order for
    # RETURNING (SQLAlchemy sends SQLite's one by one)
    assert len(order_inserts) == (4 if context.db.dialect == "sqlite" else 1)
    assert sorted(answered) == [0, 1, 2, 3]  # answered at the commit, before its side effects
    assert len({order.order_no for order in orders}) == 4
    for order, winner in zip(orders, winners, strict=True):
        assert order.kind == "flash"
        assert order.status == "pending_payment"
        assert order.goods_total_fen == 2990
        assert order.discount_fen == 2890
        assert order.total_fen == 100 + order.freight_fen
        assert [entry.note for entry in order.timeline] == ["提交订单"]
        assert order.lines[0].pay_fen == 100
        async with context.db.transaction(write=False) as session:
            stored = await session.get(Order, order.id)
            assert stored is not None and stored.user_id == winner.user_id
    assert await _pool_left(context, item_id) == 1
    async with context.db.transaction(write=False) as session:
        purchases = dict(
            (await session.execute(select(FlashPurchase.user_id, FlashPurchase.units))).all()
        )
        events = await session.scalar(select(func.count(OrderEvent.id)))
        lines = await session.scalar(select(func.count(OrderLine.id)))
    assert purchases == {winner.user_id: 1 for winner in winners}
    assert (events, lines) == (4, 4)
    # the gate and the database agree: one unit left for the next buyer, none for these
    assert await runtime(context).gate.stock_left(item_id) == 1
    headers, address_id = await buyer(client, context, "after-the-group")
    assert (await grab(client, headers, item_id, address_id)).status_code == 201


async def test_who_their_own_checkout_would_refuse_is_placed_alone_and_told_why(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, _ = await _setup(client, context, flash_stock=8, per_user_limit=2)
    clock.freeze(START)
    good_headers, good_address = await buyer(client, context, "mix-good-1")
    first = await _winner(
        client, context, "mix-good-1", item_id, headers=good_headers, address_id=good_address
    )
    second = await _winner(client, context, "mix-good-2", item_id)
    again_headers, again_address = await buyer(client, context, "mix-again")
    assert (await grab(client, again_headers, item_id, again_address)).status_code == 201
    bought_before = await _winner(
        client, context, "mix-again", item_id, headers=again_headers, address_id=again_address
    )
    stranger_headers, _ = await buyer(client, context, "mix-stranger")
    someone_elses = await _winner(
        client, context, "mix-stranger", item_id, headers=stranger_headers, address_id=good_address
    )
    out_headers, out_address = await buyer(client, context, "mix-out")
    signed_out = await _winner(
        client, context, "mix-out", item_id, headers=out_headers, address_id=out_address
    )
    assert (await client.post("/api/v1/auth/logout", headers=out_headers)).status_code == 204
    twice = await _winner(  # the same buyer's second request, in the same group
        client, context, "mix-good-1", item_id, headers=good_headers, address_id=good_address
    )
    group = [first, second, bought_before, someone_elses, signed_out, twice]
    async with context.db.transaction() as session:
        together = await flash.place_together(
            session, item_id=item_id, winners=group, defaults=context.settings
        )
    assert sorted(together) == [0, 1]  # everyone else is left out of the group
    rest = [bought_before, someone_elses, signed_out, twice]
    outcomes = await flash.place_winners(context, item_id, rest, lambda index, order: None)
    assert [_code(outcome) for outcome in outcomes] == [
        "OrderOut",  # their second unit, within the limit of 2
        "address_not_found",
        "unauthorized",
        "OrderOut",
    ]
    # 1 before, 2 together, 2 alone; the refused units are back at the gate
    assert await _pool_left(context, item_id) == 8 - 5
    assert await runtime(context).gate.stock_left(item_id) == 8 - 5


async def test_a_group_the_pool_cannot_cover_is_placed_one_by_one(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    _admin, _sku, item_id, _ = await _setup(client, context, flash_stock=5)
    clock.freeze(START)
    winners = [await _winner(client, context, f"short-{n}", item_id) for n in range(5)]
    # The gate let five through, but the database holds two (as after a crash the gate did
    # not see): the group's commit is refused, and each is placed alone.
    async with context.db.transaction() as session:
        quota_id = await session.scalar(select(FlashItem.quota_id).where(FlashItem.id == item_id))
        await session.execute(
            update(StockQuota).where(StockQuota.id == quota_id).values(units_left=2)
        )
    outcomes = await flash.place_winners(context, item_id, winners, lambda index, order: None)
    codes = [_code(outcome) for outcome in outcomes]
    assert codes.count("OrderOut") == 2, codes
    assert codes.count("flash_sold_out") == 3, codes
    assert await _pool_left(context, item_id) == 0
    async with context.db.transaction(write=False) as session:
        purchases = await session.scalar(select(func.count(FlashPurchase.id)))
        orders = await session.scalar(select(func.count(Order.id)))
    assert (purchases, orders) == (2, 2)
    assert await runtime(context).gate.stock_left(item_id) == 0  # tightened


async def test_orders_made_together_never_share_a_number(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    goods = await factories.make_goods(context, stock=10, prices=[500])
    sku_id = goods["sku_ids"][0]
    headers, address_id = await buyer(client, context, "numbers")
    existing = await factories.place_order(client, headers, sku_id=sku_id, address_id=address_id)
    async with context.db.transaction() as session:
        user = await session.scalar(select(User).where(User.openid == "numbers"))
        assert user is not None
        address = await session.get(Address, address_id)
        assert address is not None
        lines = await checkout_lines(session, {sku_id: 1})
        priced = await price_lines(session, lines=lines, defaults=context.settings)
        orders = [
            build_order(
                user_id=user.id,
                address=address,
                priced=priced,
                note="",
                unpaid_minutes=30,
                kind="normal",
            )
            for _ in range(3)
        ]
        for order in orders:
            order.order_no = existing["order_no"]  # all the same, and already taken
        await actions.place_many(session, orders=orders, by=[Actor.buyer(user.id)] * 3)
    numbers = {order.order_no for order in orders}
    assert len(numbers) == 3
    assert existing["order_no"] not in numbers


@pytest.mark.parametrize("unpaid", [0, 1])
async def test_shoppers_at_the_unpaid_limit_are_named(
    client: httpx.AsyncClient, context: AppContext, unpaid: int
) -> None:
    goods = await factories.make_goods(context, stock=10, prices=[500])
    headers, address_id = await buyer(client, context, "unpaid")
    for _ in range(unpaid):
        await factories.place_order(
            client, headers, sku_id=goods["sku_ids"][0], address_id=address_id
        )
    strict = context.settings.model_copy(update={"max_unpaid_orders_per_shopper": 1})
    async with context.db.transaction() as session:
        user_id = await session.scalar(select(User.id).where(User.openid == "unpaid"))
        assert user_id is not None
        named = await shoppers_at_unpaid_limit(session, user_ids=[user_id, 10**9], settings=strict)
    assert named == ({user_id} if unpaid else set())
