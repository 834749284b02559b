"""Shipping-info upload (发货信息管理): under WeChat's rules for self-operated shops the
merchant's money stays frozen until it is uploaded. One row per order records the state
(`pending | uploaded | failed` with the error); the durable receiver of `OrderShipped` makes
the first attempt after the commit, the sweep retries failures with a doubling back-off, the
console lists failures with a retry button."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Protocol

from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from xiaodian.context import AppContext
from xiaodian.core import clock
from xiaodian.core.db import affected
from xiaodian.integrations.wechat.platform import (
    WeChatApiError,
    WeChatPlatformUnreachable,
    upload_shipping_info,
)
from xiaodian.models import Order, OrderLine, Payment, User, WechatShipping
from xiaodian.wechat.client import platform_of
from xiaodian.wechat.errors import ShippingNotFound
from xiaodian.wechat.vocabulary import LogisticsType, ShippingStatus

log = logging.getLogger(__name__)

UPLOADS = Counter(
    "xiaodian_wechat_shipping_uploads", "Shipping-info uploads by outcome", ["outcome"]
)
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=2)
BATCH = 50
CLAIM = timedelta(minutes=2)
"""An attempt in flight: not tried again before this (a crashed one is, after it)."""

EXPRESS_COMPANIES = {
    "顺丰": "SF",
    "圆通": "YTO",
    "中通": "ZTO",
    "申通": "STO",
    "韵达": "YD",
    "邮政": "EMS",
    "EMS": "EMS",
    "京东": "JD",
    "极兔": "JTSD",
    "德邦": "DBL",
}
"""Carrier names the merchant types → WeChat's `delivery_id` (get_delivery_list)."""
REUPLOADS_ALLOWED = 1
"""WeChat: one re-shipment per payment (PROTOCOLS-2 §2c)."""
SECOND_CORRECTION = "运单号已修改过一次，微信只允许重新上传一次发货信息，请在微信后台手动修改"


class HasOrderId(Protocol):
    @property
    def order_id(self) -> int: ...


def express_company(carrier: str) -> str:
    for name, code in EXPRESS_COMPANIES.items():
        if name in carrier:
            return code
    stripped = carrier.strip().upper()
    return stripped if stripped.isascii() and stripped.isalnum() else carrier.strip()


