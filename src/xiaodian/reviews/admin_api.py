"""Merchant review moderation: list, reply, hide."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xiaodian.auth.deps import CurrentAdmin
from xiaodian.core.pagination import Page
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.oplog.service import ApiOrigin
from xiaodian.reviews import merchant, service
from xiaodian.reviews.schemas import (
    AdminReviewQuery,
    ReviewAdminOut,
    ReviewReplyIn,
    ReviewVisibilityIn,
)

router = APIRouter(tags=["admin: reviews"])


@router.get("/reviews")
async def list_reviews(
    _admin: CurrentAdmin, session: SessionDep, query: Annotated[AdminReviewQuery, Query()]
) -> Page[ReviewAdminOut]:
    return await service.admin_list(session, query)


@router.post("/reviews/{review_id}/reply")
async def reply(
    review_id: IdPath,
    body: ReviewReplyIn,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> ReviewAdminOut:
    return await merchant.reply(
        session,
        admin=admin,
        origin=origin,
        review_id=review_id,
        text=body.reply,
        near_cache=context.near_cache,
    )


@router.post("/reviews/{review_id}/visibility")
async def visibility(
    review_id: IdPath,
    body: ReviewVisibilityIn,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> ReviewAdminOut:
    return await merchant.set_hidden(
        session,
        admin=admin,
        origin=origin,
        review_id=review_id,
        hidden=body.is_hidden,
        near_cache=context.near_cache,
    )
