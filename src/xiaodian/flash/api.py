"""Shopper flash-sale routes: the listing (with server time for the countdown) and ordering."""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.deps import (
    CurrentUser,
    bearer_token,
    user_from_request,
    user_id_from_request,
)
from xiaodian.core import clock
from xiaodian.core.errors import Unauthorized
from xiaodian.core.ratelimit import client_address
from xiaodian.core.responses import RawJSONResponse
from xiaodian.core.security import hash_token
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.flash import reminders, service
from xiaodian.flash.fastpath import GATED, Gated, known_shopper
from xiaodian.flash.gate import Count, Rule
from xiaodian.flash.runtime import runtime
from xiaodian.flash.schemas import FlashOrderCreate, ReminderOut, RemindersOut
from xiaodian.orders.schemas import OrderOut

router = APIRouter(tags=["flash sales"])


class Asking(NamedTuple):
    user_id: int
    token_hash: str
    counts: list[Count]
    """The rate limits the gate is to count."""


async def _shopper(request: Request, item_id: IdPath, context: ContextDep) -> Asking:
    """Who is asking, for the gate step, and the rate limits the gate is to count.

    A token seen in the last moments is remembered by this process, so a crowd's refusals
    never reach the database (the order's own transaction checks the token again); the gate
    then counts the address and the shopper in its one Redis call. A token this process does
    not know yet is counted per address first, before the database is asked who it is."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("请先登录")
    state = runtime(context)
    key = hash_token(token)
    user_id = await known_shopper(context, key)
    address = client_address(request)
    now = clock.now()
    if user_id is None:
        by_address = service.rate_counts(context.settings, user_id=None, address=address, now=now)
        await state.gate.count(item_id, by_address)
        async with context.db.transaction(write=False) as session:
            user_id = (await user_from_request(session, request)).id
        state.keep_identity(key, user_id)
        return Asking(
            user_id,
            key,
            service.rate_counts(context.settings, user_id=user_id, address=None, now=now),
        )
    return Asking(
        user_id,
        key,
        service.rate_counts(context.settings, user_id=user_id, address=address, now=now),
    )


Shopper = Annotated[Asking, Depends(_shopper)]


@router.get("/flash-sales")
async def list_flash_sales(context: ContextDep) -> Any:
    """Running and upcoming sessions; `server_time` (UTC) drives the countdown."""
    sessions = await service.listing_json(context)
    now = clock.now().isoformat().replace("+00:00", "Z")
    return RawJSONResponse(b'{"server_time":"' + now.encode() + b'","sessions":' + sessions + b"}")


@router.post(
    "/flash-sales/items/{item_id}/orders",
    status_code=201,
    response_model=OrderOut,
    # Rate limits per address and per shopper are counted by the gate itself (429 with
    # Retry-After); a refusal opens no transaction.
    responses={429: {"description": "抢购太频繁 (rate_limited), with Retry-After"}},
)
async def order_flash_item(
    item_id: IdPath,
    body: FlashOrderCreate,
    shopper: Shopper,
    request: Request,
    context: ContextDep,
) -> Any:
    user_id, token_hash, counts = shopper
    gated = request.scope.get(GATED)
    rule: Rule | None = None
    if (
        isinstance(gated, Gated)
        and gated.rule.item_id == item_id
        and (gated.user_id, gated.quantity) == (user_id, body.quantity)
    ):
        gated.taken_over = True  # from here on the service gives the units back if need be
        rule = gated.rule

    async def confirm_buyer(session: AsyncSession) -> int:
        if await user_id_from_request(session, request) != user_id:
            raise Unauthorized("登录已过期，请重新登录", reason="token_invalid")
        return user_id

    order = await service.order_flash(
        context,
        user_id=user_id,
        token_hash=token_hash,
        confirm_buyer=confirm_buyer,
        item_id=item_id,
        quantity=body.quantity,
        address_id=body.address_id,
        counts=counts,
        gated=rule,
    )
    return JSONResponse(order.model_dump(mode="json"), status_code=201)


@router.post("/flash-sales/items/{item_id}/reminder")
async def remind_me(item_id: IdPath, user: CurrentUser, session: SessionDep) -> ReminderOut:
    """提醒我: one subscribe message when the item's session starts (if the shopper granted
    the `flash_starting` template: `POST /me/subscriptions` in the same tap)."""
    return await reminders.remind_me(session, user_id=user.id, item_id=item_id)


@router.get("/flash-sales/reminders")
async def my_reminders(user: CurrentUser, session: SessionDep) -> RemindersOut:
    """The upcoming items this shopper tapped 提醒我 on (their buttons show 已设提醒)."""
    return RemindersOut(item_ids=await reminders.reminded_items(session, user_id=user.id))