def masked_phone(phone: str) -> str:
    """ "13812345678" → "138****5678": WeChat wants the last 4 digits unmasked."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "****" + digits[-4:] if digits else ""
    return f"{digits[:3]}****{digits[-4:]}"


def backoff(attempts: int) -> timedelta:
    delay: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_RETRY)


def _item_desc(lines: list[OrderLine]) -> str:
    if not lines:
        return "商品"
    first = lines[0].title
    text = first if len(lines) == 1 else f"{first}等{len(lines)}件商品"
    return text[:120]


def _upload_time() -> str:
    return clock.to_shop_time(clock.now()).isoformat(timespec="milliseconds")


async def _paid_by_wechat(context: AppContext, order_id: int) -> Payment | None:
    async with context.db.transaction(write=False) as session:
        return await session.scalar(
            select(Payment)
            .where(
                Payment.order_id == order_id,
                Payment.channel == "wechat",
                Payment.status == "succeeded",
            )
            .order_by(Payment.id.desc())
            .limit(1)
        )


async def _body(
    context: AppContext, order_id: int, logistics_type: int, payment: Payment
) -> dict[str, Any] | None:
    async with context.db.transaction(write=False) as session:
        order = await session.get(Order, order_id)
        if order is None:
            return None
        user = await session.get(User, order.user_id)
        lines = list(
            (
                await session.scalars(
                    select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)
                )
            ).all()
        )
    openid = payment.payer_openid or (user.openid if user else "")
    if payment.transaction_id:
        order_key: dict[str, Any] = {
            "order_number_type": 2,
            "transaction_id": payment.transaction_id,
        }
    else:
        order_key = {
            "order_number_type": 1,
            "mchid": context.settings.wechat_pay_mchid,
            "out_trade_no": payment.out_trade_no,
        }
    item: dict[str, Any] = {"item_desc": _item_desc(lines)}
    if logistics_type == LogisticsType.EXPRESS:
        item["tracking_no"] = order.tracking_no or ""
        item["express_company"] = express_company(order.carrier or "")
        item["contact"] = {"receiver_contact": masked_phone(order.receiver_phone)}
    return {
        "order_key": order_key,
        "logistics_type": logistics_type,
        "delivery_mode": 1,
        "shipping_list": [item],
        "upload_time": _upload_time(),
        "payer": {"openid": openid},
    }


async def _ensure_row(context: AppContext, order_id: int, logistics_type: int) -> None:
    async with context.db.transaction() as session:
        exists = await session.scalar(
            select(WechatShipping.id).where(WechatShipping.order_id == order_id)
        )
        if exists is not None:
            return
        try:
            async with session.begin_nested():
                session.add(
                    WechatShipping(
                        order_id=order_id,
                        logistics_type=logistics_type,
                        status=ShippingStatus.PENDING,
                        attempts=0,
                        next_attempt_at=clock.now(),
                    )
                )
        except IntegrityError:
            pass  # a concurrent receiver made it


async def attempt(context: AppContext, *, order_id: int) -> str:
    """One upload attempt for an order's row (unless already uploaded); returns the status."""
    async with context.db.transaction() as session:
        row = await session.scalar(
            select(WechatShipping).where(WechatShipping.order_id == order_id)
        )
        if row is None:
            raise ShippingNotFound()
        if row.status == ShippingStatus.UPLOADED:
            return ShippingStatus.UPLOADED
        if row.reuploads > REUPLOADS_ALLOWED:
            return str(row.status)  # a second correction: WeChat would refuse it
        logistics_type = row.logistics_type
        before = row.attempts
        attempts = before + 1
        # claim this attempt: a concurrent sweep or button press sees the new count and waits
        now = clock.now()
        claimed = await session.execute(
            update(WechatShipping)
            .where(
                WechatShipping.id == row.id,
                WechatShipping.attempts == before,
                WechatShipping.status != ShippingStatus.UPLOADED,
                WechatShipping.claimed_until.is_(None) | (WechatShipping.claimed_until < now),
            )
            .values(attempts=attempts, next_attempt_at=now + CLAIM, claimed_until=now + CLAIM)
            .execution_options(synchronize_session=False)
        )
        if affected(claimed) != 1:
            return str(row.status)
    payment = await _paid_by_wechat(context, order_id)
    error: str | None = None
    if payment is None:
        error = "没有微信支付成功的支付单"
    else:
        body = await _body(context, order_id, logistics_type, payment)
        if body is None:
            error = "订单不存在"
        else:
            try:
                await upload_shipping_info(platform_of(context), body)
            except WeChatApiError as failure:
                error = f"{failure.errcode} {failure.errmsg}"[:255]
            except WeChatPlatformUnreachable as failure:
                error = f"微信无应答: {failure}"[:255]
    status = ShippingStatus.UPLOADED if error is None else ShippingStatus.FAILED
    async with context.db.transaction() as session:
        await session.execute(
            update(WechatShipping)
            .where(WechatShipping.order_id == order_id, WechatShipping.attempts == attempts)
            .values(
                status=status,
                last_error=error,
                uploaded_at=clock.now() if error is None else None,
                claimed_until=None,
                next_attempt_at=None if error is None else clock.now() + backoff(attempts),
            )
        )
    UPLOADS.labels(outcome=status).inc()
    if error is not None:
        log.warning(
            "shipping upload of order %s failed (attempt %d): %s", order_id, attempts, error
        )
    return status


async def upload_for_order(
    context: AppContext, *, order_id: int, logistics_type: int = LogisticsType.EXPRESS
) -> str:
    """Record the order's upload (once) and try it now."""
    if await _paid_by_wechat(context, order_id) is None:
        return "skipped"  # paid another way: nothing to tell WeChat
    await _ensure_row(context, order_id, logistics_type)
    return await attempt(context, order_id=order_id)


async def upload_after_ship(context: AppContext, event: HasOrderId) -> None:
    """The outbox's receiver of `OrderShipped` (express, logistics_type 1)."""
    await upload_for_order(context, order_id=event.order_id, logistics_type=LogisticsType.EXPRESS)


