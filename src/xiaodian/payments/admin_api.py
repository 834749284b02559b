"""Merchant routes: after-sale refunds, payment anomalies, payment credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xiaodian.auth.deps import CurrentAdmin, DetachedAdmin, OwnerAdmin
from xiaodian.core.pagination import Page
from xiaodian.deps import ContextDep, IdPath, SessionDep
from xiaodian.payments import credentials, monitor, refund_service, refund_views
from xiaodian.payments.credentials import PaymentCredentialsOut, PaymentCredentialsPatch
from xiaodian.payments.monitor import AnomalyOut
from xiaodian.payments.schemas import AnomalyQuery, RefundOut, RefundQuery, RejectIn

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
async def approve(refund_id: IdPath, admin: DetachedAdmin, context: ContextDep) -> RefundOut:
    return await refund_service.approve(context, refund_id=refund_id, admin_id=admin.id)


@router.post("/refunds/{refund_id}/reject")
async def reject(
    refund_id: IdPath, body: RejectIn, admin: CurrentAdmin, session: SessionDep
) -> RefundOut:
    return await refund_service.reject(
        session, refund_id=refund_id, admin_id=admin.id, reason=body.reason
    )


@router.post("/refunds/{refund_id}/retry")
async def retry(refund_id: IdPath, _admin: DetachedAdmin, context: ContextDep) -> RefundOut:
    return await refund_service.retry(context, refund_id=refund_id)


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
    body: PaymentCredentialsPatch, _owner: OwnerAdmin, session: SessionDep, context: ContextDep
) -> PaymentCredentialsOut:
    return await credentials.update(session, context=context, patch=body)
