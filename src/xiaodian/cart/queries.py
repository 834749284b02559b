"""The cart's hot statements in Core, built once: the whole cart (every cart change answers
with it) and what adding a SKU or changing a line needs to know, who is asking included,
each one round trip."""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Select, Table, Update, bindparam, func, select, update

from xiaodian.auth.deps import shopper_by_token
from xiaodian.models import CartItem, Goods, GoodsImage, Sku, User

_goods = cast(Table, Goods.__table__)
_skus = cast(Table, Sku.__table__)
_images = cast(Table, GoodsImage.__table__)
_lines = cast(Table, CartItem.__table__)
_users = cast(Table, User.__table__)


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
    """For adding `:sku_id` to the cart of the shopper asking (`shopper_by_token`: one row
    when the token is live): who they are, the SKU's stock and state and its goods' shelf
    state (NULL when there is no such SKU), their line for it (if any) and how many lines
    they have. Checking the caller here saves the cart change a statement of its own."""
    asking, live, shopper = shopper_by_token()
    counted = _lines.alias("counted")
    line_count = (
        select(func.count())
        .select_from(counted)
        .where(counted.c.user_id == _users.c.id)
        .correlate(_users)
        .scalar_subquery()
    )
    sku = _skus.join(_goods, _goods.c.id == _skus.c.goods_id)
    return (
        select(
            *shopper,
            _skus.c.stock,
            _skus.c.is_active,
            _goods.c.is_on_shelf,
            _goods.c.deleted_at,
            _lines.c.id.label("line_id"),
            _lines.c.quantity.label("line_quantity"),
            line_count.label("line_count"),
        )
        .select_from(asking)
        .outerjoin(sku, _skus.c.id == bindparam("sku_id"))
        .outerjoin(_lines, (_lines.c.sku_id == _skus.c.id) & (_lines.c.user_id == _users.c.id))
        .where(live)
    )


@functools.cache
def line_lookup_statement() -> Select[Any]:
    """The shopper asking (`shopper_by_token`) and their line `:line_id` with its SKU's stock
    and state and its goods' shelf state (NULL when they have no such line)."""
    asking, live, shopper = shopper_by_token()
    line = _lines.join(_skus, _skus.c.id == _lines.c.sku_id).join(
        _goods, _goods.c.id == _skus.c.goods_id
    )
    return (
        select(
            *shopper,
            _lines.c.id.label("line_id"),
            _lines.c.quantity,
            _lines.c.sku_id,
            _skus.c.stock,
            _skus.c.is_active,
            _goods.c.is_on_shelf,
            _goods.c.deleted_at,
        )
        .select_from(asking)
        .outerjoin(line, (_lines.c.id == bindparam("line_id")) & (_lines.c.user_id == _users.c.id))
        .where(live)
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
