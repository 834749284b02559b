"""The cart's hot statements in Core, built once: the whole cart (every cart change answers
with it) and what adding a SKU needs to know, each one round trip."""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Select, Table, Update, bindparam, func, select, update

from xiaodian.models import CartItem, Goods, GoodsImage, Sku

_goods = cast(Table, Goods.__table__)
_skus = cast(Table, Sku.__table__)
_images = cast(Table, GoodsImage.__table__)
_lines = cast(Table, CartItem.__table__)


def _cover() -> Any:
    return (
        select(_images.c.url)
        .where(_images.c.goods_id == _goods.c.id)
        .order_by(_images.c.sort_order, _images.c.id)
        .limit(1)
        .correlate(_goods)
        .scalar_subquery()
    )


@functools.cache
def cart_rows_statement() -> Select[Any]:
    """The shopper's (`:user_id`) lines, newest change first, with their SKU and goods."""
    return (
        select(
            _lines.c.id,
            _lines.c.sku_id,
            _lines.c.quantity,
            _lines.c.selected,
            _goods.c.id.label("goods_id"),
            _goods.c.title,
            _goods.c.is_on_shelf,
            _goods.c.deleted_at,
            _skus.c.spec_values,
            _skus.c.image_url,
            _skus.c.price_fen,
            _skus.c.stock,
            _skus.c.is_active,
            _cover().label("cover"),
        )
        .select_from(_lines.join(_skus, _skus.c.id == _lines.c.sku_id))
        .join(_goods, _goods.c.id == _skus.c.goods_id)
        .where(_lines.c.user_id == bindparam("user_id"))
        .order_by(_lines.c.updated_at.desc(), _lines.c.id.desc())
    )


@functools.cache
def add_lookup_statement() -> Select[Any]:
    """For adding `:sku_id` to `:user_id`'s cart: the SKU's stock and state, its goods' shelf
    state, the shopper's line for it (if any) and how many lines they have."""
    line_count = (
        select(func.count())
        .select_from(_lines)
        .where(_lines.c.user_id == bindparam("user_id"))
        .scalar_subquery()
    )
    return (
        select(
            _skus.c.stock,
            _skus.c.is_active,
            _goods.c.is_on_shelf,
            _goods.c.deleted_at,
            _lines.c.id.label("line_id"),
            _lines.c.quantity.label("line_quantity"),
            line_count.label("line_count"),
        )
        .select_from(_skus.join(_goods, _goods.c.id == _skus.c.goods_id))
        .outerjoin(
            _lines,
            (_lines.c.sku_id == _skus.c.id) & (_lines.c.user_id == bindparam("user_id")),
        )
        .where(_skus.c.id == bindparam("sku_id"))
    )


@functools.cache
def line_lookup_statement() -> Select[Any]:
    """`:user_id`'s line `:line_id` with its SKU's stock and state and its goods' shelf state."""
    return (
        select(
            _lines.c.quantity,
            _lines.c.sku_id,
            _skus.c.stock,
            _skus.c.is_active,
            _goods.c.is_on_shelf,
            _goods.c.deleted_at,
        )
        .select_from(_lines.join(_skus, _skus.c.id == _lines.c.sku_id))
        .join(_goods, _goods.c.id == _skus.c.goods_id)
        .where(_lines.c.id == bindparam("line_id"), _lines.c.user_id == bindparam("user_id"))
    )


@functools.cache
def line_update_statement(*, quantity: bool, selected: bool) -> Update:
    """Set `:owner_id`'s line `:line_id` to `:new_quantity` and/or `:new_selected` (whichever
    the flags name; `updated_at` moves on too). An UPDATE's own parameters cannot be named
    like its columns."""
    values: dict[str, Any] = {}
    if quantity:
        values["quantity"] = bindparam("new_quantity")
    if selected:
        values["selected"] = bindparam("new_selected")
    return (
        update(_lines)
        .where(_lines.c.id == bindparam("line_id"), _lines.c.user_id == bindparam("owner_id"))
        .values(**values)
    )


@functools.cache
def line_increment_statement() -> Update:
    """Add `:units` to line `:line_id` (and select it) while the sum stays within `:cap`: two
    adds at once both count, and neither passes the cap."""
    return (
        update(_lines)
        .where(
            _lines.c.id == bindparam("line_id"),
            _lines.c.quantity + bindparam("units") <= bindparam("cap"),
        )
        .values(quantity=_lines.c.quantity + bindparam("units"), selected=True)
    )
