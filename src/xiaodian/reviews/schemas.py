"""Reviews as shoppers write and read them, and as the merchant moderates them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from xiaodian.core.pagination import PageNumber, PageSize
from xiaodian.core.types import Id, LongText, MediumText, Url


class ReviewUser(BaseModel):
    nickname: str
    avatar_url: str


class ReviewOut(BaseModel):
    id: int
    user: ReviewUser
    score: int
    content: str
    images: list[str]
    spec_text: str
    reply: str
    created_at: datetime


class ReviewSummary(BaseModel):
    count: int
    average_score: float | None


class LineReviewIn(BaseModel):
    line_id: Id
    score: Annotated[int, Field(ge=1, le=5)]
    content: MediumText = ""
    images: Annotated[list[Url], Field(max_length=9)] = []


class ReviewsCreate(BaseModel):
    reviews: Annotated[list[LineReviewIn], Field(min_length=1, max_length=50)]


class ReviewsCreated(BaseModel):
    reviews: list[ReviewOut]
    held: Annotated[
        list[int], Field(description="reviews hidden until the merchant approves them")
    ] = []


class ReviewAdminOut(ReviewOut):
    goods_id: int
    goods_title: str
    order_id: int
    is_hidden: bool
    moderation: str
    """Content security: pass, review / unchecked (held until approved) or approved."""
    replied_at: datetime | None


class AdminReviewQuery(BaseModel):
    goods_id: Id | None = None
    score: Annotated[int, Field(ge=1, le=5)] | None = None
    hidden: bool | None = None
    unreplied: bool | None = None
    held: bool | None = Field(default=None, description="only reviews waiting for approval")
    page: PageNumber = 1
    page_size: PageSize = 20


class ReviewReplyIn(BaseModel):
    reply: LongText


class ReviewVisibilityIn(BaseModel):
    is_hidden: bool
