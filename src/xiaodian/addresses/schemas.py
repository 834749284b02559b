"""The shopper's address book as the API reads and writes it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from xiaodian.core.types import Latitude, Longitude, Name, Phone, ShortText

Region = Annotated[str, Field(min_length=1, max_length=32)]


class AddressIn(BaseModel):
    name: Name
    phone: Phone
    province: Annotated[Name, Field(max_length=32)]
    city: Annotated[Name, Field(max_length=32)]
    district: Annotated[Name, Field(max_length=32)]
    detail: Annotated[ShortText, Field(min_length=1)]
    lat: Latitude | None = None
    lng: Longitude | None = None
    is_default: bool = False


class AddressPatch(BaseModel):
    name: Name | None = None
    phone: Phone | None = None
    province: Annotated[Name, Field(max_length=32)] | None = None
    city: Annotated[Name, Field(max_length=32)] | None = None
    district: Annotated[Name, Field(max_length=32)] | None = None
    detail: Annotated[ShortText, Field(min_length=1)] | None = None
    lat: Latitude | None = None
    lng: Longitude | None = None
    is_default: bool | None = None


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    lat: float | None
    lng: float | None
    is_default: bool
