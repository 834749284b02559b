"""The request's dependencies, typed once: the app context, the request's transaction, ids.

Routes read like sentences: `async def cancel(order_id: IdPath, user: CurrentUser,
session: SessionDep) -> OrderOut`. Who is asking (`CurrentUser`, `CurrentAdmin`, …) lives in
`xiaodian.auth.deps`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core.dbtypes import MAX_ID
from xiaodian.core.ratelimit import Rate, RateLimiter, by_client_address

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def context_of(connection: HTTPConnection) -> AppContext:
    """The app context of the app serving this request (or WebSocket)."""
    context = connection.app.state.context
    if not isinstance(context, AppContext):
        raise RuntimeError("the app has no AppContext (create it with xiaodian.app.create_app)")
    return context


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction; committed before the response is sent. Reads (GET,
    HEAD, OPTIONS) get a read transaction, everything else a write transaction."""
    async with context_of(request).db.transaction(
        write=request.method not in READ_METHODS
    ) as session:
        yield session


async def _request_context(request: Request) -> AppContext:
    # `async`, so FastAPI calls it on the event loop: a plain `def` dependency would be run in
    # the thread pool, a thread hop on every request that costs more than the route itself.
    return context_of(request)


ContextDep = Annotated[AppContext, Depends(_request_context)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


RateOf = Callable[[Settings], Rate]
"""Picks a route's rate from the app's `Settings`."""
KeyOf = Callable[..., Awaitable[str]]
"""A FastAPI dependency that names who is counted (it may depend on the caller)."""


def rate_limit(
    name: str, rate: RateOf, *, key: KeyOf = by_client_address, message: str | None = None
) -> Any:
    """A route dependency allowing `rate(settings)` hits per `key` (default: per client address),
    refusing the rest with 429 `rate_limited` and `Retry-After`.

    Put it in the route's `dependencies=[...]`: those run before its parameters, so a refused
    request is answered before any transaction opens.
    """

    # `key` is a closure variable, so it goes in a default (annotations are strings here and
    # FastAPI resolves them in the module's globals).
    async def check(request: Request, subject: str = Depends(key)) -> None:
        context = context_of(request)
        limiter = RateLimiter(context.cache, name=name, rate=rate(context.settings))
        await limiter.check(subject, message=message)

    return Depends(check)
