"""`flash.placer.Placer`: one item's winners placed in groups (pure asyncio, no database)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from xiaodian.flash.placer import Placer


class Groups:
    """A run that answers each entry with its double (negative entries fail), recording the
    groups; `gate` holds the first group open until it is set."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.released: list[int] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.settle_early = False

    async def run(self, entries: list[int], settle: object) -> Sequence[int | Exception]:
        self.groups.append(list(entries))
        if self.settle_early:
            for index, entry in enumerate(entries):
                settle(index, entry * 10)  # type: ignore[operator]
        await self.gate.wait()
        return [ValueError(str(entry)) if entry < 0 else entry * 2 for entry in entries]

    async def release(self, entries: list[int]) -> None:
        self.released.extend(entries)


def _placer(groups: Groups, *, at_once: int = 1, most: int = 50) -> Placer[int, int]:
    return Placer(groups.run, groups.release, at_once=at_once, most=most)


async def _first_group_held(groups: Groups, placer: Placer[int, int]) -> asyncio.Future[int]:
    """Entry 1 placed alone, its group held open (until `groups.gate` is set)."""
    groups.gate.clear()
    first = asyncio.ensure_future(placer.place(1))
    while not groups.groups:
        await asyncio.sleep(0)
    return first


async def test_those_who_arrive_while_a_group_is_placed_go_together_in_the_next() -> None:
    groups = Groups()
    placer = _placer(groups)
    first = await _first_group_held(groups, placer)
    later = [asyncio.ensure_future(placer.place(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    groups.gate.set()
    assert await first == 2
    assert await asyncio.gather(*later) == [4, 6, 8]
    assert groups.groups == [[1], [2, 3, 4]]


async def test_a_group_holds_at_most_most_and_at_most_at_once_are_placed() -> None:
    groups = Groups()
    placer = _placer(groups, at_once=2, most=3)
    answers = await asyncio.gather(*(placer.place(n) for n in range(1, 8)))
    assert answers == [2 * n for n in range(1, 8)]
    assert all(len(group) <= 3 for group in groups.groups)
    assert sorted(n for group in groups.groups for n in group) == list(range(1, 8))


async def test_each_entry_gets_its_own_outcome_and_an_early_answer_stands() -> None:
    groups = Groups()
    placer = _placer(groups)
    good, bad = await asyncio.gather(placer.place(5), placer.place(-1), return_exceptions=True)
    assert good == 10
    assert isinstance(bad, ValueError)
    groups.settle_early = True
    assert await placer.place(3) == 30  # answered by `settle`, before the run returned


async def test_a_group_that_fails_fails_each_of_its_entries() -> None:
    async def broken(entries: list[int], settle: object) -> Sequence[int | Exception]:
        raise RuntimeError("database away")

    async def release(entries: list[int]) -> None:
        return None

    placer: Placer[int, int] = Placer(broken, release, at_once=1, most=10)
    answers = await asyncio.gather(placer.place(1), placer.place(2), return_exceptions=True)
    assert all(isinstance(answer, RuntimeError) for answer in answers)


async def test_a_stopping_process_releases_those_still_waiting() -> None:
    groups = Groups()
    placer = _placer(groups)
    first = await _first_group_held(groups, placer)
    waiting = asyncio.ensure_future(placer.place(2))
    await asyncio.sleep(0)
    for task in list(placer._tasks):  # the process stops: its tasks are cancelled
        task.cancel()
    outcomes = await asyncio.gather(first, waiting, return_exceptions=True)
    assert all(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes)
    assert groups.released == [2]


async def test_a_group_waits_for_those_on_their_way_to_join() -> None:
    groups = Groups()
    arrived = asyncio.Event()
    placer: Placer[int, int] = Placer(
        groups.run, groups.release, at_once=1, most=10, joining=arrived.wait
    )
    first = asyncio.ensure_future(placer.place(1))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(placer.place(2))
    await asyncio.sleep(0)
    arrived.set()
    assert await asyncio.gather(first, second) == [2, 4]
    assert groups.groups == [[1, 2]]
