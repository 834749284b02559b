"""The home page's promotion slot, filled by the promotion domains without catalog knowing them.

Each domain (flash sales, group buying, coupons) registers a provider in `xiaodian.receivers`
under the key it fills (`flash_sales`, `group_buys`, `coupons`); home asks every provider at
answer time, so a session that starts or a campaign that ends shows without waiting for the
home cache. A provider must be cheap (serve from its own near-cache entry) and return plain
JSON-ready data; one that fails is logged and its key left empty, never the whole home.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from xiaodian.context import AppContext

log = logging.getLogger(__name__)

Provider = Callable[[AppContext], Awaitable[Any]]
_providers: dict[str, Provider] = {}
DEFAULT_KEYS = ("flash_sales", "group_buys")


def register(key: str, provider: Provider) -> None:
    if key in _providers:
        raise ValueError(f"a home promotion provider for {key!r} is registered twice")
    _providers[key] = provider


async def slot_json(context: AppContext) -> bytes:
    """The promotion slot as JSON bytes: every default key (empty when nobody fills it) plus
    whatever providers answer."""
    slot: dict[str, Any] = {key: [] for key in DEFAULT_KEYS}
    for key, provider in _providers.items():
        try:
            slot[key] = await provider(context)
        except Exception:
            log.exception("home promotion provider %s failed", key)
    return json.dumps(slot, ensure_ascii=False, separators=(",", ":"), default=str).encode()
