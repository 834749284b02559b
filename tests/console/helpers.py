"""Driving the console over HTTP like a browser: cookies, the CSRF token, forms."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests import factories
from tests.waiting import until
from xiaodian.admins.schemas import AdminCreate
from xiaodian.admins.service import create_admin
from xiaodian.context import AppContext

PASSWORD = "password123"
_TOKEN = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


def csrf_of(html: str) -> str:
    match = _TOKEN.search(html)
    assert match is not None, "page has no CSRF token"
    return match.group(1)


async def make_admin(context: AppContext, *, username: str = "owner", role: str = "owner") -> int:
    async with context.db.transaction() as session:
        created = await create_admin(
            session,
            data=AdminCreate.model_validate(
                {"username": username, "password": PASSWORD, "role": role}
            ),
        )
        return created.id


class Console:
    """One browser: its cookie jar (the httpx client's) and its current CSRF token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.token = ""

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.get(f"/console{path}", **kwargs)
        if "csrf-token" in response.text:
            self.token = csrf_of(response.text)
        return response

    async def post(
        self, path: str, data: dict[str, Any] | list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> httpx.Response:
        if not self.token:
            await self.get("/login")
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        fields: dict[str, list[str]] = {"csrf_token": [self.token]}
        for name, value in pairs:
            values = value if isinstance(value, list) else [value]
            fields.setdefault(name, []).extend(str(v) for v in values)
        response = await self.client.post(f"/console{path}", data=fields, **kwargs)
        if "csrf-token" in response.text:
            self.token = csrf_of(response.text)
        return response

    async def htmx(self, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(
            f"/console{path}",
            data=data or {},
            headers={"HX-Request": "true", "X-CSRF-Token": self.token},
        )

    async def login(self, username: str = "owner", password: str = PASSWORD) -> httpx.Response:
        await self.get("/login")
        response = await self.post("/login", {"username": username, "password": password})
        if response.status_code == 303:
            await self.get("/")
        return response


async def signed_in(
    client: httpx.AsyncClient, context: AppContext, *, username: str = "owner", role: str = "owner"
) -> Console:
    await make_admin(context, username=username, role=role)
    console = Console(client)
    response = await console.login(username)
    assert response.status_code == 303, response.text
    return console


async def pay(
    client: httpx.AsyncClient, context: AppContext, headers: dict[str, str], order_id: int
) -> None:
    """Pay an order the way a shopper does: the payments API, then "confirm" in the WeChat Pay
    simulator, whose notification marks the order paid a moment later."""
    started = await client.post(
        f"/api/v1/orders/{order_id}/pay", json={"channel": "wechat"}, headers=headers
    )
    assert started.status_code == 200, started.text
    prepay_id = started.json()["package"].removeprefix("prepay_id=")
    confirmed = await client.post(f"/sandbox/wechat/pay/{prepay_id}/confirm")
    assert confirmed.status_code == 200, confirmed.text

    async def left_pending() -> bool:
        view = await client.get(f"/api/v1/orders/{order_id}", headers=headers)
        return bool(view.json()["status"] != "pending_payment")

    await until(left_pending, f"order {order_id} to be paid", seconds=5, every=0.025)


async def paid_order(
    client: httpx.AsyncClient,
    context: AppContext,
    *,
    title: str = "红富士苹果",
    price_fen: int = 1990,
    quantity: int = 1,
    openid: str = "shopper-1",
) -> tuple[dict[str, Any], dict[str, str]]:
    """A shopper's order for a new goods item, paid; (order, shopper's auth headers)."""
    goods = await factories.make_goods(context, title=title, prices=[price_fen], stock=50)
    shopper = await factories.shopper(client, context, openid)
    address_id = await factories.address(client, shopper)
    order = await factories.place_order(
        client, shopper, sku_id=goods["sku_ids"][0], quantity=quantity, address_id=address_id
    )
    await pay(client, context, shopper, order["id"])
    return order, shopper
