from __future__ import annotations

import httpx
import pytest

from tests import factories
from xiaodian.context import AppContext


async def test_the_first_address_is_the_default_and_a_new_default_replaces_it(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    first = await factories.address(client, headers)
    second = await factories.address(client, headers, detail="人民路 2 号", is_default=True)
    listed = (await client.get("/api/v1/me/addresses", headers=headers)).json()
    defaults = [a["id"] for a in listed if a["is_default"]]
    assert defaults == [second]
    assert {a["id"] for a in listed} == {first, second}


async def test_deleting_the_default_hands_it_to_another_address(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    first = await factories.address(client, headers)
    second = await factories.address(client, headers, detail="人民路 2 号")
    assert (
        await client.delete(f"/api/v1/me/addresses/{first}", headers=headers)
    ).status_code == 204
    listed = (await client.get("/api/v1/me/addresses", headers=headers)).json()
    assert [(a["id"], a["is_default"]) for a in listed] == [(second, True)]


async def test_an_address_can_be_edited_and_keeps_coordinates(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    address_id = await factories.address(client, headers, lat=31.2304, lng=121.4737)
    response = await client.patch(
        f"/api/v1/me/addresses/{address_id}",
        headers=headers,
        json={"detail": "新地址 8 号", "phone": "13900000000"},
    )
    body = response.json()
    assert response.status_code == 200
    assert (body["detail"], body["phone"], body["lat"], body["lng"]) == (
        "新地址 8 号",
        "13900000000",
        31.2304,
        121.4737,
    )


async def test_another_shoppers_address_is_invisible(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    alice = await factories.shopper(client, context, "alice")
    bob = await factories.shopper(client, context, "bob")
    address_id = await factories.address(client, alice)
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method, f"/api/v1/me/addresses/{address_id}", headers=bob, json={"detail": "x"}
        )
        assert response.status_code == 404
        assert response.json()["error"] == "address_not_found"
    assert (
        await client.get(f"/api/v1/me/addresses/{address_id}", headers=alice)
    ).status_code == 200


async def test_a_shopper_keeps_at_most_twenty_addresses(
    client: httpx.AsyncClient, context: AppContext
) -> None:
    headers = await factories.shopper(client, context)
    for number in range(20):
        await factories.address(client, headers, detail=f"第 {number} 号")
    body = {
        "name": "张三",
        "phone": "13800000000",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "detail": "再来一个",
    }
    response = await client.post("/api/v1/me/addresses", json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "too_many_addresses"


@pytest.mark.parametrize(
    "change",
    [
        {"phone": "not a phone"},
        {"name": ""},
        {"lat": 91},
        {"lng": -181},
        {"detail": "x" * 201},
        {"province": None, "city": 5},
    ],
)
async def test_bad_addresses_are_refused(
    client: httpx.AsyncClient, context: AppContext, change: dict[str, object]
) -> None:
    headers = await factories.shopper(client, context)
    body = {
        "name": "张三",
        "phone": "13800000000",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "detail": "世纪大道 1 号",
        **change,
    }
    response = await client.post("/api/v1/me/addresses", json=body, headers=headers)
    assert response.status_code == 422
