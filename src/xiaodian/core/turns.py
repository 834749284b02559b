"""Calls made in the same turn of the event loop, sent together (`PerTurn`).

In a crowd, many requests make the same kind of small call to Redis at once. Alone, each
pays a socket write, a read and a connection from the pool; sent together (a pipeline, an
MGET) they pay them once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

A = TypeVar("A")
R = TypeVar("R")

ANSWERED_SECONDS = 1.0
"""The longest `PerTurn.answered` waits (a call that takes longer is not waited for)."""

Send = Callable[[list[A]], Awaitable[Sequence[R | Exception]]]
"""Make a turn's calls at once: one answer per call, in order (an exception is that call's
own error)."""


class PerTurn(Generic[A, R]):
    """Each call waits for its answer; the calls of one turn are handed to `send` together.
    An error `send` raises (a lost connection) is every call's of that batch."""

    def __init__(self, send: Send[A, R]) -> None:
        self._send_batch = send
        self._pending: list[tuple[A, asyncio.Future[R]]] = []
        self._sending: set[asyncio.Task[None]] = set()

    async def __call__(self, call: A) -> R:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[R] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._send_pending)
        self._pending.append((call, answer))
        return await answer

    async def answered(self) -> None:
        """Return once the calls made so far have been answered (at most `ANSWERED_SECONDS`;
        calls made meanwhile are not waited for)."""
        if self._pending:
            await asyncio.sleep(0)  # they are sent at the end of this turn
        sending = set(self._sending)
        if sending:
            await asyncio.wait(sending, timeout=ANSWERED_SECONDS)

    def _send_pending(self) -> None:
        batch, self._pending = self._pending, []
        task = asyncio.get_running_loop().create_task(self._send(batch))
        self._sending.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[tuple[A, asyncio.Future[R]]]) -> None:
        try:
            results = await self._send_batch([call for call, _ in batch])
        except BaseException as failed:  # the connection's error is every caller's
            for _call, answer in batch:
                if not answer.done():
                    answer.set_exception(failed)
            if not isinstance(failed, Exception):
                raise
            return
        for (_call, answer), result in zip(batch, results, strict=True):
            if answer.done():  # its caller is gone (cancelled)
                continue
            if isinstance(result, Exception):
                answer.set_exception(result)
            else:
                answer.set_result(result)
