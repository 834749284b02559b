"""Shopper routes: running campaigns, a campaign with its open groups, open and join a group
(ordinary orders paid through `POST /orders/{id}/pay`), and a group anyone can look at."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from xiaodian.auth.deps import CurrentUser, DetachedUser, bearer_token, user_from_request
from xiaodian.core import clock
from xiaodian.core.errors import ShopError
from xiaodian.deps import ContextDep, IdPath, SessionDep, rate_limit
from xiaodian.groupbuy import service
from xiaodian.groupbuy.errors import GroupBuyNotFound, GroupNotFound
from xiaodian.groupbuy.schemas import CampaignCard, CampaignOut, GroupCreated, GroupOut, SeatIn
from xiaodian.groupbuy.views import campaign_cards, campaign_out, campaign_row, group_out, group_row
from xiaodian.groupbuy.vocabulary import CampaignStatus
from xiaodian.models import GroupBuy, GroupSeat

router = APIRouter(tags=["group buying"])
TOO_FAST = "下单太频繁，请稍后再试"


async def _by_shopper(user: DetachedUser) -> str:
    return f"user:{user.id}"


# Opening and joining place orders: they count against the same budgets as `POST /orders`.
ORDER_RATES = [
    rate_limit("orders:ip", lambda settings: settings.order_rate_per_ip, message=TOO_FAST),
    rate_limit(
        "orders:shopper",
        lambda settings: settings.order_rate_per_shopper,
        key=_by_shopper,
        message=TOO_FAST,
    ),
]


@router.get("/group-buys")
async def list_campaigns(
    session: SessionDep, goods_id: Annotated[int | None, Query(ge=1)] = None
) -> list[CampaignCard]:
    """Running campaigns (of one goods item with `goods_id`), ending soonest first."""
    now = clock.now()
    statement = select(GroupBuy).where(
        GroupBuy.status == CampaignStatus.RUNNING,
        GroupBuy.starts_at <= now,
        GroupBuy.ends_at > now,
    )
    if goods_id is not None:
        statement = statement.where(GroupBuy.goods_id == goods_id)
    campaigns = (
        (await session.execute(statement.order_by(GroupBuy.ends_at, GroupBuy.id).limit(100)))
        .scalars()
        .all()
    )
    return await campaign_cards(session, campaigns) if campaigns else []


@router.get("/group-buys/{campaign_id}")
async def get_campaign(campaign_id: IdPath, session: SessionDep) -> CampaignOut:
    campaign = await campaign_row(session, campaign_id)
    if campaign.starts_at > clock.now():
        raise GroupBuyNotFound()
    return await campaign_out(session, campaign)


@router.post("/group-buys/{campaign_id}/groups", status_code=201, dependencies=ORDER_RATES)
async def open_group(
    campaign_id: IdPath, body: SeatIn, user: CurrentUser, session: SessionDep, context: ContextDep
) -> GroupCreated:
    return await service.open_group(
        session, user=user, campaign_id=campaign_id, seat=body, defaults=context.settings
    )


@router.post("/groups/{group_id}/join", status_code=201, dependencies=ORDER_RATES)
async def join_group(
    group_id: IdPath, body: SeatIn, user: CurrentUser, session: SessionDep, context: ContextDep
) -> GroupCreated:
    return await service.join_group(
        session, user=user, group_id=group_id, seat=body, defaults=context.settings
    )


@router.get("/orders/{order_id}/group")
async def group_of_order(order_id: IdPath, user: CurrentUser, session: SessionDep) -> GroupOut:
    """The group of the shopper's own group order (404 `group_not_found` for any other)."""
    seat = await session.scalar(
        select(GroupSeat).where(GroupSeat.order_id == order_id, GroupSeat.user_id == user.id)
    )
    if seat is None:
        raise GroupNotFound()
    return await group_out(session, await group_row(session, seat.group_id), viewer_id=user.id)


@router.get("/groups/{group_id}")
async def get_group(group_id: IdPath, request: Request, session: SessionDep) -> GroupOut:
    """No login needed (a shared link works); a logged-in member also gets `my_order_id`."""
    viewer: int | None = None
    if bearer_token(request) is not None:
        try:
            viewer = (await user_from_request(session, request)).id
        except ShopError:
            viewer = None
    return await group_out(session, await group_row(session, group_id), viewer_id=viewer)
