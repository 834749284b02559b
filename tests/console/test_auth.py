from __future__ import annotations

from typing import Any

import httpx

from tests.console.helpers import Console, make_admin, signed_in
from xiaodian.context import AppContext


async def test_pages_need_a_login_and_send_people_to_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/console/goods?q=x")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Fgoods%3Fq%3Dx"


async def test_login_sets_an_httponly_lax_session_cookie_scoped_to_the_console(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await make_admin(context)
    console = Console(client)
    response = await console.login()
    assert (response.status_code, response.headers["location"]) == (303, "/console/")
    cookie = next(
        header
        for header in response.headers.get_list("set-cookie")
        if header.startswith("xd_admin=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here; https requests get Secure
    page = await console.get("/")
    assert page.status_code == 200 and "经营概览" in page.text


async def test_wrong_password_shows_a_message_and_five_lock_the_account(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await make_admin(context, username="boss")
    console = Console(client)
    for _ in range(5):
        wrong = await console.login("boss", "not-the-password")
        assert wrong.status_code == 401
        assert "用户名或密码错误" in wrong.text
    locked = await console.login("boss")
    assert locked.status_code == 429
    assert "锁定 15 分钟" in locked.text


async def test_logout_revokes_the_session(client: httpx.AsyncClient, context: AppContext) -> None:
    console = await signed_in(client, context)
    session_cookie = client.cookies.get("xd_admin")
    response = await console.post("/logout")
    assert response.status_code == 303
    client.cookies.set("xd_admin", session_cookie or "", path="/console")
    assert (await client.get("/console/")).status_code == 303


async def test_a_form_post_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    response = await client.post("/console/categories", data={"name": "水果"})
    assert response.status_code == 403
    assert "页面已过期" in response.text
    forged = await client.post("/console/categories", data={"name": "水果", "csrf_token": "0" * 64})
    assert forged.status_code == 403
    ok = await console.post("/categories", {"name": "水果", "sort_order": "0"})
    assert ok.status_code == 303


async def test_a_token_from_another_session_is_refused(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context)
    old_token = console.token
    await console.login()  # a new session: tokens are bound to it
    response = await client.post(
        "/console/categories", data={"name": "水果", "csrf_token": old_token}
    )
    assert response.status_code == 403


async def test_login_does_not_redirect_off_the_console(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await make_admin(context)
    console = Console(client)
    await console.get("/login")
    response = await console.post(
        "/login", {"username": "owner", "password": "password123", "next": "//evil.example/x"}
    )
    assert response.headers["location"] == "/console/"


async def test_htmx_requests_from_a_signed_out_browser_are_sent_to_the_login_page(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/console/dashboard/live",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/console/"},
    )
    assert response.status_code == 401
    assert response.headers["hx-redirect"].startswith("/console/login?next=")


async def test_the_live_part_of_the_dashboard_refreshes_both_of_its_halves(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await signed_in(client, context)
    response = await client.get("/console/dashboard/live", headers={"HX-Request": "true"})
    assert response.status_code == 200
    # console.js refreshes it (on merchant-channel frames, polling every 5 s only while the
    # socket is down), not an htmx trigger of its own
    assert '<div id="live-stats" data-live-url="/console/dashboard/live" data-every="5"' in (
        response.text
    )
    assert "hx-trigger" not in response.text.split('id="live-lists"')[0]
    assert 'id="live-lists" class="grid grid-two" hx-swap-oob="true"' in response.text
    assert "<html" not in response.text


async def test_over_https_the_cookies_are_secure(
    client: httpx.AsyncClient, context: AppContext, app: Any
) -> None:
    await make_admin(context)  # `client` gave us an empty database
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://shop.example"
    ) as https:
        console = Console(https)
        response = await console.login()
    cookies = response.headers.get_list("set-cookie")
    assert cookies and all("Secure" in cookie for cookie in cookies)
