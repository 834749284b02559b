"""Shopper routes: the address book under /me/addresses."""

from __future__ import annotations

from fastapi import APIRouter, Response

from xiaodian.addresses import service
from xiaodian.addresses.schemas import AddressIn, AddressOut, AddressPatch
from xiaodian.auth.deps import CurrentUser
from xiaodian.deps import IdPath, SessionDep

router = APIRouter()


@router.get("/me/addresses", tags=["me"])
async def list_addresses(user: CurrentUser, session: SessionDep) -> list[AddressOut]:
    return await service.list_addresses(session, user_id=user.id)


@router.post("/me/addresses", status_code=201, tags=["me"])
async def create_address(body: AddressIn, user: CurrentUser, session: SessionDep) -> AddressOut:
    return await service.create_address(session, user_id=user.id, data=body)


@router.get("/me/addresses/{address_id}", tags=["me"])
async def get_address(address_id: IdPath, user: CurrentUser, session: SessionDep) -> AddressOut:
    address = await service.get_address(session, user_id=user.id, address_id=address_id)
    return AddressOut.model_validate(address)


@router.patch("/me/addresses/{address_id}", tags=["me"])
async def update_address(
    address_id: IdPath, body: AddressPatch, user: CurrentUser, session: SessionDep
) -> AddressOut:
    return await service.update_address(session, user_id=user.id, address_id=address_id, patch=body)


@router.delete("/me/addresses/{address_id}", status_code=204, tags=["me"])
async def delete_address(address_id: IdPath, user: CurrentUser, session: SessionDep) -> Response:
    await service.delete_address(session, user_id=user.id, address_id=address_id)
    return Response(status_code=204)
