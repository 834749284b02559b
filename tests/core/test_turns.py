"""`core.turns.PerTurn`: the calls of one turn of the event loop are sent together."""

from __future__ import annotations

import asyncio

import pytest

from xiaodian.core.turns import PerTurn


class Recorder:
    """A `send` that answers each call with its double, recording the batches it was given;
    `hold` keeps the batch from being answered until it is set."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.hold = asyncio.Event()
        self.hold.set()

    async def send(self, calls: list[int]) -> list[int | Exception]:
        self.batches.append(list(calls))
        await self.hold.wait()
        return [ValueError(f"no {call}") if call < 0 else call * 2 for call in calls]


async def test_the_calls_of_one_turn_are_one_batch_and_each_gets_its_own_answer() -> None:
    recorder = Recorder()
    doubled = PerTurn(recorder.send)
    answers = await asyncio.gather(*(doubled(n) for n in range(5)), return_exceptions=True)
    assert answers == [0, 2, 4, 6, 8]
    assert recorder.batches == [[0, 1, 2, 3, 4]]
    later = await doubled(7)
    assert later == 14
    assert recorder.batches[-1] == [7]


async def test_a_calls_error_is_its_own_and_a_batch_error_is_everyones() -> None:
    recorder = Recorder()
    doubled = PerTurn(recorder.send)
    good, bad = await asyncio.gather(doubled(1), doubled(-1), return_exceptions=True)
    assert good == 2
    assert isinstance(bad, ValueError)

    async def lost(calls: list[int]) -> list[int | Exception]:
        raise ConnectionError("gone")

    broken = PerTurn(lost)
    answers = await asyncio.gather(broken(1), broken(2), return_exceptions=True)
    assert all(isinstance(answer, ConnectionError) for answer in answers)


async def test_answered_waits_for_the_calls_already_made_and_no_longer() -> None:
    recorder = Recorder()
    recorder.hold.clear()
    doubled = PerTurn(recorder.send)
    first = asyncio.ensure_future(doubled(3))
    waiting = asyncio.ensure_future(doubled.answered())
    for _turn in range(100):  # until the batch is with `send` (a few turns)
        if recorder.batches:
            break
        await asyncio.sleep(0)
    assert recorder.batches == [[3]]
    await asyncio.sleep(0)
    assert not waiting.done()
    recorder.hold.set()
    await asyncio.wait_for(waiting, timeout=5)
    assert first.done() and first.result() == 6
    await asyncio.wait_for(doubled.answered(), timeout=5)  # nothing on its way: at once


@pytest.mark.parametrize("calls", [0, 1])
async def test_nothing_on_its_way_is_answered_at_once(calls: int) -> None:
    recorder = Recorder()
    doubled = PerTurn(recorder.send)
    for n in range(calls):
        await doubled(n)
    await asyncio.wait_for(doubled.answered(), timeout=5)
