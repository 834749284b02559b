"""The route index (core/routing.py) picks the route the router's own scan picks, for every
route the shop has, and leaves everything that is not a full match to the router."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import _IncludedRouter
from starlette.routing import BaseRoute, Match

from xiaodian.core.routing import RouteIndex, index_routes, segments

_PARAM = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_]+)?\}")


def _index(app: FastAPI) -> RouteIndex:
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    return index


def _scope(path: str, method: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def _first_full(routes: list[BaseRoute], path: str, method: str) -> BaseRoute | None:
    for route in routes:
        match, _ = route.matches(_scope(path, method))
        if match == Match.FULL:
            return route
    return None


def _every_request(app: FastAPI) -> list[tuple[str, str]]:
    """A path and method for every route of the app (parameters filled in)."""
    requests: list[tuple[str, str]] = []
    for route in app.router.routes:
        if isinstance(route, _IncludedRouter):
            contexts = list(route.effective_route_contexts())
            shapes = [(c.path_format, c.methods or {"GET"}) for c in contexts]
        else:
            path_format = getattr(route, "path_format", None)
            shapes = [(path_format, getattr(route, "methods", None) or {"GET"})]
        for path_format, methods in shapes:
            if path_format is None:
                continue
            path = _PARAM.sub(lambda m: "a/b" if m.group(2) == ":path" else "7", path_format)
            requests.extend((path, method) for method in sorted(methods))
    return requests


def test_every_route_is_found_where_the_routers_own_scan_finds_it(app: FastAPI) -> None:
    index = _index(app)
    requests = _every_request(app)
    assert len(requests) > 150
    routes = list(app.router.routes)
    for path, method in [*requests, ("/console/orders/5", "GET"), ("/media/x/y.jpg", "GET")]:
        expected = _first_full(routes, path, method)
        assert _first_full(index.candidates(path), path, method) is expected, (path, method)


def test_a_path_asks_only_the_routes_it_can_match(app: FastAPI) -> None:
    index = _index(app)
    everything = len(app.router.routes)
    for path in ("/api/v1/ping", "/api/v1/goods", "/api/admin/v1/orders/3"):
        asked = index.candidates(path)
        assert len(asked) < everything / 3, (path, len(asked), everything)
    assert segments("/api/v1/goods/12") == ["api", "v1", "goods", "12"]


async def test_what_is_no_full_match_is_answered_by_the_router(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/api/v1/ping")).status_code == 200
    assert (await client.get("/api/v1/no-such-thing")).status_code == 404
    assert (await client.delete("/api/v1/ping")).status_code == 405


async def test_a_route_added_after_the_first_request_is_found() -> None:
    app = FastAPI()
    router = APIRouter()

    @router.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"item": item_id}

    app.include_router(router, prefix="/api")
    index_routes(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://shop.test"
    ) as http:
        assert (await http.get("/api/items/3")).json() == {"item": 3}

        @app.get("/api/added-late")
        async def added_late() -> dict[str, str]:
            return {"late": "yes"}

        late = await http.get("/api/added-late")
        assert late.status_code == 200 and late.json() == {"late": "yes"}
        # added to the included router after the app was indexed: found by the fallback

        @router.get("/later/{n}")
        async def later(n: int) -> dict[str, int]:
            return {"later": n}

        assert (await http.get("/api/later/5")).json() == {"later": 5}
        assert (await http.get("/api/items/x")).status_code == 422
