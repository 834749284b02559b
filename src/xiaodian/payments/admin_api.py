"""Merchant routes: after-sale refunds, payment anomalies, payment credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xiaodian.auth.deps import CurrentAdmin, DetachedAdmin, OwnerAdmin
from xiaodian.core.pagination import Page
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.oplog.service import ApiOrigin
from xiaodian.payments import credentials, merchant, monitor, refund_views
from xiaodian.payments.credentials import PaymentCredentialsOut, PaymentCredentialsPatch
from xiaodian.payments.monitor import AnomalyOut
from xiaodian.payments.schemas import (
    AnomalyQuery,
    ReceiveIn,
    RefundOut,
    RefundQuery,
    RejectIn,
    ReturnAddressIn,
)

router = APIRouter(tags=["admin: payments"])


@router.get("/refunds")
async def list_refunds(
    _admin: CurrentAdmin, session: SessionDep, query: Annotated[RefundQuery, Query()]
) -> Page[RefundOut]:
    return await refund_views.list_refunds(
        session,
        status=query.status,
        page=query.page,
        page_size=query.page_size,
        order_id=query.order_id,
    )


@router.get("/refunds/{refund_id}")
async def get_refund(refund_id: IdPath, _admin: CurrentAdmin, session: SessionDep) -> RefundOut:
    return await refund_views.get_refund(session, refund_id=refund_id)


@router.post("/refunds/{refund_id}/approve")
async def approve(
    refund_id: IdPath, admin: DetachedAdmin, origin: ApiOrigin, context: ContextDep
) -> RefundOut:
    return await merchant.approve(context, admin=admin, origin=origin, refund_id=refund_id)


@router.post("/refunds/{refund_id}/reject")
async def reject(
    refund_id: IdPath, body: RejectIn, admin: CurrentAdmin, origin: ApiOrigin, session: SessionDep
) -> RefundOut:
    return await merchant.reject(
        session, admin=admin, origin=origin, refund_id=refund_id, reason=body.reason
    )


@router.post("/refunds/{refund_id}/agree-return")
async def agree_to_return(
    refund_id: IdPath,
    body: ReturnAddressIn,
    admin: CurrentAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> RefundOut:
    """同意退货: the shopper ships the goods to `address`; no money moves yet."""
    return await merchant.agree_to_return(
        session,
        admin=admin,
        origin=origin,
        context=context,
        refund_id=refund_id,
        address=body.address,
    )


@router.post("/refunds/{refund_id}/receive")
async def receive_return(
    refund_id: IdPath, body: ReceiveIn, admin: DetachedAdmin, origin: ApiOrigin, context: ContextDep
) -> RefundOut:
    """确认收到退货: the refund goes out; `restock` puts the units back (退回库存)."""
    return await merchant.receive_return(
        context, admin=admin, origin=origin, refund_id=refund_id, restock=body.restock
    )


@router.post("/refunds/{refund_id}/retry")
async def retry(
    refund_id: IdPath, admin: DetachedAdmin, origin: ApiOrigin, context: ContextDep
) -> RefundOut:
    return await merchant.retry(context, admin=admin, origin=origin, refund_id=refund_id)


@router.get("/payments/anomalies")
async def anomalies(
    _admin: CurrentAdmin, session: SessionDep, query: Annotated[AnomalyQuery, Query()]
) -> Page[AnomalyOut]:
    return await monitor.anomalies(
        session, kind=query.kind, page=query.page, page_size=query.page_size
    )


@router.get("/payment-credentials")
async def get_credentials(
    _owner: OwnerAdmin, session: SessionDep, context: ContextDep
) -> PaymentCredentialsOut:
    return await credentials.masked(session, context=context)


@router.patch("/payment-credentials")
async def update_credentials(
    body: PaymentCredentialsPatch,
    owner: OwnerAdmin,
    origin: ApiOrigin,
    session: SessionDep,
    context: ContextDep,
) -> PaymentCredentialsOut:
    return await merchant.update_credentials(
        session, admin=owner, origin=origin, context=context, patch=body
    )
