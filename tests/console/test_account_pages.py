"""A merchant changes their own password in the console; every other session ends."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.console.helpers import PASSWORD, Console, signed_in
from xiaodian.context import AppContext

NEW_PASSWORD = "a-new-password-9"


@pytest.fixture
async def other_browser(
    app: FastAPI, client: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser (its own cookie jar) on the same app; `client` has wiped the slate."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield http


def _form(current: str, new: str, confirm: str | None = None) -> dict[str, str]:
    return {
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    }


async def test_the_password_page_is_in_every_pages_user_menu(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    console = await signed_in(client, context, role="staff", username="clerk")
    home = await console.get("/")
    assert 'href="/console/account/password"' in home.text
    page = await console.get("/account/password")
    assert page.status_code == 200
    assert 'name="current_password"' in page.text and "@clerk" in page.text


async def test_changing_the_password_in_the_console_signs_out_every_other_session(
    client: httpx.AsyncClient, context: AppContext, other_browser: httpx.AsyncClient
) -> None:
    console = await signed_in(client, context)
    elsewhere = Console(other_browser)
    assert (await elsewhere.login()).status_code == 303
    api = await client.post(
        "/api/admin/v1/auth/login", json={"username": "owner", "password": PASSWORD}
    )
    api_headers = {"Authorization": f"Bearer {api.json()['token']}"}
    old_cookie = client.cookies.get("xd_admin")

    await console.get("/account/password")
    changed = await console.post("/account/password", _form(PASSWORD, NEW_PASSWORD))
    assert (changed.status_code, changed.headers["location"]) == (303, "/console/")
    assert client.cookies.get("xd_admin") not in (None, old_cookie)  # a fresh session here
    home = await console.get("/")
    assert home.status_code == 200 and "其他设备上的登录已全部退出" in home.text

    assert (await other_browser.get("/console/")).status_code == 303  # to the login page
    assert (await client.get("/api/admin/v1/me", headers=api_headers)).status_code == 401
    other_browser.cookies.clear()
    other_browser.cookies.set("xd_admin", old_cookie or "", path="/console")
    assert (await other_browser.get("/console/")).status_code == 303  # the page's old session
    assert (await Console(other_browser).login("owner", PASSWORD)).status_code == 401
    assert (await Console(other_browser).login("owner", NEW_PASSWORD)).status_code == 303


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        (_form("not-my-password", NEW_PASSWORD), 401, "当前密码不正确"),
        (_form(PASSWORD, NEW_PASSWORD, "a-new-password-8"), 422, "两次输入的新密码不一致"),
        (_form(PASSWORD, "short"), 422, "至少 8 个字符"),
        (_form("", NEW_PASSWORD), 422, "不能为空"),
    ],
    ids=["wrong-current", "confirm-differs", "too-short", "no-current"],
)
async def test_a_refused_password_change_says_why_and_changes_nothing(
    client: httpx.AsyncClient,
    context: AppContext,
    other_browser: httpx.AsyncClient,
    form: dict[str, str],
    status: int,
    message: str,
) -> None:
    console = await signed_in(client, context)
    elsewhere = Console(other_browser)
    assert (await elsewhere.login()).status_code == 303
    await console.get("/account/password")
    refused = await console.post("/account/password", form)
    assert refused.status_code == status
    assert message in refused.text
    assert (await console.get("/")).status_code == 200
    assert (await elsewhere.get("/")).status_code == 200  # nobody was signed out
    assert (await Console(other_browser).login("owner", PASSWORD)).status_code == 303


async def test_the_password_form_needs_the_csrf_token(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    await signed_in(client, context)
    forged = await client.post("/console/account/password", data=_form(PASSWORD, NEW_PASSWORD))
    assert forged.status_code == 403
    api = await client.post(
        "/api/admin/v1/auth/login", json={"username": "owner", "password": PASSWORD}
    )
    assert api.status_code == 200  # the password did not change
