"""Waiting in tests: on a condition with a deadline, never a fixed sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def until(
    check: Callable[[], Awaitable[T]], what: str, *, seconds: float = 30, every: float = 0.05
) -> T:
    """Call `check` until it returns something truthy (returned), or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        await asyncio.sleep(every)
