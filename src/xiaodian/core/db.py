"""Engines, sessions and the one-transaction-per-unit-of-work rule.

A request or a job gets one session inside `Database.transaction()`: services `flush()`, the
transaction commits at the end, and work that must only happen after a commit (publishing stock
events, outbound calls) is queued with `after_commit()`. A transaction's write to the row every
buyer wants (a flash pool) can be made its last, sent with the commit (`commit_with()`).

SQLite allows one writer at a time. Write transactions start with ``BEGIN IMMEDIATE`` (so they
take the write lock up front instead of failing on upgrade) and, inside one process, queue on an
asyncio lock rather than spinning on the busy timeout. Reads run concurrently under WAL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Result, event
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import Executable

from xiaodian.core.outage import DatabaseOutage, is_connection_lost


def upsert(
    dialect: str,
    table: Any,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    update: Mapping[str, Any],
) -> Any:
    """INSERT the row, or UPDATE the one with the same `key` (a primary or unique key) with
    `update`, in one statement on each database: `ON DUPLICATE KEY UPDATE` (MariaDB/MySQL),
    `ON CONFLICT … DO UPDATE` (SQLite, PostgreSQL). Either way the row's exclusive lock is
    taken at once, where an INSERT that failed on the key would hold a shared lock first (and
    racing writers deadlock upgrading it)."""
    if dialect in ("mysql", "mariadb"):
        return mysql_insert(table).values(**values).on_duplicate_key_update(**update)
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    return insert(table).values(**values).on_conflict_do_update(index_elements=key, set_=update)


log = logging.getLogger(__name__)

T = TypeVar("T")
AfterCommit = Callable[[], Awaitable[None]]
BeforeCommit = Callable[[AsyncSession], Awaitable[None]]
_HOOKS_KEY = "after_commit"
_BEFORE_KEY = "before_commit"
_LAST_KEY = "commit_with"
_NO_ROW = "xiaodian: the last write changed no row"
_SIGNALLED = 1644  # MariaDB's ER_SIGNAL_EXCEPTION: what SIGNAL raises
_WITH_COMMIT = "xiaodian_with_commit"
IDLE_PING_SECONDS = 2.0
"""A pooled connection back in use within this long is not pinged before it is handed out."""


def after_commit(session: AsyncSession, hook: AfterCommit, *, first: bool = False) -> None:
    """Run `hook` once the session's transaction has committed (never if it rolls back);
    `first`: before the hooks already queued (answering those who wait for the commit before
    its side effects go out)."""
    hooks: list[AfterCommit] = session.info.setdefault(_HOOKS_KEY, [])
    if first:
        hooks.insert(0, hook)
    else:
        hooks.append(hook)


def before_commit(session: AsyncSession, key: str, hook: BeforeCommit) -> None:
    """Run `hook(session)` once, inside the transaction, just before it commits (the last
    reads an event needs, such as the stock a burst of updates left). One hook per `key`."""
    hooks: dict[str, BeforeCommit] = session.info.setdefault(_BEFORE_KEY, {})
    hooks.setdefault(key, hook)


async def _run_before_commit(session: AsyncSession) -> None:
    hooks: dict[str, BeforeCommit] = session.info.get(_BEFORE_KEY, {})
    while hooks:
        _key, hook = hooks.popitem()
        await hook(session)


@dataclass(frozen=True)
class _LastWrite:
    statement: Executable
    params: Mapping[str, Any]
    refused: Callable[[], BaseException]


def commit_with(
    session: AsyncSession,
    statement: Executable,
    params: Mapping[str, Any],
    *,
    refused: Callable[[], BaseException],
) -> None:
    """Make `statement`, an UPDATE that must change exactly one row, the transaction's last
    write: it runs after the before-commit hooks and every flush, then the commit. If it
    changes no row, `refused()` is raised and the transaction rolls back, all of it.

    A row that every buyer of an item wants is locked from its update to the commit. From
    here that costs a round trip and a turn of an event loop busy with the crowd, once per
    buyer, one buyer after another. On MariaDB the update and the commit are therefore one
    statement, a compound one that commits when the row changed and signals otherwise, and
    the row is held for no round trip at all (the idea of AliSQL's COMMIT_ON_SUCCESS hint).
    Elsewhere the update runs, is checked, and the commit follows. Nothing the transaction
    reads sees the update (it has not run yet). One per transaction (`has_last_write`)."""
    if _LAST_KEY in session.info:
        raise RuntimeError("a transaction has one last write")
    session.info[_LAST_KEY] = _LastWrite(statement, params, refused)


def has_last_write(session: AsyncSession) -> bool:
    return _LAST_KEY in session.info


async def _run_last_write(session: AsyncSession) -> None:
    work: _LastWrite | None = session.info.pop(_LAST_KEY, None)
    if work is None:
        return
    await session.flush()  # so that commit() has nothing left to write after it
    connection = await session.connection()
    together = bool(getattr(connection.dialect, "is_mariadb", False))
    try:
        result = await session.execute(
            work.statement, work.params, execution_options={_WITH_COMMIT: together}
        )
    except DBAPIError as error:
        if together and tuple(getattr(error.orig, "args", ()))[:2] == (_SIGNALLED, _NO_ROW):
            raise work.refused() from None
        raise
    if not together and affected(result) != 1:
        raise work.refused()


def _commit_on_success(
    _conn: Any,
    _cursor: Any,
    statement: str,
    parameters: Any,
    context: Any,
    _executemany: bool,
) -> tuple[str, Any]:
    """The last write on MariaDB: wrapped so that it commits when it changed one row and
    signals otherwise, in the one round trip (parameters and defaults as SQLAlchemy made them)."""
    if context is not None and context.execution_options.get(_WITH_COMMIT):
        statement = (
            f"BEGIN NOT ATOMIC {statement}; IF ROW_COUNT() = 1 THEN COMMIT; "
            f"ELSE SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{_NO_ROW}'; END IF; END"
        )
    return statement, parameters


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (the typed way to read `rowcount`)."""
    return cast(CursorResult[Any], result).rowcount


async def _run_after_commit(hooks: list[AfterCommit]) -> None:
    for hook in hooks:
        try:
            await hook()
        except Exception:  # the commit stands; a failed side effect is logged, not raised
            log.exception("after-commit hook failed")


class Database:
    """One engine per process, and the sessions that come from it."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        idle_ping_seconds: float = IDLE_PING_SECONDS,
    ) -> None:
        parsed = make_url(url)
        self.url = url
        self.dialect = parsed.get_backend_name()
        # Parameters stay out of logs and error messages (they carry tokens' hashes, keys …).
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
        if self.dialect in ("mysql", "mariadb"):
            kwargs["connect_args"] = {"charset": "utf8mb4"}
            kwargs["isolation_level"] = "READ COMMITTED"
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self.read_engine: AsyncEngine = self.engine
        """Single-statement reads (`read()`); a server database gets a pool of its own."""
        if self.dialect != "sqlite":
            # Autocommit connections without a ping: a read is one round trip (no ping, no
            # COMMIT, no ROLLBACK on return); a connection that went stale is retried once.
            self.read_engine = create_async_engine(
                url,
                **{
                    **kwargs,
                    "pool_pre_ping": False,
                    # Sized so a burst of reads queues briefly instead of opening (and, on
                    # return, closing) overflow connections: that churn cost more than a query.
                    "pool_size": pool_size * 2,
                    "max_overflow": pool_size // 2,
                    "isolation_level": "AUTOCOMMIT",
                    "pool_reset_on_return": None,
                    "skip_autocommit_rollback": True,
                },
            )
        self.write_engine: AsyncEngine = self.engine
        self._write_lock: asyncio.Lock | None = None
        self._lock_owner: asyncio.Task[object] | None = None
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
            self.write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
            self._write_lock = asyncio.Lock()
        self.session_info: dict[str, Any] = {}
        """Put into every session's `info` (the app context, for after-commit work)."""
        self._reader = async_sessionmaker(self.engine, expire_on_commit=False)
        self._autocommit_reader = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self._writer = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self.outage = DatabaseOutage()
        """Whether the database answers, as this process last saw it (one log line a change)."""
        if self.dialect in ("mysql", "mariadb"):
            event.listen(
                self.engine.sync_engine, "before_cursor_execute", _commit_on_success, retval=True
            )
        if self.dialect != "sqlite":
            _ping_when_idle(self.engine, idle_ping_seconds)  # before the listener below
        # A connection handed out of the pool (pinged if it sat idle) means the database answers.
        event.listen(self.engine.sync_engine, "checkout", lambda *_: self.outage.succeeded())
        if self.read_engine is not self.engine:
            event.listen(
                self.read_engine.sync_engine, "checkout", lambda *_: self.outage.succeeded()
            )

    @property
    def supports_skip_locked(self) -> bool:
        return self.dialect in ("mysql", "mariadb", "postgresql")

    @contextlib.asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on error, then the after-commit hooks."""
        lock = self._write_lock if write and self._write_lock is not None else None
        if lock is not None:
            if lock.locked() and self._lock_owner is asyncio.current_task():
                raise RuntimeError("a write transaction inside a write transaction would deadlock")
            await lock.acquire()
            self._lock_owner = asyncio.current_task()
        session = (self._writer if write else self._reader)()
        session.info.update(self.session_info)
        hooks: list[AfterCommit] = []
        committed = False
        try:
            yield session
            await _run_before_commit(session)
            await _run_last_write(session)
            await session.commit()  # after a last write on MariaDB: a COMMIT of nothing
            committed = True
            hooks = session.info.pop(_HOOKS_KEY, [])
        except BaseException as error:
            lost = is_connection_lost(error)
            if lost:
                self.outage.failed(error)
            try:
                await session.rollback()
            except Exception:
                if not lost:  # the connection is gone: there is nothing left to roll back
                    raise
            raise
        finally:
            try:
                await session.close()
            except Exception:
                if not committed:
                    raise
                # The commit stands: its caller must not take it for a failure (and do it
                # again); the connection is the pool's to discard.
                log.warning("closing a committed session failed", exc_info=True)
            finally:
                if lock is not None:
                    self._lock_owner = None
                    lock.release()
        await _run_after_commit(hooks)

    @contextlib.asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """An ORM session for a short read outside any transaction (who is asking, before a
        route opens its own): on a server database it runs on the autocommit pool, so each
        statement sees what has committed and nothing is committed or rolled back after it
        (one round trip a statement; `transaction(write=False)` ends with a COMMIT). Never
        for writes: each would commit on its own."""
        session = self._autocommit_reader()
        session.info.update(self.session_info)
        try:
            yield session
        except BaseException as error:
            if is_connection_lost(error):
                self.outage.failed(error)
            raise
        finally:
            await session.close()

    async def read(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """`work(connection)` for a hot read that needs no ORM and no transaction: one SELECT
        (each statement sees committed data; use `transaction(write=False)` when several
        statements must agree). Run again once on a fresh connection if the pooled one was
        lost (the server restarted): a read may simply be repeated."""
        for attempt in (1, 2):
            try:
                async with self.read_engine.connect() as connection:
                    return await work(connection)
            except Exception as error:
                if not is_connection_lost(error):
                    raise
                if attempt == 2:
                    self.outage.failed(error)
                    raise
        raise AssertionError("unreachable")

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Ping a pooled connection before handing it out only if it sat unused for longer than
    `idle_seconds`: the pessimistic check (`pool_pre_ping`) without its round trip on every
    transaction of a busy server, where connections come back within milliseconds.

    A connection that failed the ping is replaced (`DisconnectionError` makes the pool connect
    again). One lost while in steady use fails its first statement instead: nothing was written,
    the request answers 503 with Retry-After (a lost connection is an outage), and SQLAlchemy
    then replaces every connection the pool held, so the next requests get fresh ones.
    """
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # A new connection has no check-in time yet: it was just opened, so it answers.
        since = record.info.get("checked_in_at")
        if since is None or time.monotonic() - since <= idle_seconds:
            return
        try:
            alive = sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("the pooled connection did not answer its ping") from error
        if not alive:
            raise DisconnectionError("the pooled connection did not answer its ping")


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transactions into our own hands so BEGIN IMMEDIATE is possible.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def is_retryable_db_error(error: BaseException) -> bool:
    """Deadlocks, lock timeouts and a locked SQLite file: the request may simply be retried."""
    text = str(getattr(error, "orig", error)).lower()
    return any(
        marker in text
        for marker in ("database is locked", "deadlock", "lock wait timeout", "1213", "1205")
    )
