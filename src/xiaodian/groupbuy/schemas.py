"""Group buying as the merchant and shoppers see it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from xiaodian.core.types import Id, Quantity
from xiaodian.coupons.checkout import BEST as BEST_COUPON
from xiaodian.orders.schemas import OrderOut

GroupSize = Annotated[int, Field(ge=2, le=10)]
FillMinutes = Annotated[int, Field(ge=1, le=7 * 24 * 60)]
Fen = Annotated[int, Field(ge=1, le=100_000_000)]


class GroupPriceIn(BaseModel):
    sku_id: Id
    group_price_fen: Fen


class GroupBuyCreate(BaseModel):
    """`price_percent: 80` means 80% of each SKU's price (rounded to the fen); or `prices`
    per SKU (SKUs not listed are not in the campaign). `stock`: units of each SKU moved out of
    its normal stock into the campaign's own pool; without it group orders sell the SKU's
    normal stock."""

    goods_id: Id
    group_size: GroupSize = 3
    price_percent: Annotated[int, Field(ge=1, le=99)] | None = None
    prices: Annotated[list[GroupPriceIn], Field(min_length=1, max_length=200)] | None = None
    fill_minutes: FillMinutes = 24 * 60
    starts_at: datetime | None = None
    ends_at: datetime
    per_user_limit: Annotated[int, Field(ge=1, le=1000)] | None = None
    stock: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    leader_discount_fen: Annotated[int, Field(ge=0, le=100_000_000)] = 0
    simulated_fill_min_members: Annotated[int, Field(ge=1, le=10)] | None = None
    allow_coupons: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> GroupBuyCreate:
        if (self.price_percent is None) == (self.prices is None):
            raise ValueError("give either price_percent or prices")
        if (
            self.simulated_fill_min_members is not None
            and self.simulated_fill_min_members > self.group_size
        ):
            raise ValueError("simulated_fill_min_members cannot exceed group_size")
        return self


class GroupBuyPatch(BaseModel):
    """Changes for groups opened from now on (open groups keep their deadline)."""

    ends_at: datetime | None = None
    fill_minutes: FillMinutes | None = None
    per_user_limit: Annotated[int, Field(ge=1, le=1000)] | None = None
    stock: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    leader_discount_fen: Annotated[int, Field(ge=0, le=100_000_000)] | None = None
    simulated_fill_min_members: Annotated[int, Field(ge=1, le=10)] | None = None
    allow_coupons: bool | None = None


class CampaignSku(BaseModel):
    sku_id: int
    spec_text: str
    price_fen: int
    group_price_fen: int
    stock: int
    """What can still be sold at the group price (the pool's units, or the SKU's stock)."""


class GoodsBrief(BaseModel):
    id: int
    title: str
    cover_url: str


class GroupBuyOut(BaseModel):
    """A campaign as the merchant sees it."""

    id: int
    goods: GoodsBrief
    group_size: int
    price_percent: int | None
    skus: list[CampaignSku]
    group_price_fen: int
    price_fen: int
    fill_minutes: int
    starts_at: datetime
    ends_at: datetime
    per_user_limit: int | None
    stock: int | None
    leader_discount_fen: int
    simulated_fill_min_members: int | None
    allow_coupons: bool
    status: str
    running: bool
    groups_forming: int
    groups_filled: int
    groups_failed: int
    created_at: datetime


class CampaignCard(BaseModel):
    """A running campaign in the shopper's list."""

    id: int
    goods: GoodsBrief
    group_size: int
    group_price_fen: int
    """The lowest group price of its SKUs."""
    price_fen: int
    ends_at: datetime
    groups_filled: int


class Person(BaseModel):
    nickname: str
    avatar_url: str


class OpenGroup(BaseModel):
    group_id: int
    leader: Person
    seats_left: int
    expires_at: datetime


class CampaignOut(CampaignCard):
    skus: list[CampaignSku]
    leader_discount_fen: int
    fill_minutes: int
    allow_coupons: bool
    open_groups: list[OpenGroup]
    server_time: datetime


class Member(BaseModel):
    nickname: str
    avatar_url: str
    is_leader: bool
    paid: bool


class CampaignBrief(BaseModel):
    id: int
    group_size: int
    group_price_fen: int
    price_fen: int
    ends_at: datetime
    running: bool


class GroupOut(BaseModel):
    """A group as anyone with the shared link sees it (no order numbers, no addresses)."""

    id: int
    status: str
    status_text: str
    group_size: int
    seats_left: int
    members: list[Member]
    expires_at: datetime | None
    server_time: datetime
    campaign: CampaignBrief
    goods: GoodsBrief
    my_order_id: int | None = None
    """The viewer's own order in this group (when logged in and a member)."""


class SeatIn(BaseModel):
    sku_id: Id
    quantity: Quantity = 1
    address_id: Id
    coupon_id: Id | None = Field(
        default=None,
        description=(
            "only where the campaign allows coupons: a user coupon id; null for none; omitted"
            " for the best one"
        ),
    )

    @property
    def coupon_choice(self) -> int | None:
        """The user coupon chosen, None for none, `coupons.checkout.BEST` when omitted."""
        return self.coupon_id if "coupon_id" in self.model_fields_set else BEST_COUPON


class GroupCreated(BaseModel):
    group: GroupOut
    order: OrderOut


class AdminMember(BaseModel):
    user_id: int
    nickname: str
    seat_no: int | None
    is_leader: bool
    status: str
    order_id: int
    order_no: str
    order_status: str
    total_fen: int
    paid_at: datetime | None
    refund_status: str | None


class AdminGroupOut(BaseModel):
    id: int
    status: str
    status_text: str
    group_size: int
    seats_taken: int
    seats_paid: int
    opened_at: datetime | None
    expires_at: datetime | None
    finished_at: datetime | None
    members: list[AdminMember]
