"""Group commit for one item's winners: those who arrive while the item's placements are
under way wait, and the next placement takes all of them (up to a bound) in one transaction.

At a flash sale the gate lets the winners through within a few milliseconds of each other,
and each order's own transaction cost the process about 10 ms of CPU: a hundred statements
for a hundred winners of one item, each waiting its turn on an event loop busy with the
crowd. Placed together, they share every statement but the one that confirms each buyer
(`service.place_winners`).

A placement under way is seen to its end even when the request that asked for it goes away:
it owns the gate's units of everyone in its group from the moment they join (each one ends
as an order, or with its units back at the gate)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

E = TypeVar("E")
R = TypeVar("R")

Settle = Callable[[int, R], None]
"""Answer the group's entry at this position before the group is done."""
Run = Callable[[list[E], Settle[R]], Awaitable[Sequence[R | Exception]]]
"""Place a group: one outcome per entry, in order (an order, or why not); entries answered
early with `settle` keep that answer."""
Release = Callable[[list[E]], Awaitable[None]]
"""Give back what entries that will never be placed hold (the process is stopping)."""


class Placer(Generic[E, R]):
    """At most `at_once` groups of at most `most` entries being placed at a time; a group
    counts until all its entries are answered (not until its after-commit work is done)."""

    def __init__(
        self,
        run: Run[E, R],
        release: Release[E],
        *,
        at_once: int,
        most: int,
        joining: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._run = run
        self._release = release
        self._joining = joining
        self._at_once = at_once
        self._most = most
        self._waiting: deque[tuple[E, asyncio.Future[R]]] = deque()
        self._placing = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def place(self, entry: E) -> R:
        """The entry's outcome, once the group it joins has been placed (raised if an
        exception)."""
        outcome: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, outcome))
        self._wake()
        return await asyncio.shield(outcome)

    def _wake(self) -> None:
        if self._waiting and self._placing < self._at_once:
            self._placing += 1
            # The group is taken when the task first runs: everyone who arrives meanwhile
            # (the rest of this turn of the event loop) joins it.
            task = asyncio.create_task(self._place_group())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _place_group(self) -> None:
        if self._joining is not None:
            # Those on their way to join (the crowd's winners whose gate answers are still
            # coming back) arrive first, and one turn more for them to get here.
            await self._joining()
            await asyncio.sleep(0)
        group = [self._waiting.popleft() for _ in range(min(self._most, len(self._waiting)))]
        if not group:
            self._placing -= 1
            return
        futures = [future for _, future in group]
        unanswered = len(futures)

        def answered(_: asyncio.Future[R]) -> None:
            nonlocal unanswered
            unanswered -= 1
            if unanswered == 0:
                self._placing -= 1
                self._wake()

        for future in futures:
            future.add_done_callback(answered)

        def settle(index: int, outcome: R) -> None:
            if not futures[index].done():
                futures[index].set_result(outcome)

        try:
            outcomes = await self._run([entry for entry, _ in group], settle)
        except BaseException as error:
            _settle(group, [error] * len(group))
            if isinstance(error, asyncio.CancelledError) and self._waiting:
                # The process is stopping: those still waiting will not be placed.
                left = list(self._waiting)
                self._waiting.clear()
                try:
                    await self._release([entry for entry, _ in left])
                finally:
                    _settle(left, [asyncio.CancelledError()] * len(left))
            raise
        _settle(group, outcomes)


def _settle(
    group: Sequence[tuple[object, asyncio.Future[R]]], outcomes: Sequence[R | BaseException]
) -> None:
    for index, (_, future) in enumerate(group):
        if future.done():
            continue
        outcome = outcomes[index] if index < len(outcomes) else RuntimeError("no outcome")
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