class UploadInFlight(RuntimeError):
    """An attempt with the old tracking number is in flight: the outbox tries again later."""


async def reupload_after_retrack(context: AppContext, event: HasOrderId) -> None:
    """The outbox's receiver of `TrackingChanged` (see `reupload`)."""
    await reupload(context, order_id=event.order_id)


async def reupload(context: AppContext, *, order_id: int) -> str:
    """The outbox's receiver of `TrackingChanged`: tell WeChat the corrected number. An upload
    not made yet simply sends the new one; one already made is sent again, once (WeChat
    allows one re-shipment per payment); a second correction is marked failed with a message
    saying to change it by hand."""
    async with context.db.transaction() as session:
        row = await session.scalar(
            select(WechatShipping).where(WechatShipping.order_id == order_id)
        )
        if row is None:
            # not uploaded yet: an express order's first upload carries the new number; a
            # community delivery's upload waits for its completion (type 2)
            status = await session.scalar(select(Order.status).where(Order.id == order_id))
            if status != "shipped":
                return "skipped"
        elif row.claimed_until is not None and row.claimed_until > clock.now():
            raise UploadInFlight(f"shipping upload of order {order_id} in flight")
        elif row.status == ShippingStatus.UPLOADED and row.reuploads >= REUPLOADS_ALLOWED:
            await session.execute(
                update(WechatShipping)
                .where(WechatShipping.id == row.id)
                .values(
                    status=ShippingStatus.FAILED,
                    last_error=SECOND_CORRECTION,
                    next_attempt_at=None,
                    reuploads=row.reuploads + 1,
                )
            )
            UPLOADS.labels(outcome="reupload_refused").inc()
            log.warning("order %s: tracking corrected twice; not uploaded again", order_id)
            return ShippingStatus.FAILED
        elif row.status == ShippingStatus.UPLOADED:
            await session.execute(
                update(WechatShipping)
                .where(WechatShipping.id == row.id, WechatShipping.status == row.status)
                .values(
                    status=ShippingStatus.PENDING,
                    reuploads=WechatShipping.reuploads + 1,
                    attempts=0,
                    last_error=None,
                    uploaded_at=None,
                    next_attempt_at=clock.now(),
                )
            )
    return await upload_for_order(context, order_id=order_id, logistics_type=LogisticsType.EXPRESS)


async def retry_failed_uploads(context: AppContext) -> int:
    """The sweep: retry failed uploads whose back-off has passed, below the attempt limit."""
    limit = context.settings.shipping_upload_max_attempts
    async with context.db.transaction(write=False) as session:
        due = list(
            (
                await session.scalars(
                    select(WechatShipping.order_id)
                    .where(
                        WechatShipping.status.in_([ShippingStatus.FAILED, ShippingStatus.PENDING]),
                        WechatShipping.next_attempt_at <= clock.now(),
                        WechatShipping.attempts < limit,
                        WechatShipping.reuploads <= REUPLOADS_ALLOWED,
                    )
                    .order_by(WechatShipping.next_attempt_at)
                    .limit(BATCH)
                )
            ).all()
        )
    done = 0
    for order_id in due:
        if await attempt(context, order_id=order_id) == ShippingStatus.UPLOADED:
            done += 1
    return done


async def failed_uploads(context: AppContext) -> list[dict[str, Any]]:
    async with context.db.transaction(write=False) as session:
        rows = await session.execute(
            select(WechatShipping, Order.order_no)
            .join(Order, Order.id == WechatShipping.order_id)
            .where(WechatShipping.status == ShippingStatus.FAILED)
            .order_by(WechatShipping.updated_at.desc())
            .limit(200)
        )
        return [
            {
                "order_id": row.order_id,
                "order_no": order_no,
                "logistics_type": row.logistics_type,
                "status": row.status,
                "attempts": row.attempts,
                "last_error": row.last_error,
                "next_attempt_at": row.next_attempt_at,
                "updated_at": row.updated_at,
            }
            for row, order_no in rows
        ]
