"""Periodic sweeps (unpaid orders, auto-confirm, reconciliation …) and the loop that runs them.

Each run of a job is its own transaction; jobs select due rows with row locks so any number of
workers may run side by side.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from xiaodian.core.outage import is_connection_lost

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Any], Awaitable[int]]
    """Takes the app context, returns how many items it handled."""


async def run_jobs_once(jobs: Sequence[Job], context: Any) -> dict[str, int]:
    """Run every job once; a failing job is logged and does not stop the others (while the
    database is unreachable, only the outage's own line is logged)."""
    results: dict[str, int] = {}
    for job in jobs:
        try:
            results[job.name] = await job.run(context)
        except Exception as error:
            if not is_connection_lost(error):
                log.exception("job %s failed", job.name)
            results[job.name] = -1
    return results


async def run_jobs_forever(
    jobs: Sequence[Job], context: Any, *, interval_seconds: float, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        results = await run_jobs_once(jobs, context)
        busy = {name: count for name, count in results.items() if count}
        if busy:
            log.info("jobs ran", extra={"jobs": busy})
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
        except TimeoutError:
            continue
