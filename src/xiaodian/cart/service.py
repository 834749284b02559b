"""The shopper's cart. Prices are always current; lines with a problem are flagged, not hidden."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.cart.errors import CartFull, CartItemNotFound, CartQuantityLimit
from xiaodian.cart.schemas import CartLineOut, CartOut
from xiaodian.catalog.errors import GoodsOffShelf, SkuNotFound
from xiaodian.catalog.queries import (
    CARD_IMAGE_WIDTH,
    is_purchasable,
    sku_rows_select,
    spec_text,
)
from xiaodian.core import urls
from xiaodian.inventory.errors import OutOfStock
from xiaodian.models import CartItem, Goods, Sku

MAX_LINES = 100
MAX_QUANTITY = 999


async def get_cart(session: AsyncSession, *, user_id: int) -> CartOut:
    rows = await session.execute(
        sku_rows_select()
        .add_columns(CartItem)
        .join(CartItem, CartItem.sku_id == Sku.id)
        .where(CartItem.user_id == user_id)
        .order_by(CartItem.updated_at.desc(), CartItem.id.desc())
    )
    lines: list[CartLineOut] = []
    for sku, goods, cover, item in rows:
        image = sku.image_url or cover or ""
        lines.append(
            CartLineOut(
                id=item.id,
                sku_id=sku.id,
                goods_id=goods.id,
                title=goods.title,
                spec_text=spec_text(sku.spec_values),
                image_url=urls.sized(image, CARD_IMAGE_WIDTH) if image else "",
                price_fen=sku.price_fen,
                quantity=item.quantity,
                selected=item.selected,
                stock=sku.stock,
                is_available=is_purchasable(sku, goods),
                stock_short=item.quantity > sku.stock,
                line_total_fen=sku.price_fen * item.quantity,
            )
        )
    chosen = [line for line in lines if line.selected and line.is_available]
    available = [line for line in lines if line.is_available]
    return CartOut(
        items=lines,
        selected_quantity=sum(line.quantity for line in chosen),
        selected_total_fen=sum(line.line_total_fen for line in chosen),
        all_selected=bool(available) and all(line.selected for line in available),
    )


async def _purchasable_sku(session: AsyncSession, sku_id: int) -> Sku:
    row = (
        await session.execute(
            select(Sku, Goods).join(Goods, Goods.id == Sku.goods_id).where(Sku.id == sku_id)
        )
    ).first()
    if row is None or row[1].deleted_at is not None:
        raise SkuNotFound()
    sku, goods = row
    if not is_purchasable(sku, goods):
        raise GoodsOffShelf()
    return sku


def _check_stock(sku: Sku, quantity: int) -> None:
    if quantity > sku.stock:
        raise OutOfStock(f"库存不足，仅剩 {sku.stock} 件", sku_id=sku.id, stock=sku.stock)


async def add_item(session: AsyncSession, *, user_id: int, sku_id: int, quantity: int) -> None:
    """Add units of a SKU (joining an existing line), within stock and cart limits."""
    sku = await _purchasable_sku(session, sku_id)
    item = await session.scalar(
        select(CartItem).where(CartItem.user_id == user_id, CartItem.sku_id == sku_id)
    )
    total = quantity + (item.quantity if item else 0)
    if total > MAX_QUANTITY:
        raise CartQuantityLimit()
    _check_stock(sku, total)
    if item is not None:
        item.quantity = total
        item.selected = True
        await session.flush()
        return
    lines = await session.scalar(select(func.count(CartItem.id)).where(CartItem.user_id == user_id))
    if (lines or 0) >= MAX_LINES:
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
        existing.quantity = min(existing.quantity + quantity, MAX_QUANTITY, sku.stock)
        await session.flush()


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
    user_id: int,
    item_id: int,
    quantity: int | None,
    selected: bool | None,
) -> None:
    item = await _own_item(session, user_id, item_id)
    if quantity is not None and quantity > item.quantity:
        sku = await _purchasable_sku(session, item.sku_id)
        _check_stock(sku, quantity)
    if quantity is not None:
        item.quantity = quantity
    if selected is not None:
        item.selected = selected
    await session.flush()


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
