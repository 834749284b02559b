"""Express tracking through Kuaidi100: one query per waybill per `tracking_cache_minutes`
(Kuaidi100 locks a waybill queried more often than every 30 minutes), answers cached, shown
as a timeline. Without a provider key the order shows the carrier and number only."""

from __future__ import annotations

import json
import logging
from typing import Any

from xiaodian.context import AppContext
from xiaodian.integrations import kuaidi100
from xiaodian.models import Order

log = logging.getLogger(__name__)

KUAIDI100_CODES = {
    "顺丰": "shunfeng",
    "圆通": "yuantong",
    "中通": "zhongtong",
    "申通": "shentong",
    "韵达": "yunda",
    "邮政": "youzhengguonei",
    "EMS": "ems",
    "京东": "jd",
    "极兔": "jtexpress",
    "德邦": "debangkuaidi",
}


def company_code(carrier: str) -> str:
    for name, code in KUAIDI100_CODES.items():
        if name in carrier:
            return code
    return carrier.strip().lower()


async def timeline(context: AppContext, order: Order) -> dict[str, Any]:
    """`{carrier, tracking_no, provider, state, state_text, points[{time, context}], error}`;
    `provider` is None when no key is configured (the page offers a copy button)."""
    base: dict[str, Any] = {
        "carrier": order.carrier or "",
        "tracking_no": order.tracking_no or "",
        "provider": None,
        "state": None,
        "state_text": None,
        "points": [],
        "error": None,
    }
    settings = context.settings
    if not settings.kuaidi100_key or not settings.kuaidi100_customer or not order.tracking_no:
        return base
    base["provider"] = "kuaidi100"
    code = company_code(order.carrier or "")
    key = f"tracking:{code}:{order.tracking_no}"
    cached = await context.cache.get(key)
    if cached is not None:
        return {**base, **json.loads(cached)}
    # one query per waybill per window, whichever process asks first
    if not await context.cache.add(
        f"{key}:lock", b"1", ttl_seconds=settings.tracking_cache_minutes * 60
    ):
        stale = await context.cache.get(f"{key}:last")
        return {**base, **json.loads(stale)} if stale else base
    try:
        answer = await kuaidi100.query(
            context.http,
            base_url=settings.kuaidi100_base_url,
            customer=settings.kuaidi100_customer,
            key=settings.kuaidi100_key,
            company=code,
            number=order.tracking_no,
            phone=order.receiver_phone[-4:] if code in ("shunfeng", "zhongtong") else "",
        )
    except kuaidi100.TrackingError as error:
        log.warning("tracking of order %s failed: %s", order.id, error)
        stale = await context.cache.get(f"{key}:last")
        if stale:
            return {**base, **json.loads(stale)}
        return {**base, "error": "物流信息暂时无法查询"}
    found = {
        "state": answer.state,
        "state_text": answer.state_text,
        "points": [{"time": p.time, "context": p.context} for p in answer.points],
    }
    raw = json.dumps(found, ensure_ascii=False).encode()
    await context.cache.set(key, raw, ttl_seconds=settings.tracking_cache_minutes * 60)
    await context.cache.set(f"{key}:last", raw, ttl_seconds=7 * 86400)
    return {**base, **found}
