"""Steps shared by the live tests: shoppers who log in through the simulator, goods made
through the merchant API (so every server process sees them)."""

from __future__ import annotations

import httpx

from tests.live.conftest import LiveShop


async def buyers(http: httpx.AsyncClient, shop: LiveShop, count: int) -> list[dict[str, str]]:
    async def one(number: int) -> dict[str, str]:
        minted = await http.post(
            f"{shop.sandbox_url}/wechat/codes", json={"openid": f"racer-{number}"}
        )
        login = await http.post(
            f"{shop.base_url}/api/v1/auth/wx-login", json={"code": minted.json()["code"]}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        address = await http.post(
            f"{shop.base_url}/api/v1/me/addresses",
            headers=headers,
            json={
                "name": f"买家{number}",
                "phone": "13800000000",
                "province": "上海市",
                "city": "上海市",
                "district": "徐汇区",
                "detail": f"{number} 号",
            },
        )
        assert address.status_code == 201, address.text
        return {**headers, "X-Address": str(address.json()["id"])}

    return [await one(number) for number in range(count)]


async def goods_with_stock(
    http: httpx.AsyncClient, shop: LiveShop, admin: dict[str, str], stock: int
) -> int:
    category = await http.post(
        f"{shop.base_url}/api/admin/v1/categories", headers=admin, json={"name": "抢购"}
    )
    goods = await http.post(
        f"{shop.base_url}/api/admin/v1/goods",
        headers=admin,
        json={
            "category_id": category.json()["id"],
            "title": "限量草莓",
            "is_on_shelf": True,
            "skus": [{"price_fen": 990, "stock": stock}],
        },
    )
    assert goods.status_code == 201, goods.text
    return int(goods.json()["skus"][0]["id"])
