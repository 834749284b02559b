"""The shopper's cart. Prices are always current; lines with a problem are flagged, not hidden."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.deps import checked_shopper
from xiaodian.cart.errors import CartFull, CartItemNotFound, CartQuantityLimit
from xiaodian.cart.queries import (
    add_lookup_statement,
    cart_rows_statement,
    line_increment_statement,
    line_lookup_statement,
    line_update_statement,
)
from xiaodian.cart.schemas import CartOut
from xiaodian.catalog.errors import GoodsOffShelf, SkuNotFound
from xiaodian.catalog.queries import CARD_IMAGE_WIDTH, spec_text
from xiaodian.core import urls
from xiaodian.core.db import affected
from xiaodian.inventory.errors import OutOfStock
from xiaodian.models import CartItem

MAX_LINES = 100
MAX_QUANTITY = 999


async def get_cart(session: AsyncSession, *, user_id: int) -> CartOut:
    return CartOut.model_validate(await cart_answer(session, user_id=user_id))


async def cart_answer(session: AsyncSession, *, user_id: int) -> dict[str, Any]:
    """The whole cart as `CartOut` has it, from one Core query (no ORM objects): what every
    cart change answers with, so it must be cheap."""
    lines: list[dict[str, Any]] = []
    for row in await session.execute(cart_rows_statement(), {"user_id": user_id}):
        image = row.image_url or row.cover or ""
        lines.append(
            {
                "id": row.id,
                "sku_id": row.sku_id,
                "goods_id": row.goods_id,
                "title": row.title,
                "spec_text": spec_text(row.spec_values),
                "image_url": urls.sized(image, CARD_IMAGE_WIDTH) if image else "",
                "price_fen": row.price_fen,
                "quantity": row.quantity,
                "selected": bool(row.selected),
                "stock": row.stock,
                "is_available": bool(row.is_active and row.is_on_shelf and row.deleted_at is None),
                "stock_short": row.quantity > row.stock,
                "line_total_fen": row.price_fen * row.quantity,
            }
        )
    chosen = [line for line in lines if line["selected"] and line["is_available"]]
    available = [line for line in lines if line["is_available"]]
    return {
        "items": lines,
        "selected_quantity": sum(line["quantity"] for line in chosen),
        "selected_total_fen": sum(line["line_total_fen"] for line in chosen),
        "all_selected": bool(available) and all(line["selected"] for line in available),
    }


async def cart_json(session: AsyncSession, *, user_id: int) -> bytes:
    return orjson.dumps(await cart_answer(session, user_id=user_id))


def _check_stock(sku_id: int, stock: int, quantity: int) -> None:
    if quantity > stock:
        raise OutOfStock(f"库存不足，仅剩 {stock} 件", sku_id=sku_id, stock=stock)


async def add_item(
    session: AsyncSession, *, asking: Mapping[str, Any], sku_id: int, quantity: int
) -> int:
    """Add units of a SKU (joining an existing line), within stock and cart limits, for the
    shopper whose token `asking` binds (`auth.deps.TokenParams`); their id.

    One read (who is asking, the SKU, its goods, the shopper's line for it and their line
    count), then one write: an increment guarded in its WHERE, so two adds at once both
    count."""
    found = (await session.execute(add_lookup_statement(), {**asking, "sku_id": sku_id})).first()
    user_id = checked_shopper(found)
    if found.stock is None or found.deleted_at is not None:
        raise SkuNotFound()
    if not (found.is_active and found.is_on_shelf):
        raise GoodsOffShelf()
    total = quantity + (found.line_quantity or 0)
    if total > MAX_QUANTITY:
        raise CartQuantityLimit()
    _check_stock(sku_id, found.stock, total)
    if found.line_id is not None:
        cap = min(MAX_QUANTITY, found.stock)
        changed = await session.execute(
            line_increment_statement(),
            {"line_id": found.line_id, "units": quantity, "cap": cap},
        )
        if affected(changed) == 0:  # another add to this line came first and used it up
            if cap == found.stock:
                _check_stock(sku_id, found.stock, cap + 1)
            raise CartQuantityLimit()
        return user_id
    if (found.line_count or 0) >= MAX_LINES:
        raise CartFull()
    try:
        async with session.begin_nested():
            session.add(CartItem(user_id=user_id, sku_id=sku_id, quantity=total, selected=True))
            await session.flush()
    except IntegrityError:  # the same SKU was added at the same moment: add to that line
        existing = await session.scalar(
            select(CartItem).where(CartItem.user_id == user_id, CartItem.sku_id == sku_id)
        )
        if existing is None:
            raise
        existing.quantity = min(existing.quantity + quantity, MAX_QUANTITY, found.stock)
        await session.flush()
    return user_id


async def _own_item(session: AsyncSession, user_id: int, item_id: int) -> CartItem:
    item = await session.scalar(
        select(CartItem).where(CartItem.id == item_id, CartItem.user_id == user_id)
    )
    if item is None:
        raise CartItemNotFound()
    return item


async def update_item(
    session: AsyncSession,
    *,
    asking: Mapping[str, Any],
    item_id: int,
    quantity: int | None,
    selected: bool | None,
) -> int:
    """Set a line's quantity and/or selection for the shopper whose token `asking` binds;
    their id. One read (who is asking, the line with its SKU and goods) and one UPDATE. More
    units than before must still be on sale and in stock."""
    line = (await session.execute(line_lookup_statement(), {**asking, "line_id": item_id})).first()
    user_id = checked_shopper(line)
    if line.line_id is None:
        raise CartItemNotFound()
    if quantity is not None and quantity > line.quantity:
        if line.deleted_at is not None:
            raise SkuNotFound()
        if not (line.is_active and line.is_on_shelf):
            raise GoodsOffShelf()
        _check_stock(line.sku_id, line.stock, quantity)
    await session.execute(
        line_update_statement(quantity=quantity is not None, selected=selected is not None),
        {
            "line_id": item_id,
            "owner_id": user_id,
            "new_quantity": quantity,
            "new_selected": selected,
        },
    )
    return user_id


async def delete_item(session: AsyncSession, *, user_id: int, item_id: int) -> None:
    item = await _own_item(session, user_id, item_id)
    await session.delete(item)
    await session.flush()


async def select_all(session: AsyncSession, *, user_id: int, selected: bool) -> None:
    await session.execute(
        update(CartItem).where(CartItem.user_id == user_id).values(selected=selected)
    )


async def selected_quantities(session: AsyncSession, *, user_id: int) -> dict[int, int]:
    """{sku_id: quantity} of the selected lines, for checkout."""
    rows = await session.execute(
        select(CartItem.sku_id, CartItem.quantity).where(
            CartItem.user_id == user_id, CartItem.selected.is_(True)
        )
    )
    return {sku_id: quantity for sku_id, quantity in rows}


async def remove_skus(session: AsyncSession, *, user_id: int, sku_ids: Iterable[int]) -> None:
    """Drop lines that were just ordered."""
    await session.execute(
        delete(CartItem).where(CartItem.user_id == user_id, CartItem.sku_id.in_(list(sku_ids)))
    )
