"""Shopper cart routes; every change answers with the whole cart as it now is (built from one
Core query straight to JSON bytes: `service.cart_json`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from xiaodian.auth.deps import CurrentUserId, TokenParams
from xiaodian.cart import service
from xiaodian.cart.schemas import CartItemIn, CartItemPatch, CartOut, CartSelectIn
from xiaodian.core.responses import RawJSONResponse
from xiaodian.deps import IdPath, SessionDep

router = APIRouter(tags=["cart"])


@router.get("/cart", response_model=CartOut)
async def get_cart(user_id: CurrentUserId, session: SessionDep) -> Any:
    return RawJSONResponse(await service.cart_json(session, user_id=user_id))


@router.post("/cart/items", status_code=201, response_model=CartOut)
async def add_item(body: CartItemIn, asking: TokenParams, session: SessionDep) -> Any:
    # Who is asking is checked by the add's own first statement (one round trip fewer).
    user_id = await service.add_item(
        session, asking=asking, sku_id=body.sku_id, quantity=body.quantity
    )
    return RawJSONResponse(await service.cart_json(session, user_id=user_id), status_code=201)


@router.patch("/cart/items/{item_id}", response_model=CartOut)
async def update_item(
    item_id: IdPath, body: CartItemPatch, asking: TokenParams, session: SessionDep
) -> Any:
    user_id = await service.update_item(
        session, asking=asking, item_id=item_id, quantity=body.quantity, selected=body.selected
    )
    return RawJSONResponse(await service.cart_json(session, user_id=user_id))


@router.delete("/cart/items/{item_id}", response_model=CartOut)
async def delete_item(item_id: IdPath, user_id: CurrentUserId, session: SessionDep) -> Any:
    await service.delete_item(session, user_id=user_id, item_id=item_id)
    return RawJSONResponse(await service.cart_json(session, user_id=user_id))


@router.post("/cart/select", response_model=CartOut)
async def select_all(body: CartSelectIn, user_id: CurrentUserId, session: SessionDep) -> Any:
    await service.select_all(session, user_id=user_id, selected=body.selected)
    return RawJSONResponse(await service.cart_json(session, user_id=user_id))
