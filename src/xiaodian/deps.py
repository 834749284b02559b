"""The request's dependencies, typed once: the app context, the request's transaction, ids.

Routes read like sentences: `async def cancel(order_id: IdPath, user: CurrentUser,
session: SessionDep) -> OrderOut`. Who is asking (`CurrentUser`, `CurrentAdmin`, …) lives in
`xiaodian.auth.deps`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from xiaodian.config import Settings
from xiaodian.context import AppContext
from xiaodian.core.dbtypes import MAX_ID
from xiaodian.core.ratelimit import Rate, RateLimiter, by_client_address

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
QueryModelT = TypeVar("QueryModelT", bound=BaseModel)


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


def query_model(model: type[QueryModelT]) -> Any:
    """`Annotated[M, query_model(M)]`: the query string validated as `M` in one call.

    For a hot route: FastAPI's own `Annotated[M, Query()]` looks each field up in the query
    string and inspects its annotation on every request (~60 µs for the goods list's eight
    fields, a tenth of an uncached list). The values are the same (a repeated name: its last
    value; unknown names ignored) and so are the refusals (422, each error at
    `("query", field)`). Declare the parameters in OpenAPI with `query_parameters(M)`."""

    async def parse(request: Request) -> QueryModelT:
        try:
            return model.model_validate(dict(request.query_params))
        except ValidationError as error:
            raise RequestValidationError(
                [{**item, "loc": ("query", *item["loc"])} for item in error.errors()]
            ) from None

    return Depends(parse)


def query_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """The route's `openapi_extra` for a `query_model(model)`: the parameters FastAPI would
    have listed for `Annotated[model, Query()]`."""
    schema = model.model_json_schema()
    if "$defs" in schema:  # a referenced schema would dangle outside the model's own
        raise TypeError(f"{model.__name__}: query parameters must not refer to other schemas")
    required = set(schema.get("required", ()))
    return {
        "parameters": [
            {"name": name, "in": "query", "required": name in required, "schema": field}
            for name, field in schema["properties"].items()
        ]
    }


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
