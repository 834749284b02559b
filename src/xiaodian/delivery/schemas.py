"""Delivery settings, quotes, slots, batches and routes as both APIs read and write them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from xiaodian.core.types import Latitude, Longitude, ShortText

ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Fen = Annotated[int, Field(ge=0, le=100_000_00)]


class Method(StrEnum):
    DELIVERY = "delivery"
    PICKUP = "pickup"
    EXPRESS = "express"


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    PICKED_UP = "picked_up"


class SlotRule(BaseModel):
    start: ClockTime
    end: ClockTime
    capacity: Annotated[int, Field(ge=1, le=10_000)]
    cutoff_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 60

    @model_validator(mode="after")
    def _ordered(self) -> SlotRule:
        if self.end <= self.start:
            raise ValueError("a slot ends after it starts")
        return self


class DeliverySettingsIn(BaseModel):
    enabled: bool = True
    store_address: ShortText = ""
    store_lat: Latitude | None = None
    store_lng: Longitude | None = None
    radius_m: Annotated[int, Field(ge=100, le=50_000)] = 3000
    base_fee_fen: Fen = 300
    base_distance_m: Annotated[int, Field(ge=0, le=50_000)] = 1000
    per_km_fee_fen: Fen = 100
    free_above_fen: Fen = 0
    slots: Annotated[list[SlotRule], Field(max_length=24)] = []
    slot_days_ahead: Annotated[int, Field(ge=0, le=14)] = 2
    pickup_enabled: bool = True
    pickup_address: ShortText = ""
    pickup_hours: Annotated[str, Field(max_length=64)] = "09:00-21:00"
    express_enabled: bool = True
    express_fee_fen: Fen = 1000
    rider_capacity: Annotated[int, Field(ge=1, le=500)] = 20
    rider_capacity_g: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    """Grams one rider carries (the SKUs' `weight_g` × quantity); 0: only orders count."""
    service_minutes: Annotated[int, Field(ge=0, le=60)] = 3
    auto_batch_riders: Annotated[int, Field(ge=0, le=20)] = 0

    @model_validator(mode="after")
    def _distinct_slots(self) -> DeliverySettingsIn:
        starts = [slot.start for slot in self.slots]
        if len(set(starts)) != len(starts):
            raise ValueError("two slots start at the same time")
        if (self.store_lat is None) != (self.store_lng is None):
            raise ValueError("give both store_lat and store_lng")
        return self


class DeliverySettingsOut(DeliverySettingsIn):
    geocoding_available: bool


class SlotOut(BaseModel):
    date: str
    start: str
    end: str
    capacity: int
    taken: int
    left: int
    cutoff_at: datetime
    open: bool


class QuoteSlot(BaseModel):
    date: str
    start: str
    end: str
    left: int


class PickupOut(BaseModel):
    available: bool
    address: str
    hours: str


class ExpressOut(BaseModel):
    available: bool
    fee_fen: int


class QuoteOut(BaseModel):
    in_zone: bool
    distance_m: int | None
    radius_m: int
    fee_fen: int
    free_above_fen: int
    slots: list[QuoteSlot]
    pickup: PickupOut
    express: ExpressOut
    located: bool
    message: str = ""


class GeocodeIn(BaseModel):
    address: Annotated[str, Field(min_length=2, max_length=200)]
    city: Annotated[str, Field(max_length=32)] = ""


class GeocodeOut(BaseModel):
    lat: float
    lng: float
    formatted_address: str
    province: str
    city: str
    district: str


class BatchIn(BaseModel):
    date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    slot_start: ClockTime
    riders: Annotated[int, Field(ge=1, le=20)] = 1
    order_ids: Annotated[list[int], Field(max_length=500)] | None = None


class ReplanIn(BaseModel):
    riders: Annotated[int, Field(ge=1, le=20)] | None = None


class StopOut(BaseModel):
    order_id: int
    order_no: str
    seq: int
    eta: datetime | None
    distance_from_prev_m: int
    receiver_name: str
    phone: str
    address: str
    items: int
    lat: float
    lng: float
    status: str
    outcome: str | None
    fail_reason: str | None
    weight_g: int = 0


class RouteOut(BaseModel):
    id: int
    rider_no: int
    stops: list[StopOut]
    distance_m: int
    duration_s: int
    weight_g: int = 0
    map_svg_url: str
    rider_url: str


class BatchOut(BaseModel):
    id: int
    date: str
    slot_start: str
    slot_end: str
    riders: int
    distance_m: int
    routes: list[RouteOut]
    created_at: datetime


class BatchSummary(BaseModel):
    id: int
    date: str
    slot_start: str
    slot_end: str
    riders: int
    distance_m: int
    stops: int


class OrderDeliveryOut(BaseModel):
    """What the shopper's order detail shows: the slot, the stop number, the outcome."""

    order_id: int
    method: str
    slot_date: str | None
    slot_start: str | None
    slot_end: str | None
    distance_m: int | None
    stop_seq: int | None
    eta: datetime | None
    outcome: str | None
    fail_reason: str | None
    pickup_code: str | None = None
    """Shown once the order is paid, for a 自提 order: the shopper shows it at the store."""
    pickup_address: str | None = None
    pickup_hours: str | None = None


class FailIn(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class PickupLineOut(BaseModel):
    title: str
    spec: str
    quantity: int


class PickupOrderOut(BaseModel):
    """A 自提 order found by its code, for the merchant to hand over (and then complete)."""

    order_id: int
    order_no: str
    status: str
    status_text: str
    receiver_name: str
    receiver_phone: str
    total_fen: int
    lines: list[PickupLineOut]
    picked_up_at: datetime | None
