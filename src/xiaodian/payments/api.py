"""Shopper payment routes and the channels' notification endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from xiaodian.auth.deps import CurrentUser, DetachedUser
from xiaodian.deps import ContextDep, IdPath, SessionDep, rate_limit
from xiaodian.orders.schemas import OrderOut
from xiaodian.payments import notify, refund_service, refund_views, returns, service
from xiaodian.payments.schemas import (
    PayIn,
    PayOut,
    RefundOut,
    RefundRequestIn,
    ReturnShipmentIn,
)

router = APIRouter()


async def _by_shopper(user: DetachedUser) -> str:
    return f"user:{user.id}"


@router.post("/orders/{order_id}/pay", tags=["payments"], response_model_exclude_none=True)
async def pay(order_id: IdPath, body: PayIn, user: DetachedUser, context: ContextDep) -> PayOut:
    """`wx.requestPayment` parameters (or the Alipay order string) for an unpaid order."""
    return await service.start_payment(context, user=user, order_id=order_id, channel=body.channel)


@router.post(
    "/orders/{order_id}/refund",
    tags=["payments"],
    dependencies=[
        rate_limit(
            "refunds:shopper",
            lambda settings: settings.refund_rate_per_shopper,
            key=_by_shopper,
            message="申请太频繁，请稍后再试",
        )
    ],
)
async def request_refund(
    order_id: IdPath, body: RefundRequestIn, user: CurrentUser, session: SessionDep
) -> OrderOut:
    return await refund_service.request_refund(session, user=user, order_id=order_id, data=body)


@router.get("/orders/{order_id}/refunds", tags=["payments"])
async def refunds(order_id: IdPath, user: CurrentUser, session: SessionDep) -> list[RefundOut]:
    return await refund_views.refunds_of_order(session, user_id=user.id, order_id=order_id)


@router.post("/refunds/{refund_id}/return-shipment", tags=["payments"])
async def ship_back(
    refund_id: IdPath, body: ReturnShipmentIn, user: CurrentUser, session: SessionDep
) -> RefundOut:
    """退货退款: the goods were sent back (carrier and tracking number)."""
    return await returns.ship_back(session, user=user, refund_id=refund_id, shipment=body)


def _answer(answer: notify.Answer) -> Response:
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)


@router.post("/payments/wechat/notify", include_in_schema=False)
async def wechat_notify(request: Request, context: ContextDep) -> Any:
    """One notify URL for both APIs: v2 notifications are XML, v3 ones JSON."""
    body = await request.body()
    if body.lstrip().startswith(b"<"):
        return _answer(await notify.wechat_v2(context, body))
    return _answer(await notify.wechat_v3(context, request.headers, body))


@router.post("/payments/wechat/notify-v2", include_in_schema=False)
async def wechat_notify_v2(request: Request, context: ContextDep) -> Any:
    return _answer(await notify.wechat_v2(context, await request.body()))


@router.post("/payments/alipay/notify", include_in_schema=False)
async def alipay_notify(request: Request, context: ContextDep) -> Any:
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    return _answer(await notify.alipay(context, fields))
