"""A database that cannot be reached: how to recognise it, and one log line per outage.

While the database is gone every request fails the same way; a traceback for each of them
drowns the log and says nothing new. `DatabaseOutage` writes one line when the first failure
is seen and one when a transaction succeeds again; requests in between answer 503
``service_unavailable`` with ``Retry-After`` (see `core.http`).
"""

from __future__ import annotations

import logging
import socket
import time

from sqlalchemy.exc import DBAPIError

log = logging.getLogger("xiaodian.database")

RETRY_AFTER_SECONDS = 5

# MySQL/MariaDB client and server codes for "the server is not there (any more)".
_MYSQL_CODES = frozenset(
    {
        1053,  # server shutdown in progress
        1927,  # connection was killed
        2002,  # can't connect through the socket
        2003,  # can't connect to the server
        2006,  # server has gone away
        2013,  # lost connection during query
        2055,  # lost connection, system error
        4031,  # disconnected by the server (inactivity)
    }
)
# PostgreSQL SQLSTATEs: class 08 (connection exception), and the server shutting down/starting.
_PG_STATES = ("08", "57P01", "57P02", "57P03")
_MESSAGES = ("unable to open database file",)
_COUNTED = "_xiaodian_outage_counted"


def _codes_in(error: BaseException) -> set[object]:
    args = getattr(error, "args", ())
    return {args[0]} if args and isinstance(args[0], int) else set()


def _lost(error: BaseException) -> bool:
    if isinstance(error, ConnectionError | socket.gaierror):
        return True
    if _codes_in(error) & _MYSQL_CODES:
        return True
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(state, str) and state.startswith(_PG_STATES):
        return True
    text = str(error).lower()
    return any(message in text for message in _MESSAGES)


def is_connection_lost(error: BaseException) -> bool:
    """The database could not be reached (connect refused, gone away, lost mid-query, the
    SQLite file cannot be opened) — not a bug in the request, and worth retrying later.

    A database error is looked at through its driver's exception and their causes; a bare
    socket error counts only when nothing wrapped it (asyncpg raises those on connect).
    """
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        seen: BaseException | None = error.orig
        for _ in range(5):
            if seen is None:
                break
            if _lost(seen):
                return True
            seen = seen.__cause__ or seen.__context__
        return False
    return isinstance(error, ConnectionError | socket.gaierror)


class DatabaseOutage:
    """This process's view of whether the database is reachable."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.refused = 0

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        """A request or job could not reach the database; logged only for the first one.

        The same error may be reported twice (by the transaction, then by the error handler):
        it counts once."""
        if getattr(error, _COUNTED, False):
            return
        setattr(error, _COUNTED, True)
        self.refused += 1
        if self.since is not None:
            return
        self.since = time.monotonic()
        reason = str(getattr(error, "orig", None) or error).splitlines()[0][:300]
        log.error(
            "database unreachable (%s: %s); answering 503 until it is back",
            type(error).__name__,
            reason,
            extra={"event": "database_down"},
        )

    def succeeded(self) -> None:
        """A transaction went through: if an outage was on, it is over."""
        if self.since is None:
            return
        seconds = time.monotonic() - self.since
        refused, self.since, self.refused = self.refused, None, 0
        log.warning(
            "database reachable again after %.1f s (%d requests and jobs refused meanwhile)",
            seconds,
            refused,
            extra={"event": "database_up"},
        )
