"""Bounded retries for outbound payment calls.

At most ``max_attempts`` tries (3 by default) on a timeout, a network error, a 5xx or a 429,
with exponential backoff through an injectable ``sleep``. The request is rebuilt from the same
parameters each time (the same ``out_trade_no`` / ``out_refund_no``), and after an *ambiguous*
failure — one where the server may have acted — the caller's ``reconcile`` step (a query) runs
before anything is sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff_seconds: float = 0.5
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        if not 1 <= self.max_attempts <= 3:
            raise ValueError("max_attempts must be between 1 and 3")
        if self.backoff_seconds < 0 or self.timeout_seconds <= 0:
            raise ValueError("backoff must be >= 0 and timeout > 0")

    def delay_before(self, attempt: int) -> float:
        """Backoff before attempt number `attempt` (2, 3, …): base, 2·base, …"""
        return float(self.backoff_seconds * 2 ** (attempt - 2))


class TransientError(Exception):
    """One attempt failed in a way that may succeed if repeated."""

    def __init__(
        self, reason: str, *, ambiguous: bool, status: int | None = None, code: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.ambiguous = ambiguous
        self.status = status
        self.code = code


class RetriesExhaustedError(Exception):
    def __init__(self, last: TransientError, attempts: int) -> None:
        super().__init__(f"gave up after {attempts} attempts: {last.reason}")
        self.last = last
        self.attempts = attempts


async def send_once(
    http: httpx.AsyncClient, request: httpx.Request, *, timeout_seconds: float
) -> httpx.Response:
    """Send and read the whole response; transport trouble becomes a TransientError.

    The deadline is enforced here as well as by httpx so it also holds for in-process
    transports. A failure to connect is not ambiguous (nothing reached the server); a timeout
    or a connection lost mid-request is.
    """
    try:
        async with asyncio.timeout(timeout_seconds):
            response = await http.send(request)
            await response.aread()
    except httpx.ConnectError as error:
        raise TransientError(f"cannot connect: {error}", ambiguous=False) from error
    except (TimeoutError, httpx.TimeoutException) as error:
        raise TransientError("timed out", ambiguous=True) from error
    except httpx.TransportError as error:
        raise TransientError(f"network error: {error!r}", ambiguous=True) from error
    return response


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    sleep: Sleep,
    reconcile: Callable[[], Awaitable[T | None]] | None = None,
) -> T:
    """Run `attempt` until it returns, raises a final error, or the attempts run out.

    `attempt` raises TransientError for what may be retried. After an ambiguous failure
    `reconcile` runs first; if it finds the outcome (not None) that is returned instead of
    sending again.
    """
    last: TransientError | None = None
    for number in range(1, policy.max_attempts + 1):
        if last is not None:
            await sleep(policy.delay_before(number))
            if last.ambiguous and reconcile is not None:
                found = await reconcile()
                if found is not None:
                    return found
        try:
            return await attempt()
        except TransientError as failure:
            last = failure
    assert last is not None
    raise RetriesExhaustedError(last, policy.max_attempts)
