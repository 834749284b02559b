"""Shopper order routes: preview, place (idempotent), list, read, cancel, confirm, review."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse

from xiaodian.auth.deps import CurrentUser, DetachedUser
from xiaodian.core.pagination import Page, PageNumber, PageSize
from xiaodian.deps import ContextDep, IdPath, SessionDep, rate_limit
from xiaodian.orders import checkout, service
from xiaodian.orders.errors import InvalidIdempotencyKey
from xiaodian.orders.schemas import CheckoutIn, OrderCreate, OrderOut, OrderTab, PreviewOut
from xiaodian.reviews import service as reviews
from xiaodian.reviews.errors import NotReviewable
from xiaodian.reviews.schemas import ReviewsCreate, ReviewsCreated
from xiaodian.wechat import security
from xiaodian.wechat.vocabulary import HELD

router = APIRouter(tags=["orders"])
_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")
TOO_FAST = "下单太频繁，请稍后再试"


async def _by_shopper(user: DetachedUser) -> str:
    return f"user:{user.id}"


@router.post("/orders/preview")
async def preview(
    body: CheckoutIn, user: CurrentUser, session: SessionDep, context: ContextDep
) -> PreviewOut:
    return await checkout.preview(session, user=user, request=body, defaults=context.settings)


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderOut,
    # Per client address first (no database at all), then per shopper (the caller is read in a
    # short read of its own): a flood is refused before the order's write transaction opens.
    dependencies=[
        rate_limit("orders:ip", lambda settings: settings.order_rate_per_ip, message=TOO_FAST),
        rate_limit(
            "orders:shopper",
            lambda settings: settings.order_rate_per_shopper,
            key=_by_shopper,
            message=TOO_FAST,
        ),
    ],
)
async def place_order(
    body: OrderCreate,
    user: DetachedUser,
    session: SessionDep,
    context: ContextDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    if idempotency_key is not None and not _KEY.match(idempotency_key):
        raise InvalidIdempotencyKey()
    order, created = await checkout.place_order(
        session,
        user=user,
        request=body,
        idempotency_key=idempotency_key,
        defaults=context.settings,
    )
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return JSONResponse(order.model_dump(mode="json"), status_code=201, headers=headers)


@router.get("/orders")
async def list_orders(
    user: CurrentUser,
    session: SessionDep,
    status: Annotated[OrderTab, Query()] = "all",
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[PageSize, Query()] = 10,
) -> Page[OrderOut]:
    return await service.list_orders(
        session, user_id=user.id, tab=status, page=page, page_size=page_size
    )


@router.get("/orders/{order_id}")
async def get_order(order_id: IdPath, user: CurrentUser, session: SessionDep) -> OrderOut:
    return await service.get_order(session, user_id=user.id, order_id=order_id)


@router.post("/orders/{order_id}/cancel")
async def cancel(order_id: IdPath, user: CurrentUser, session: SessionDep) -> OrderOut:
    return await service.cancel(session, user_id=user.id, order_id=order_id)


@router.post("/orders/{order_id}/confirm")
async def confirm(order_id: IdPath, user: CurrentUser, session: SessionDep) -> OrderOut:
    return await service.confirm_receipt(session, user_id=user.id, order_id=order_id)


@router.post("/orders/{order_id}/reviews", status_code=201)
async def review(
    order_id: IdPath, body: ReviewsCreate, user: DetachedUser, context: ContextDep
) -> ReviewsCreated:
    """Texts pass content security first (no transaction open over the call): `risky` is
    refused (422 `content_risky`), `review` or an unreachable WeChat hold the review for the
    merchant."""
    async with context.db.transaction(write=False) as session:
        order = await service.order_of_user(session, user_id=user.id, order_id=order_id)
    if order.status not in reviews.REVIEWABLE_STATUSES:
        raise NotReviewable("订单完成后才能评价")
    verdicts = list(
        await asyncio.gather(
            *(
                security.check_text(context, openid=user.openid, text=item.content)
                for item in body.reviews
            )
        )
    )
    async with context.db.transaction() as session:
        order = await service.order_of_user(session, user_id=user.id, order_id=order_id)
        created = await reviews.write_reviews(
            session,
            user=user,
            order=order,
            lines=order.lines,
            reviews=body.reviews,
            near_cache=context.near_cache,
            moderation=verdicts,
        )
    held = [out.id for out, verdict in zip(created, verdicts, strict=True) if verdict in HELD]
    return ReviewsCreated(reviews=created, held=held)
