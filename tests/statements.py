"""What a test's code sent to the database: the statements, and a "COMMIT" for each commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from xiaodian.context import AppContext


@contextmanager
def statements(context: AppContext, *, every_pool: bool = False) -> Iterator[list[str]]:
    """The statements sent while inside, each on one line (runs of whitespace made one
    space), with "COMMIT" where a transaction committed. `every_pool`: the autocommit reads'
    pool's too (a server database has one; SQLite's engine is the same)."""
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
        seen.append(" ".join(text.split()))

    def commit(_conn: Any) -> None:
        seen.append("COMMIT")

    engines = {context.db.engine.sync_engine}
    if every_pool:
        engines.add(context.db.read_engine.sync_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", statement)
            event.remove(engine, "commit", commit)
