"""Rate limits over the shared cache: at most N hits per key in each fixed window of time.

Counters live in `Cache` (in-process `MemoryCache`, or `RedisCache` shared by every server
process), so several processes enforce one limit together. Windows are aligned on the epoch and
read from `core.clock` (tests move it), so every process agrees where a window starts; a refused
hit answers how many seconds remain until the next one. A fixed window lets a client spend its
allowance at the end of one window and again at the start of the next (at most 2N over any span
of one window): the simple, exact counting is worth that for the limits here.

Use `rate_limit(...)` as a FastAPI dependency on a route, or a `RateLimiter` directly where the
answer must be rendered differently (the console's login page).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Request
from pydantic import BeforeValidator
from pydantic_settings import NoDecode

from xiaodian.core import clock
from xiaodian.core.cache import Cache
from xiaodian.core.errors import RateLimited

_UNITS = {
    **dict.fromkeys(("s", "second"), 1),
    **dict.fromkeys(("m", "minute"), 60),
    **dict.fromkeys(("h", "hour"), 3600),
    **dict.fromkeys(("d", "day"), 86400),
}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    """`limit` hits per `per_seconds`; a limit of 0 means no limit at all."""

    limit: int
    per_seconds: int

    @property
    def is_off(self) -> bool:
        return self.limit == 0

    @classmethod
    def parse(cls, value: object) -> Rate:
        """ "10/minute", "5/10s", "100/hour", "3/day" or "off" (also a `Rate` as it is)."""
        if isinstance(value, Rate):
            return value
        text = str(value).strip().lower()
        if text in ("off", "0", "none"):
            return cls(limit=0, per_seconds=1)
        match = _RATE.match(text)
        if match is None or match.group(3) not in _UNITS:
            raise ValueError(f"a rate looks like '10/minute' or '5/10s', not {value!r}")
        count = int(match.group(2) or 1)
        per_seconds = count * _UNITS[match.group(3)]
        if per_seconds < 1:
            raise ValueError("a rate's window must be at least one second")
        return cls(limit=int(match.group(1)), per_seconds=per_seconds)

    def __str__(self) -> str:
        return "off" if self.is_off else f"{self.limit}/{self.per_seconds}s"


RateSetting = Annotated[Rate, NoDecode, BeforeValidator(Rate.parse)]
"""A settings field holding a rate, written in the environment as "10/minute"."""


class RateLimiter:
    """Counts hits per key for one named limit; `hit` answers 0 or the seconds to wait."""

    def __init__(self, cache: Cache, *, name: str, rate: Rate) -> None:
        self.cache = cache
        self.name = name
        self.rate = rate

    async def hit(self, key: str) -> int:
        """Count one hit for `key`: 0 when it is within the limit, else the whole seconds
        (at least 1) until the window ends and hits are allowed again."""
        if self.rate.is_off:
            return 0
        moment = clock.now().timestamp()
        window = int(moment // self.rate.per_seconds)
        count = await self.cache.incr(
            f"ratelimit:{self.name}:{key}:{window}", ttl_seconds=self.rate.per_seconds + 1
        )
        if count <= self.rate.limit:
            return 0
        window_ends = (window + 1) * self.rate.per_seconds
        return max(1, math.ceil(window_ends - moment))

    async def check(self, key: str, *, message: str | None = None) -> None:
        """Count one hit, or raise `RateLimited` (429, with the seconds to wait)."""
        wait = await self.hit(key)
        if wait:
            raise RateLimited(message, retry_after_seconds=wait)


def client_address(request: Request) -> str:
    """The address a request came from: the one place that decides it.

    Uvicorn's proxy-headers middleware has already replaced the socket's address with the
    client's from `X-Forwarded-For` when the request came through a trusted proxy.
    """
    return request.client.host if request.client is not None else "unknown"


async def by_client_address(request: Request) -> str:
    """The default key of `rate_limit`: one allowance per client address."""
    return f"ip:{client_address(request)}"
