"""Inventory's hot statements in Core, built once: taking units runs in every checkout, inside
the window in which the SKU rows stay locked, so building them per request cost more than
MariaDB took to run them."""

from __future__ import annotations

import functools
from typing import cast

from sqlalchemy import BindParameter, Select, Table, Update, bindparam, case, select, true, update

from xiaodian.models import Sku
from xiaodian.models.inventory import StockQuota

_skus = cast(Table, Sku.__table__)
_pools = cast(Table, StockQuota.__table__)


@functools.cache
def take_stock_statement() -> Update:
    """Take `:units` units of SKU `:taken_sku` while it is on sale and has that many (the
    stock version moves on; `updated_at` too, the column's own onupdate)."""
    return (
        update(_skus)
        .where(
            _skus.c.id == bindparam("taken_sku"),
            _skus.c.is_active.is_(true()),
            _skus.c.stock >= bindparam("units"),
        )
        .values(
            stock=_skus.c.stock - bindparam("units"),
            stock_version=_skus.c.stock_version + 1,
        )
    )


@functools.cache
def take_stocks_statement(count: int) -> Update:
    """Take units of `count` SKUs at once, all or none of them short: SKU `:taken_sku_i` loses
    `:units_i` while it is on sale and has that many (i < count). One statement instead of one
    per SKU, each a round trip inside the window in which the SKU rows stay locked. The rows
    are found by the primary key's index and locked in its order, as the one-by-one takes in
    id order did, so two checkouts over the same SKUs cannot deadlock. Fewer rows changed than
    `count`: one was short (the caller rolls back)."""
    ids: list[BindParameter[int]] = [bindparam(f"taken_sku_{i}") for i in range(count)]
    units = case(
        {ids[i]: bindparam(f"units_{i}") for i in range(count)}, value=_skus.c.id, else_=None
    )
    return (
        update(_skus)
        .where(_skus.c.id.in_(ids), _skus.c.is_active.is_(true()), _skus.c.stock >= units)
        .values(stock=_skus.c.stock - units, stock_version=_skus.c.stock_version + 1)
    )


@functools.cache
def skus_left_statement() -> Select[int, int, bool]:
    """Stock and on-sale flag of SKUs `:sku_ids` (expanding), in id order."""
    return (
        select(_skus.c.id, _skus.c.stock, _skus.c.is_active)
        .where(_skus.c.id.in_(bindparam("sku_ids", expanding=True)))
        .order_by(_skus.c.id)
    )


@functools.cache
def take_pool_statement() -> Update:
    """Take `:units` units from pool `:taken_pool` of SKU `:taken_sku` while it is open and has
    that many. (An UPDATE's own parameters cannot be named like its table's columns.)"""
    return (
        update(_pools)
        .where(
            _pools.c.id == bindparam("taken_pool"),
            _pools.c.sku_id == bindparam("taken_sku"),
            _pools.c.status == "open",
            _pools.c.units_left >= bindparam("units"),
        )
        .values(units_left=_pools.c.units_left - bindparam("units"))
    )
