"""Shopper flash-sale routes: the listing (with server time for the countdown) and ordering."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from xiaodian.auth.deps import DetachedUser
from xiaodian.core import clock
from xiaodian.core.responses import RawJSONResponse
from xiaodian.deps import ContextDep, IdPath, rate_limit
from xiaodian.flash import service
from xiaodian.flash.schemas import FlashOrderCreate
from xiaodian.orders.schemas import OrderOut

router = APIRouter(tags=["flash sales"])
TOO_FAST = "抢购太频繁，请稍后再试"


async def _by_shopper(user: DetachedUser) -> str:
    return f"user:{user.id}"


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
    # Per address first (no database), then per shopper; a refusal opens no transaction.
    dependencies=[
        rate_limit("flash:ip", lambda settings: settings.flash_rate_per_ip, message=TOO_FAST),
        rate_limit(
            "flash:shopper",
            lambda settings: settings.flash_rate_per_shopper,
            key=_by_shopper,
            message=TOO_FAST,
        ),
    ],
)
async def order_flash_item(
    item_id: IdPath, body: FlashOrderCreate, user: DetachedUser, context: ContextDep
) -> Any:
    order = await service.order_flash(
        context, user=user, item_id=item_id, quantity=body.quantity, address_id=body.address_id
    )
    return JSONResponse(order.model_dump(mode="json"), status_code=201)
