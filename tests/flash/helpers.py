"""Shared steps for flash-sale tests: a session made through the merchant API, buyers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests import factories
from xiaodian.context import AppContext
from xiaodian.flash.gate import Rule


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


async def flash_session(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    *,
    sku_id: int,
    starts_at: datetime,
    ends_at: datetime | None = None,
    flash_stock: int = 5,
    price_fen: int = 100,
    per_user_limit: int = 1,
    unpaid_minutes: int = 5,
    **item: Any,
) -> dict[str, Any]:
    response = await client.post(
        "/api/admin/v1/flash-sales",
        headers=admin,
        json={
            "title": "限时1元购",
            "starts_at": iso(starts_at),
            "ends_at": iso(ends_at or starts_at + timedelta(hours=1)),
            "unpaid_minutes": unpaid_minutes,
            "items": [
                {
                    "sku_id": sku_id,
                    "flash_price_fen": price_fen,
                    "flash_stock": flash_stock,
                    "per_user_limit": per_user_limit,
                    **item,
                }
            ],
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def buyer(
    client: httpx.AsyncClient, context: AppContext, openid: str
) -> tuple[dict[str, str], int]:
    headers = await factories.shopper(client, context, openid)
    return headers, await factories.address(client, headers)


async def grab(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    item_id: int,
    address_id: int,
    quantity: int = 1,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/flash-sales/items/{item_id}/orders",
        headers=headers,
        json={"quantity": quantity, "address_id": address_id},
    )


async def sku_stock(context: AppContext, sku_id: int) -> int:
    from xiaodian.models import Sku

    async with context.db.transaction(write=False) as session:
        sku = await session.get(Sku, sku_id)
        assert sku is not None
        return sku.stock


async def crowd_in_database(
    context: AppContext, count: int, tag: str
) -> list[tuple[dict[str, str], int]]:
    """`count` shoppers with a token and an address, written straight to the database (the
    login itself is tested elsewhere; a race needs many of them quickly)."""
    from xiaodian.auth.service import issue_token
    from xiaodian.models import Address, User

    crowd: list[tuple[dict[str, str], int]] = []
    async with context.db.transaction() as session:
        users = [User(openid=f"{tag}-{n}") for n in range(count)]
        session.add_all(users)
        await session.flush()
        addresses = [
            Address(
                user_id=user.id,
                name="抢购者",
                phone="13800000000",
                province="上海市",
                city="上海市",
                district="徐汇区",
                detail="1 号",
                is_default=True,
            )
            for user in users
        ]
        session.add_all(addresses)
        await session.flush()
        for user, address in zip(users, addresses, strict=True):
            issued = await issue_token(
                session, subject="user", subject_id=user.id, ttl=timedelta(days=1)
            )
            crowd.append(({"Authorization": f"Bearer {issued.token}"}, address.id))
    return crowd


def gate_rule(item_id: int, *, starts_at_ms: int, ended: bool = False) -> Rule:
    """An item's rule as the gate sees it: an hour's window from `starts_at_ms`, one unit per
    shopper, no cap on participants."""
    return Rule(
        item_id=item_id,
        session_id=1,
        sku_id=1,
        goods_id=1,
        quota_id=1,
        flash_price_fen=100,
        per_user_limit=1,
        max_participants=0,
        starts_at_ms=starts_at_ms,
        ends_at_ms=starts_at_ms + 3_600_000,
        ended=ended,
        unpaid_minutes=5,
    )
