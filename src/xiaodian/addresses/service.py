"""The shopper's address book: at most `MAX_ADDRESSES` addresses, exactly one default while
there are any. Checkout reads an address from here (and keeps a copy on the order)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.addresses.errors import AddressNotFound, TooManyAddresses
from xiaodian.addresses.schemas import AddressIn, AddressOut, AddressPatch
from xiaodian.models import Address

MAX_ADDRESSES = 20


async def list_addresses(session: AsyncSession, *, user_id: int) -> list[AddressOut]:
    rows = await session.execute(
        select(Address)
        .where(Address.user_id == user_id)
        .order_by(Address.is_default.desc(), Address.updated_at.desc(), Address.id.desc())
    )
    return [AddressOut.model_validate(address) for address in rows.scalars()]


async def get_address(session: AsyncSession, *, user_id: int, address_id: int) -> Address:
    """The shopper's own address; another shopper's looks exactly like a missing one."""
    address = await session.scalar(
        select(Address).where(Address.id == address_id, Address.user_id == user_id)
    )
    if address is None:
        raise AddressNotFound()
    return address


async def _clear_default(session: AsyncSession, user_id: int, keep_id: int | None) -> None:
    await session.execute(
        update(Address)
        .where(
            Address.user_id == user_id, Address.id != (keep_id or 0), Address.is_default.is_(True)
        )
        .values(is_default=False)
    )


async def create_address(session: AsyncSession, *, user_id: int, data: AddressIn) -> AddressOut:
    """A new address; the first one, or one marked default, becomes the only default."""
    count = await session.scalar(select(func.count(Address.id)).where(Address.user_id == user_id))
    if (count or 0) >= MAX_ADDRESSES:
        raise TooManyAddresses()
    address = Address(user_id=user_id, **data.model_dump())
    address.is_default = data.is_default or not count
    session.add(address)
    await session.flush()
    if address.is_default:
        await _clear_default(session, user_id, address.id)
    return AddressOut.model_validate(address)


async def update_address(
    session: AsyncSession, *, user_id: int, address_id: int, patch: AddressPatch
) -> AddressOut:
    address = await get_address(session, user_id=user_id, address_id=address_id)
    changes = patch.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is not None or field in ("lat", "lng"):
            setattr(address, field, value)
    await session.flush()
    if changes.get("is_default"):
        await _clear_default(session, user_id, address.id)
    return AddressOut.model_validate(address)


async def delete_address(session: AsyncSession, *, user_id: int, address_id: int) -> None:
    """Delete; if it was the default, the most recently used remaining address takes over."""
    address = await get_address(session, user_id=user_id, address_id=address_id)
    was_default = address.is_default
    await session.delete(address)
    await session.flush()
    if was_default:
        successor = await session.scalar(
            select(Address)
            .where(Address.user_id == user_id)
            .order_by(Address.updated_at.desc(), Address.id.desc())
            .limit(1)
        )
        if successor is not None:
            successor.is_default = True
            await session.flush()
