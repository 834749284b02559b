"""`deps.query_model` answers every query string as FastAPI's own `Annotated[M, Query()]`
does (same values, same refusals), and `deps.query_parameters` documents the same OpenAPI
parameters; the shop's goods list uses both."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Query

from xiaodian.catalog.schemas import GoodsQuery
from xiaodian.deps import query_model, query_parameters

QUERY_STRINGS = [
    "",
    "max_price_fen=300&sort=sales&page=2",
    "q=苹果&min_price_fen=100&max_price_fen=5000&order=asc&sort=price",
    "category_id=3&page_size=50",
    "page=2&page=3",  # a repeated name: its last value
    "q=牛奶&unknown=1",  # an unknown name: ignored
    "max_price_fen=abc",
    "category_id=",
    "category_id=1e9",
    "page=0&page_size=51",
    "min_price_fen=-1&sort=weird&order=up",
    "q=" + "x" * 51,
    "page=1&page=0",
]


def _apps() -> tuple[FastAPI, FastAPI]:
    native, ours = FastAPI(), FastAPI()

    @native.get("/goods")
    async def native_list(query: Annotated[GoodsQuery, Query()]) -> Any:
        return query.model_dump()

    @ours.get("/goods", openapi_extra=query_parameters(GoodsQuery))
    async def our_list(query: Annotated[GoodsQuery, query_model(GoodsQuery)]) -> Any:
        return query.model_dump()

    return native, ours


def _comparable(response: httpx.Response) -> tuple[int, Any]:
    body = response.json()
    if response.status_code == 422:  # where, what and why of each error (not pydantic's URLs)
        body = [(item["loc"], item["type"], item["msg"], item["input"]) for item in body["detail"]]
    return response.status_code, body


@pytest.mark.parametrize("query_string", QUERY_STRINGS)
async def test_same_values_and_refusals_as_fastapi(query_string: str) -> None:
    native, ours = _apps()
    answers = []
    for app in (native, ours):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answers.append(_comparable(await client.get("/goods?" + query_string)))
    assert answers[0] == answers[1]


def test_the_same_openapi_parameters_as_fastapi() -> None:
    native, ours = _apps()
    expected = native.openapi()["paths"]["/goods"]["get"]["parameters"]
    assert ours.openapi()["paths"]["/goods"]["get"]["parameters"] == expected
    assert [parameter["name"] for parameter in expected] == list(GoodsQuery.model_fields)


def test_the_shops_goods_list_documents_its_parameters(app: FastAPI) -> None:
    native, _ = _apps()
    expected = native.openapi()["paths"]["/goods"]["get"]["parameters"]
    assert app.openapi()["paths"]["/api/v1/goods"]["get"]["parameters"] == expected


async def test_the_shops_goods_list_refuses_in_its_own_words(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/goods?page=0")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["details"][0]["loc"] == ["query", "page"]
    assert "page" in body["message"]
