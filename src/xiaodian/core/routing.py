"""The app's routes, found by the path's first segments instead of one after the other.

FastAPI (0.165) finds a request's route by asking every top-level route in turn, and each
included router asks each of its routes in turn, through several layers of bookkeeping per
route. The shop has about 30 routers and 300 routes: `GET /api/v1/ping`, after the shopper
routers, cost 237 µs of matching, a merchant `GET /api/admin/v1/orders` 337 µs, before any
of the request's own work.

`index_routes(app)` puts a dispatcher in front of the app's router that asks only the
top-level routes that could match the path, in their order, and hands the first full match
over exactly as the router itself does. Every path a route matches starts with the segments
of its own path before the first parameter (`/api/v1/goods/{goods_id}` -> api, v1, goods); a
trie of those prefixes, walked along the request's segments, gives the routes to ask. A
route it cannot read (a Host, a mount at the root, a router with low-priority routes) is
asked for every path. Anything that is not a full match among those (a 405, a redirect to the
slashed path, a 404, websockets, lifespan) goes to the router's own code, which asks
everything. The trie is rebuilt when the app's routes change."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.routing import (  # private helpers of the router's own dispatch (pinned FastAPI)
    APIRouter,
    _apply_router_form_limits,
    _IncludedRouter,
    _update_scope,
)
from fastapi.telemetry._api import _route_selected
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send


def segments(path: str) -> list[str]:
    """`/api/v1/goods/12` -> ["api", "v1", "goods", "12"]."""
    return path.split("/")[1:]


def _static_prefix(path_format: str) -> tuple[str, ...]:
    """The segments of a route's path before its first parameter: every path the route
    matches starts with them."""
    prefix: list[str] = []
    for segment in segments(path_format):
        if "{" in segment:
            break
        prefix.append(segment)
    return tuple(prefix)


def _prefixes(route: BaseRoute) -> set[tuple[str, ...]] | None:
    """The static prefixes of every path the route can match, or None when it cannot be told
    (it is then asked for every path)."""
    if isinstance(route, _IncludedRouter):
        if route.original_router._low_priority_routes:
            return None
        formats: list[str | None] = [
            getattr(context.starlette_route, "path_format", None) or context.path_format
            for context in route.effective_route_contexts()
        ]
    elif isinstance(route, Route):
        formats = [route.path_format]
    elif isinstance(route, Mount) and route.path:
        formats = [route.path]
    else:
        return None
    if any(path_format is None for path_format in formats):
        return None
    return {_static_prefix(path_format) for path_format in formats if path_format is not None}


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    ending: set[int] = field(default_factory=set)
    """Positions of the routes whose prefix ends here."""
    candidates: list[BaseRoute] = field(default_factory=list)
    """The routes a path reaching this node (and no deeper) may match, in the router's order."""


class RouteIndex:
    """The dispatcher in front of `router` (see the module's docstring)."""

    def __init__(self, router: APIRouter, fallback: ASGIApp) -> None:
        self.router = router
        self.fallback = fallback
        self._version: int | None = None
        self._root = _Node()

    def candidates(self, path: str) -> list[BaseRoute]:
        # The app's own routes version: one attribute, where FastAPI's full version walks
        # every router (23 µs). A route added later to an included router is missing here
        # until the app's routes change, and is then found by the fallback, which asks all.
        version = self.router._routes_version
        if version != self._version:
            self._root = _build(list(self.router.routes))
            self._version = version
        node = self._root
        for segment in segments(path):
            child = node.children.get(segment)
            if child is None:
                break
            node = child
        return node.candidates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.fallback(scope, receive, send)
            return
        _apply_router_form_limits(scope, self.router.form_limits)
        scope.setdefault("router", self.router)
        for route in self.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                _update_scope(scope, child_scope)
                _route_selected(
                    scope=scope,
                    path=getattr(route, "path_format", None),
                    mount=isinstance(route, Mount),
                )
                await route.handle(scope, receive, send)
                return
        await self.fallback(scope, receive, send)


def _build(routes: list[BaseRoute]) -> _Node:
    """A trie of the routes' static prefixes; each node lists the routes that any of its
    prefixes (or no prefix at all) allows."""
    root = _Node()
    anywhere: set[int] = set()
    for position, route in enumerate(routes):
        prefixes = _prefixes(route)
        if prefixes is None:
            anywhere.add(position)
            continue
        for prefix in prefixes:
            node = root
            for segment in prefix:
                node = node.children.setdefault(segment, _Node())
            node.ending.add(position)

    def fill(node: _Node, allowed: set[int]) -> None:
        allowed = allowed | node.ending
        node.candidates = [routes[position] for position in sorted(allowed)]
        for child in node.children.values():
            fill(child, allowed)

    fill(root, anywhere)
    return root


def index_routes(app: FastAPI) -> RouteIndex:
    """Put a `RouteIndex` in front of the app's router; returns it."""
    router = app.router
    index = RouteIndex(router, router.middleware_stack)
    router.middleware_stack = index
    return index
