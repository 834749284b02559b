"""The merchant's payment writes as the API and the console both run them: the permission
(审批退款; payment credentials are the owner's), the decision, and an operation-log entry in
the deciding transaction. Credentials are logged from their masked form only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xiaodian.auth.permissions import Permission, Role, require
from xiaodian.context import AppContext
from xiaodian.core.errors import Forbidden
from xiaodian.models import AdminUser, Refund
from xiaodian.oplog import service as oplog
from xiaodian.oplog.service import Origin
from xiaodian.oplog.vocabulary import Action
from xiaodian.payments import credentials, refund_service, returns
from xiaodian.payments.credentials import PaymentCredentialsOut, PaymentCredentialsPatch
from xiaodian.payments.schemas import RefundOut
from xiaodian.payments.vocabulary import RefundStatus


def _entry(
    admin: AdminUser, origin: Origin, action: Action, old: RefundStatus, new: RefundStatus
) -> refund_service.InTransaction:
    async def write(session: AsyncSession, refund: Refund) -> None:
        await oplog.record(
            session,
            admin=admin,
            origin=origin,
            action=action,
            target_type="refund",
            target_id=refund.id,
            summary=f"订单 {refund.order_id} 退款 ¥{refund.amount_fen / 100:.2f}",
            changes=[{"field": "status", "old": old, "new": new}],
        )

    return write


async def approve(
    context: AppContext, *, admin: AdminUser, origin: Origin, refund_id: int
) -> RefundOut:
    require(admin, Permission.REFUNDS)
    return await refund_service.approve(
        context,
        refund_id=refund_id,
        admin_id=admin.id,
        audit=_entry(
            admin, origin, Action.REFUND_APPROVE, RefundStatus.REQUESTED, RefundStatus.APPROVED
        ),
    )


async def retry(
    context: AppContext, *, admin: AdminUser, origin: Origin, refund_id: int
) -> RefundOut:
    require(admin, Permission.REFUNDS)
    return await refund_service.retry(
        context,
        refund_id=refund_id,
        audit=_entry(
            admin, origin, Action.REFUND_RETRY, RefundStatus.FAILED, RefundStatus.APPROVED
        ),
    )


async def reject(
    session: AsyncSession, *, admin: AdminUser, origin: Origin, refund_id: int, reason: str
) -> RefundOut:
    require(admin, Permission.REFUNDS)
    previous = await session.scalar(select(Refund.status).where(Refund.id == refund_id))
    after = await refund_service.reject(
        session, refund_id=refund_id, admin_id=admin.id, reason=reason
    )
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.REFUND_REJECT,
        target_type="refund",
        target_id=refund_id,
        summary=f"订单 {after.order_no}：{reason}",
        changes=[
            {"field": "status", "old": previous, "new": after.status},
            {"field": "reject_reason", "old": "", "new": reason},
        ],
    )
    return after


async def agree_to_return(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    context: AppContext,
    refund_id: int,
    address: str,
) -> RefundOut:
    """同意退货 with the return address (审批退款)."""
    require(admin, Permission.REFUNDS)
    after = await returns.agree_to_return(
        session,
        refund_id=refund_id,
        admin_id=admin.id,
        address=address,
        ship_days=context.settings.return_ship_days,
    )
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.RETURN_AGREE,
        target_type="refund",
        target_id=refund_id,
        summary=f"订单 {after.order_no} 退货退款 ¥{after.amount_fen / 100:.2f}",
        changes=[
            {"field": "status", "old": RefundStatus.REQUESTED, "new": after.status},
            {"field": "return_address", "old": "", "new": address},
        ],
    )
    return after


async def receive_return(
    context: AppContext, *, admin: AdminUser, origin: Origin, refund_id: int, restock: bool
) -> RefundOut:
    """确认收到退货 (审批退款): the refund goes out; `restock` puts the units back."""
    require(admin, Permission.REFUNDS)

    async def write(session: AsyncSession, refund: Refund) -> None:
        await oplog.record(
            session,
            admin=admin,
            origin=origin,
            action=Action.RETURN_RECEIVE,
            target_type="refund",
            target_id=refund.id,
            summary=f"订单 {refund.order_id} 退款 ¥{refund.amount_fen / 100:.2f}",
            changes=[
                {"field": "status", "old": RefundStatus.RETURNING, "new": RefundStatus.APPROVED},
                {"field": "restock", "old": False, "new": restock},
            ],
        )

    return await returns.receive(
        context, refund_id=refund_id, admin_id=admin.id, restock=restock, audit=write
    )


async def update_credentials(
    session: AsyncSession,
    *,
    admin: AdminUser,
    origin: Origin,
    context: AppContext,
    patch: PaymentCredentialsPatch,
) -> PaymentCredentialsOut:
    if admin.role != Role.OWNER:
        raise Forbidden("只有店主可以执行此操作")
    before = await credentials.masked(session, context=context)
    after = await credentials.update(session, context=context, patch=patch)
    await oplog.record(
        session,
        admin=admin,
        origin=origin,
        action=Action.PAYMENT_CREDENTIALS_UPDATE,
        target_type="payment_credentials",
        summary="、".join(sorted(patch.model_dump(exclude_unset=True))),
        before=before,
        after=after,
    )
    return after
