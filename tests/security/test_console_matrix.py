"""The console's routes, from its route table: every one but the declared public ones refuses
a visitor who is not signed in (to the login page, or 401 for htmx), and exactly the declared
owner-only ones refuse a staff account (which holds every permission) with 403. A new console
route is therefore refused to strangers unless declared public, and a new owner-only one must
be declared here."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI, routing
from starlette.routing import Mount

from tests.console.helpers import Console, signed_in
from xiaodian.context import AppContext

PUBLIC = {"GET /login", "POST /login", "POST /logout"}
OWNER_ONLY = {
    "GET /oplog",
    "GET /settings",
    "POST /settings",
    "POST /settings/payments",
    "POST /settings/sections/{section}",
    "GET /staff",
    "POST /staff",
    "POST /staff/{admin_id}",
    "GET /integrations",
    "POST /integrations/keys",
    "POST /integrations/keys/{key_id}/revoke",
    "POST /integrations/webhooks",
    "POST /integrations/webhooks/{endpoint_id}/delete",
    "POST /integrations/deliveries/{delivery_id}/resend",
    "POST /integrations/stock-csv",
    "POST /integrations/stock-csv/apply",
    "POST /wechat/templates/{event}",
    "POST /delivery/settings",
    "POST /delivery/locate",
}
PATH_VALUES = {"event": "paid", "section": "orders", "kind": "goods"}


def console_routes(app: FastAPI) -> list[str]:
    console = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/console")
    calls = []
    for context in routing.iter_route_contexts(console.app.routes):  # type: ignore[attr-defined]
        if isinstance(context.original_route, routing.APIRoute):
            calls.extend(f"{method} {context.path_format}" for method in sorted(context.methods))
    return calls


def _concrete(path: str) -> str:
    return "/console" + re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "999999"), path)


async def _call(http: httpx.AsyncClient, call: str, token: str) -> httpx.Response:
    method, path = call.split(" ", 1)
    headers = {"HX-Request": "true", "X-CSRF-Token": token} if method != "GET" else {}
    return await http.request(method, _concrete(path), headers=headers, follow_redirects=False)


def _sent_to_login(response: httpx.Response) -> bool:
    if response.status_code == 401:
        return True
    redirected = response.status_code in (302, 303) or "hx-redirect" in response.headers
    where = response.headers.get("location", "") + response.headers.get("hx-redirect", "")
    return redirected and "/login" in where


async def test_console_routes_refuse_strangers_and_staff_exactly_as_declared(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext
) -> None:
    calls = console_routes(app)
    assert len(calls) > 100
    assert set(calls) >= PUBLIC and set(calls) >= OWNER_ONLY
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        stranger = Console(http)
        await stranger.get("/login")
        open_to_strangers = []
        for call in calls:
            if call in PUBLIC:
                continue
            response = await _call(stranger.client, call, stranger.token)
            if not _sent_to_login(response):
                open_to_strangers.append(f"{call}: {response.status_code}")
    assert open_to_strangers == []
    staff = await signed_in(client, context, username="staff", role="staff")
    refused_to_staff = set()
    for call in calls:
        if call in PUBLIC:
            continue
        response = await _call(staff.client, call, staff.token)
        assert not _sent_to_login(response), f"{call} signed the staff account out"
        if response.status_code == 403:
            refused_to_staff.add(call)
    assert refused_to_staff == OWNER_ONLY
