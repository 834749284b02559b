"""Shopper cart routes; every change answers with the whole cart as it now is."""

from __future__ import annotations

from fastapi import APIRouter

from xiaodian.auth.deps import CurrentUser
from xiaodian.cart import service
from xiaodian.cart.schemas import CartItemIn, CartItemPatch, CartOut, CartSelectIn
from xiaodian.deps import IdPath, SessionDep

router = APIRouter(tags=["cart"])


@router.get("/cart")
async def get_cart(user: CurrentUser, session: SessionDep) -> CartOut:
    return await service.get_cart(session, user_id=user.id)


@router.post("/cart/items", status_code=201)
async def add_item(body: CartItemIn, user: CurrentUser, session: SessionDep) -> CartOut:
    await service.add_item(session, user_id=user.id, sku_id=body.sku_id, quantity=body.quantity)
    return await service.get_cart(session, user_id=user.id)


@router.patch("/cart/items/{item_id}")
async def update_item(
    item_id: IdPath, body: CartItemPatch, user: CurrentUser, session: SessionDep
) -> CartOut:
    await service.update_item(
        session, user_id=user.id, item_id=item_id, quantity=body.quantity, selected=body.selected
    )
    return await service.get_cart(session, user_id=user.id)


@router.delete("/cart/items/{item_id}")
async def delete_item(item_id: IdPath, user: CurrentUser, session: SessionDep) -> CartOut:
    await service.delete_item(session, user_id=user.id, item_id=item_id)
    return await service.get_cart(session, user_id=user.id)


@router.post("/cart/select")
async def select_all(body: CartSelectIn, user: CurrentUser, session: SessionDep) -> CartOut:
    await service.select_all(session, user_id=user.id, selected=body.selected)
    return await service.get_cart(session, user_id=user.id)
