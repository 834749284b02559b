"""`commit_with`: a transaction's last write (a flash pool's take) runs after everything else
the transaction writes and, on MariaDB, in one statement with the commit; when it changes no
row, nothing of the transaction is kept."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from tests import factories
from tests.statements import statements
from xiaodian.context import AppContext
from xiaodian.core.db import commit_with, has_last_write
from xiaodian.models import Goods, Sku


class Short(Exception):
    """What the caller raises when its last write changed no row."""


def _take(sku_id: int) -> Any:
    return (
        update(Sku)
        .where(Sku.id == sku_id, Sku.stock >= 1)
        .values(stock=Sku.stock - 1)
        .execution_options(synchronize_session=False)
    )


async def _state(context: AppContext, goods: dict[str, Any]) -> tuple[str, int]:
    async with context.db.transaction(write=False) as session:
        title = await session.scalar(select(Goods.title).where(Goods.id == goods["id"]))
        stock = await session.scalar(select(Sku.stock).where(Sku.id == goods["sku_ids"][0]))
    assert title is not None and stock is not None
    return title, stock


def _on_mariadb(context: AppContext) -> bool:
    return bool(getattr(context.db.engine.dialect, "is_mariadb", False))


async def test_the_last_write_runs_after_every_other_write_and_commits_with_them(
    context: AppContext,
) -> None:
    goods = await factories.make_goods(context, stock=2)
    (sku_id,) = goods["sku_ids"]
    with statements(context) as seen:
        async with context.db.transaction() as session:
            commit_with(session, _take(sku_id), {}, refused=Short)
            assert has_last_write(session)
            renamed = await session.get(Goods, goods["id"])
            assert renamed is not None
            renamed.title = "改名的苹果"  # pending until the commit: flushed before the take
    assert await _state(context, goods) == ("改名的苹果", 1)
    prefix = "BEGIN NOT ATOMIC UPDATE skus" if _on_mariadb(context) else "UPDATE skus SET"
    take = next(i for i, text in enumerate(seen) if text.startswith(prefix))
    assert any(text.startswith("UPDATE goods SET") for text in seen[:take]), seen
    assert seen[take + 1 :] == ["COMMIT"], seen


async def test_a_last_write_that_changes_no_row_keeps_nothing_of_the_transaction(
    context: AppContext,
) -> None:
    goods = await factories.make_goods(context, stock=0)
    (sku_id,) = goods["sku_ids"]
    with pytest.raises(Short):
        async with context.db.transaction() as session:
            renamed = await session.get(Goods, goods["id"])
            assert renamed is not None
            renamed.title = "不该留下"
            await session.flush()
            commit_with(session, _take(sku_id), {}, refused=Short)
    assert await _state(context, goods) == ("苹果", 0)
    # the connection is fine afterwards: the next transaction takes and keeps its unit
    async with context.db.transaction() as session:
        await session.execute(update(Sku).where(Sku.id == sku_id).values(stock=1))
    async with context.db.transaction() as session:
        commit_with(session, _take(sku_id), {}, refused=Short)
    assert await _state(context, goods) == ("苹果", 0)


async def test_a_transaction_has_one_last_write(context: AppContext) -> None:
    goods = await factories.make_goods(context, stock=2)
    (sku_id,) = goods["sku_ids"]
    with pytest.raises(RuntimeError):
        async with context.db.transaction() as session:
            commit_with(session, _take(sku_id), {}, refused=Short)
            commit_with(session, _take(sku_id), {}, refused=Short)
    assert (await _state(context, goods))[1] == 2


async def test_an_error_before_the_commit_drops_the_last_write(context: AppContext) -> None:
    goods = await factories.make_goods(context, stock=2)
    (sku_id,) = goods["sku_ids"]
    with pytest.raises(ValueError):
        async with context.db.transaction() as session:
            commit_with(session, _take(sku_id), {}, refused=Short)
            raise ValueError("the caller gave up")
    async with context.db.transaction() as session:
        assert not has_last_write(session)
    assert (await _state(context, goods))[1] == 2
